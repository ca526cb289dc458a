// The kernels that dispatch on the vector instruction set, timed on AVX2 and on AVX-512, one
// thread: crf_decoding's Viterbi recursion on LAC's shapes (57 tags, a batch of 32 sentences of
// 10 to 100 words), the recurrent activations (kernels/vec_math.h) from a GRU step's gates to
// arrays past the L2 cache, and the binary elementwise ops on same-shape operands and the
// conv-net activations that dispatch (also on the baseline build, which they ran before).
//
//   vector_isa_bench [-reps R]
//
// Prints one JSON line per kernel and shape: median microseconds per call on each instruction
// set, and the AVX2 time over the AVX-512 one. Samples alternate between the instruction sets,
// so that a burst of other load on the machine lands on all of them. Needs a CPU with AVX-512F.
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

#include "bench_util.h"
#include "kernels/activation_on.h"
#include "kernels/cpu_features.h"
#include "kernels/elementwise_same_shape.h"
#include "kernels/vec_math.h"
#include "kernels/viterbi_step.h"
#include "../tests/random_floats.h"

namespace {

using pd::bench::Median;
using pd::VectorIsa;

// Median microseconds of one call of run(isa) on each of `isas`. A sample times enough calls to
// last about 0.2 ms, so that the clock's resolution does not count.
void Compare(const char* kernel, const std::string& shape, int reps,
             const std::vector<VectorIsa>& isas, const std::function<void(VectorIsa)>& run) {
  using Clock = std::chrono::steady_clock;
  for (VectorIsa isa : isas) run(isa);  // warm the caches and the wide units
  const Clock::time_point probe = Clock::now();
  run(isas.front());
  const double one = std::chrono::duration<double>(Clock::now() - probe).count();
  const int calls = std::max(1, static_cast<int>(2e-4 / std::max(one, 1e-9)));
  std::vector<std::vector<double>> samples(isas.size());
  for (int r = 0; r < reps; ++r) {
    for (size_t i = 0; i < isas.size(); ++i) {
      const Clock::time_point start = Clock::now();
      for (int c = 0; c < calls; ++c) run(isas[i]);
      samples[i].push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count() /
                           calls);
    }
  }
  std::printf("{\"kernel\":\"%s\",\"shape\":\"%s\"", kernel, shape.c_str());
  double avx2 = 0, avx512 = 0;
  for (size_t i = 0; i < isas.size(); ++i) {
    const double us = Median(samples[i]);
    if (isas[i] == VectorIsa::kAvx2) avx2 = us;
    if (isas[i] == VectorIsa::kAvx512) avx512 = us;
    const char* key = isas[i] == VectorIsa::kScalar   ? "baseline_us"
                      : isas[i] == VectorIsa::kAvx2 ? "avx2_us"
                                                    : "avx512_us";
    std::printf(",\"%s\":%.3f", key, us);
  }
  std::printf(",\"avx2_over_avx512\":%.2f}\n", avx2 / avx512);
  std::fflush(stdout);
}

const std::vector<VectorIsa> kWide = {VectorIsa::kAvx2, VectorIsa::kAvx512};

// Viterbi's forward recursion for a batch of sentences of the given lengths: what crf_decoding
// spends its time on (the back-tracking is a few loads per word, the same on every set).
void BenchViterbi(const char* shape, const std::vector<int64_t>& lengths, int reps) {
  const int64_t k = 57, stride = pd::ViterbiStride(k);
  const int64_t longest = *std::max_element(lengths.begin(), lengths.end());
  std::vector<float> trans(k * stride, -std::numeric_limits<float>::infinity());
  const std::vector<float> w = pd::test::RandomFloats(k * k, 1, -2, 2);
  for (int64_t i = 0; i < k; ++i) {
    std::copy(w.begin() + i * k, w.begin() + (i + 1) * k, trans.begin() + i * stride);
  }
  const std::vector<float> x = pd::test::RandomFloats(longest * k, 2, -4, 4);
  std::vector<float> alpha(longest * stride);
  std::vector<int> track(longest * stride);
  std::copy(x.begin(), x.begin() + k, alpha.begin());
  Compare("viterbi_k57_batch32", shape, reps, kWide, [&](VectorIsa isa) {
    for (int64_t len : lengths) {
      for (int64_t t = 1; t < len; ++t) {
        pd::ViterbiStepOn(isa, k, stride, alpha.data() + (t - 1) * stride, trans.data(),
                          x.data() + t * k, alpha.data() + t * stride, track.data() + t * stride);
      }
    }
  });
}

// Floats starting on a 64-byte line, as the library's tensors do: a 64-byte load across two
// lines costs two.
struct AlignedFloats {
  AlignedFloats(int64_t n, unsigned seed)
      : storage(pd::test::RandomFloats(static_cast<size_t>(n) + 15, seed, -8, 8)) {
    const size_t past_line = reinterpret_cast<uintptr_t>(storage.data()) % 64 / sizeof(float);
    data = storage.data() + (past_line ? 16 - past_line : 0);
  }
  std::vector<float> storage;
  float* data;
};

void BenchActivation(const char* kernel, void (*on)(VectorIsa, float*, int64_t), int64_t n,
                     int reps) {
  AlignedFloats v(n, 3);
  Compare(kernel, "n=" + std::to_string(n), reps, kWide,
          [&](VectorIsa isa) { on(isa, v.data, n); });
}

const std::vector<VectorIsa> kAll = {VectorIsa::kScalar, VectorIsa::kAvx2, VectorIsa::kAvx512};

// Also on the baseline build, which these ops ran before they dispatched.
void BenchElementwise(const char* op_type, int64_t n, int reps) {
  AlignedFloats x(n, 4), y(n, 5), out(n, 6);
  Compare(op_type, "n=" + std::to_string(n), reps, kAll, [&](VectorIsa isa) {
    pd::ElementwiseSameShapeOn(isa, op_type, x.data, y.data, out.data, n);
  });
}

// An activation op with its default attributes, out of place.
void BenchActivationOp(const char* op_type, int64_t n, int reps) {
  paddle::framework::proto::OpDesc desc;
  desc.set_type(op_type);
  const pd::OpView op(&desc);
  AlignedFloats x(n, 7), out(n, 8);
  Compare(op_type, "n=" + std::to_string(n), reps, kAll,
          [&](VectorIsa isa) { pd::ActivationOn(isa, op, x.data, out.data, n); });
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
  // Same-shape operands: a small tensor, one in L2, and ResNet-50's first residual adds
  // (56 x 56 x 256).
  for (int64_t n : {1024, 4096, 65536, 802816}) {
    for (const char* op : {"elementwise_add", "elementwise_mul", "elementwise_max"}) {
      BenchElementwise(op, n, reps);
    }
  }
  for (int64_t n : {1024, 4096, 65536, 802816}) {
    for (const char* op : {"relu", "relu6", "leaky_relu", "hard_swish"}) {
      BenchActivationOp(op, n, reps);
    }
  }
  return 0;
}
