#include "kernels/vec_math.h"

// Each loop is built for the baseline and, on x86-64, also for AVX2+FMA, picked by CPU
// features at run time: these activations dominate a recurrent step, and the library must
// still run on any x86-64. (The file is compiled with -fno-trapping-math, see CMakeLists.txt:
// otherwise GCC keeps the clamping selects as branches and vectorizes nothing.)
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define PD_HAVE_AVX2_VARIANT 1
#endif

namespace pd {
namespace {

PD_ALWAYS_INLINE void SigmoidLoop(float* v, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    float a = v[i];
    a = a < -40.0f ? -40.0f : (a > 13.0f ? 13.0f : a);
    v[i] = 1.0f / (1.0f + ExpF(-a));
  }
}

PD_ALWAYS_INLINE void TanhLoop(float* v, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    float e = -2.0f * v[i];
    e = e > 40.0f ? 40.0f : e;
    v[i] = 2.0f / (1.0f + ExpF(e)) - 1.0f;
  }
}

PD_ALWAYS_INLINE void ReluLoop(float* v, int64_t n) {
  for (int64_t i = 0; i < n; ++i) v[i] = v[i] > 0.0f ? v[i] : 0.0f;
}

// Four rows of A per pass over y: a quarter of the loads and stores of y that one row at a
// time would cost, and y (a recurrent step's gates) stays in L1 throughout.
PD_ALWAYS_INLINE void RowTimesMatrixLoop(int64_t k, int64_t n, const float* __restrict x,
                                         const float* __restrict a, int64_t lda,
                                         float* __restrict y) {
  int64_t i = 0;
  for (; i + 4 <= k; i += 4) {
    const float x0 = x[i], x1 = x[i + 1], x2 = x[i + 2], x3 = x[i + 3];
    const float* r0 = a + i * lda;
    const float* r1 = r0 + lda;
    const float* r2 = r1 + lda;
    const float* r3 = r2 + lda;
    for (int64_t j = 0; j < n; ++j) y[j] += x0 * r0[j] + x1 * r1[j] + x2 * r2[j] + x3 * r3[j];
  }
  for (; i < k; ++i) {
    const float xi = x[i];
    const float* r = a + i * lda;
    for (int64_t j = 0; j < n; ++j) y[j] += xi * r[j];
  }
}

#ifdef PD_HAVE_AVX2_VARIANT
__attribute__((target("avx2,fma"))) void SigmoidAvx2(float* v, int64_t n) { SigmoidLoop(v, n); }
__attribute__((target("avx2,fma"))) void TanhAvx2(float* v, int64_t n) { TanhLoop(v, n); }
__attribute__((target("avx2,fma"))) void ReluAvx2(float* v, int64_t n) { ReluLoop(v, n); }
__attribute__((target("avx2,fma"))) void RowTimesMatrixAvx2(int64_t k, int64_t n, const float* x,
                                                            const float* a, int64_t lda,
                                                            float* y) {
  RowTimesMatrixLoop(k, n, x, a, lda, y);
}

bool UseAvx2() {
  static const bool yes = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return yes;
}
#endif

}  // namespace

void SigmoidInPlace(float* v, int64_t n) {
#ifdef PD_HAVE_AVX2_VARIANT
  if (UseAvx2()) return SigmoidAvx2(v, n);
#endif
  SigmoidLoop(v, n);
}

void TanhInPlace(float* v, int64_t n) {
#ifdef PD_HAVE_AVX2_VARIANT
  if (UseAvx2()) return TanhAvx2(v, n);
#endif
  TanhLoop(v, n);
}

void ReluInPlace(float* v, int64_t n) {
#ifdef PD_HAVE_AVX2_VARIANT
  if (UseAvx2()) return ReluAvx2(v, n);
#endif
  ReluLoop(v, n);
}

void AddRowTimesMatrix(int64_t k, int64_t n, const float* x, const float* a, int64_t lda,
                       float* y) {
#ifdef PD_HAVE_AVX2_VARIANT
  if (UseAvx2()) return RowTimesMatrixAvx2(k, n, x, a, lda, y);
#endif
  RowTimesMatrixLoop(k, n, x, a, lda, y);
}

}  // namespace pd
