// The kernels that dispatch on the vector instruction set, timed on AVX2 and on AVX-512, one
// thread: crf_decoding's Viterbi recursion on LAC's shapes (57 tags, a batch of 32 sentences of
// 10 to 100 words) and the recurrent activations (kernels/vec_math.h) from a GRU step's gates
// to arrays past the L2 cache.
//
//   vector_isa_bench [-reps R]
//
// Prints one JSON line per kernel and shape: median microseconds per call on each instruction
// set, and their ratio. Samples alternate between the instruction sets, so that a burst of other
// load on the machine lands on both. Needs a CPU with AVX-512F.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "kernels/cpu_features.h"
#include "kernels/vec_math.h"
#include "kernels/viterbi_step.h"

namespace {

using pd::VectorIsa;

std::vector<float> Random(size_t n, unsigned seed, float lo, float hi) {
  std::vector<float> v(n);
  unsigned s = seed * 2654435761u + 1u;
  for (float& x : v) {
    s = s * 1664525u + 1013904223u;
    x = lo + (hi - lo) * static_cast<float>(s >> 8) / static_cast<float>(1u << 24);
  }
  return v;
}

double Median(std::vector<double> v) {
  std::nth_element(v.begin(), v.begin() + v.size() / 2, v.end());
  return v[v.size() / 2];
}

// Median microseconds of one call of run(isa) on AVX2 and on AVX-512. A sample times enough
// calls to last about 0.2 ms, so that the clock's resolution does not count.
void Compare(const char* kernel, const std::string& shape, int reps,
             const std::function<void(VectorIsa)>& run) {
  using Clock = std::chrono::steady_clock;
  const VectorIsa isas[2] = {VectorIsa::kAvx2, VectorIsa::kAvx512};
  for (VectorIsa isa : isas) run(isa);  // warm the caches and the wide units
  const Clock::time_point probe = Clock::now();
  run(VectorIsa::kAvx2);
  const double one = std::chrono::duration<double>(Clock::now() - probe).count();
  const int calls = std::max(1, static_cast<int>(2e-4 / std::max(one, 1e-9)));
  std::vector<double> samples[2];
  for (int r = 0; r < reps; ++r) {
    for (int i = 0; i < 2; ++i) {
      const Clock::time_point start = Clock::now();
      for (int c = 0; c < calls; ++c) run(isas[i]);
      samples[i].push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count() /
                           calls);
    }
  }
  const double avx2 = Median(samples[0]), avx512 = Median(samples[1]);
  std::printf("{\"kernel\":\"%s\",\"shape\":\"%s\",\"avx2_us\":%.3f,\"avx512_us\":%.3f,"
              "\"avx2_over_avx512\":%.2f}\n",
              kernel, shape.c_str(), avx2, avx512, avx2 / avx512);
  std::fflush(stdout);
}

// Viterbi's forward recursion for a batch of sentences of the given lengths: what crf_decoding
// spends its time on (the back-tracking is a few loads per word, the same on every set).
void BenchViterbi(const char* shape, const std::vector<int64_t>& lengths, int reps) {
  const int64_t k = 57, stride = pd::ViterbiStride(k);
  const int64_t longest = *std::max_element(lengths.begin(), lengths.end());
  std::vector<float> trans(k * stride, -std::numeric_limits<float>::infinity());
  const std::vector<float> w = Random(k * k, 1, -2, 2);
  for (int64_t i = 0; i < k; ++i) {
    std::copy(w.begin() + i * k, w.begin() + (i + 1) * k, trans.begin() + i * stride);
  }
  const std::vector<float> x = Random(longest * k, 2, -4, 4);
  std::vector<float> alpha(longest * stride);
  std::vector<int> track(longest * stride);
  std::copy(x.begin(), x.begin() + k, alpha.begin());
  Compare("viterbi_k57_batch32", shape, reps, [&](VectorIsa isa) {
    for (int64_t len : lengths) {
      for (int64_t t = 1; t < len; ++t) {
        pd::ViterbiStepOn(isa, k, stride, alpha.data() + (t - 1) * stride, trans.data(),
                          x.data() + t * k, alpha.data() + t * stride, track.data() + t * stride);
      }
    }
  });
}

// On a 64-byte line, as the library's tensors start: a 64-byte load across two lines costs two.
void BenchActivation(const char* kernel, void (*on)(VectorIsa, float*, int64_t), int64_t n,
                     int reps) {
  std::vector<float> storage = Random(static_cast<size_t>(n) + 15, 3, -8, 8);
  const size_t past_line = reinterpret_cast<uintptr_t>(storage.data()) % 64 / sizeof(float);
  float* v = storage.data() + (past_line ? 16 - past_line : 0);
  Compare(kernel, "n=" + std::to_string(n), reps, [&](VectorIsa isa) { on(isa, v, n); });
}

}  // namespace

int main(int argc, char** argv) {
  int reps = 51;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "-reps") == 0) reps = std::atoi(argv[i + 1]);
  }
  if (reps < 1) {
    std::fprintf(stderr, "usage: vector_isa_bench [-reps R]\n");
    return 2;
  }
  if (!pd::VectorIsaRuns(VectorIsa::kAvx512)) {
    std::fprintf(stderr, "vector_isa_bench: this CPU or build has no AVX-512 path to compare\n");
    return 1;
  }
  for (int64_t len : {10, 25, 50, 100}) {
    BenchViterbi(("len=" + std::to_string(len)).c_str(), std::vector<int64_t>(32, len), reps);
  }
  std::vector<int64_t> mixed(32);
  for (int s = 0; s < 32; ++s) mixed[s] = 10 + (s * 37) % 91;  // 10..100, spread over the batch
  BenchViterbi("len=10..100", mixed, reps);
  // A GRU step at LAC's hidden size of 128 calls tanh on 128 floats and sigmoid on 256 per
  // sentence; then a small tensor, and arrays the size of L2 and past it.
  for (int64_t n : {128, 256, 4096, 262144, 4194304}) {
    BenchActivation("sigmoid", pd::SigmoidInPlaceOn, n, reps);
    BenchActivation("tanh", pd::TanhInPlaceOn, n, reps);
    BenchActivation("relu", pd::ReluInPlaceOn, n, reps);
  }
  return 0;
}
