#include "kernels/vec_math.h"

#include "kernels/cpu_features.h"

// Each loop is built for the baseline and, on x86-64, also for AVX2+FMA, picked by CPU
// features at run time: these activations dominate a recurrent step, and the library must
// still run on any x86-64. (The file is compiled with -fno-trapping-math, see CMakeLists.txt:
// otherwise GCC keeps the clamping selects as branches and vectorizes nothing.)

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

#ifdef PD_HAVE_AVX2_VARIANT
PD_TARGET_AVX2 void SigmoidAvx2(float* v, int64_t n) { SigmoidLoop(v, n); }
PD_TARGET_AVX2 void TanhAvx2(float* v, int64_t n) { TanhLoop(v, n); }
PD_TARGET_AVX2 void ReluAvx2(float* v, int64_t n) { ReluLoop(v, n); }
#endif

}  // namespace

void SigmoidInPlace(float* v, int64_t n) {
#ifdef PD_HAVE_AVX2_VARIANT
  if (CpuHasAvx2Fma()) return SigmoidAvx2(v, n);
#endif
  SigmoidLoop(v, n);
}

void TanhInPlace(float* v, int64_t n) {
#ifdef PD_HAVE_AVX2_VARIANT
  if (CpuHasAvx2Fma()) return TanhAvx2(v, n);
#endif
  TanhLoop(v, n);
}

void ReluInPlace(float* v, int64_t n) {
#ifdef PD_HAVE_AVX2_VARIANT
  if (CpuHasAvx2Fma()) return ReluAvx2(v, n);
#endif
  ReluLoop(v, n);
}

}  // namespace pd
