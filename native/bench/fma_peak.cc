// The fp32 rate this machine's cores reach in practice: each thread runs independent chains of
// vector fused multiply-adds (AVX2, or AVX-512 where the CPU has it) with nothing to load, the
// ceiling that no convolution can pass. make bench sets ResNet-50's GFLOP/s against it beside
// the nominal peak (cores x clock x FLOPs per cycle), which a boost clock makes too low.
//
//   fma_peak [-threads T] [-seconds S]
//
// Prints one JSON line: {"threads":T,"isa":"avx2"|"avx512","gflops":...}.
#include <immintrin.h>
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

// Twelve accumulators cover the latency of two FMA pipes (4 or 5 cycles each) with room over.
constexpr int kChains = 12;
constexpr long kInner = 1 << 20;

// Each runs rounds x kInner steps of kChains independent x = x * a + b, and returns one value of
// the result so that the loop cannot be dropped. Two copies, as each needs its own target.
__attribute__((target("avx2,fma"))) float Run256(long rounds) {
  __m256 acc[kChains];
  for (int c = 0; c < kChains; ++c) acc[c] = _mm256_set1_ps(0.001f * static_cast<float>(c));
  const __m256 a = _mm256_set1_ps(0.999999f), b = _mm256_set1_ps(1e-7f);
  for (long r = 0; r < rounds * kInner; ++r)
    for (int c = 0; c < kChains; ++c) acc[c] = _mm256_fmadd_ps(acc[c], a, b);
  for (int c = 1; c < kChains; ++c) acc[0] = _mm256_add_ps(acc[0], acc[c]);
  return _mm256_cvtss_f32(acc[0]);
}

__attribute__((target("avx512f"))) float Run512(long rounds) {
  __m512 acc[kChains];
  for (int c = 0; c < kChains; ++c) acc[c] = _mm512_set1_ps(0.001f * static_cast<float>(c));
  const __m512 a = _mm512_set1_ps(0.999999f), b = _mm512_set1_ps(1e-7f);
  for (long r = 0; r < rounds * kInner; ++r)
    for (int c = 0; c < kChains; ++c) acc[c] = _mm512_fmadd_ps(acc[c], a, b);
  for (int c = 1; c < kChains; ++c) acc[0] = _mm512_add_ps(acc[0], acc[c]);
  return _mm512_cvtss_f32(acc[0]);
}

}  // namespace

int main(int argc, char** argv) {
  int threads = 1;
  double seconds = 2;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "-threads") == 0) threads = std::atoi(argv[i + 1]);
    else if (std::strcmp(argv[i], "-seconds") == 0) seconds = std::atof(argv[i + 1]);
  }
  if (threads < 1 || seconds <= 0) {
    std::fprintf(stderr, "usage: fma_peak [-threads T] [-seconds S]\n");
    return 2;
  }
  const bool wide = __builtin_cpu_supports("avx512f");
  const int lanes = wide ? 16 : 8;
  const auto run = [&](long rounds) { return wide ? Run512(rounds) : Run256(rounds); };
  // Rounds for about the wanted time, from one timed round per thread.
  double sink = 0;
  auto start = std::chrono::steady_clock::now();
#pragma omp parallel num_threads(threads) reduction(+ : sink)
  sink += run(1);
  const double one = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const long rounds = std::max(1L, static_cast<long>(seconds / one));
  start = std::chrono::steady_clock::now();
#pragma omp parallel num_threads(threads) reduction(+ : sink)
  sink += run(rounds);
  const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double flops = 2.0 * lanes * kChains * static_cast<double>(kInner) * rounds * threads;
  std::printf("{\"threads\":%d,\"isa\":\"%s\",\"gflops\":%.1f,\"sink\":%g}\n", threads,
              wide ? "avx512" : "avx2", flops / took / 1e9, sink);
  return 0;
}
