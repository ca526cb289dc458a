// Element-wise activations with the CPU's formulas (kernels/activation.cc). expf, tanhf and
// sqrtf are CUDA's accurate versions (no fast-math intrinsics), and products and sums are
// rounded one at a time, so results agree with the CPU's to about 1e-6 relative.
#include "cuda/launchers.h"

namespace pd::cuda {
namespace {

// The CPU's ExpF clamps its argument to [-87, 88]: the same clamp keeps sigmoid and swish
// finite (and bit-compatible in the tails) where plain expf would overflow.
__device__ __forceinline__ float ClampedExp(float x) {
  float c = x < -87.0f ? -87.0f : x;
  c = c > 88.0f ? 88.0f : c;
  return expf(c);
}

__device__ __forceinline__ float Clip(float x, float lo, float hi) {
  return fminf(fmaxf(x, lo), hi);
}

template <ActKind kKind>
__device__ __forceinline__ float Act(float x, const ActParams& p) {
  if constexpr (kKind == ActKind::kRelu) return x > 0.0f ? x : 0.0f;
  if constexpr (kKind == ActKind::kRelu6) return Clip(x, 0.0f, p.a);  // a: threshold
  if constexpr (kKind == ActKind::kLeakyRelu) return x > 0.0f ? x : __fmul_rn(p.a, x);  // alpha
  if constexpr (kKind == ActKind::kSigmoid) return 1.0f / __fadd_rn(1.0f, ClampedExp(-x));
  if constexpr (kKind == ActKind::kTanh) return tanhf(x);
  if constexpr (kKind == ActKind::kSwish)  // a: beta
    return x / __fadd_rn(1.0f, ClampedExp(-__fmul_rn(p.a, x)));
  if constexpr (kKind == ActKind::kHardSwish)  // a: threshold, b: scale, c: offset
    return __fmul_rn(x, Clip(__fadd_rn(x, p.c), 0.0f, p.a)) / p.b;
  if constexpr (kKind == ActKind::kHardSigmoid)  // a: slope, b: offset
    return Clip(__fadd_rn(__fmul_rn(x, p.a), p.b), 0.0f, 1.0f);
  if constexpr (kKind == ActKind::kSqrt) return sqrtf(x);
  if constexpr (kKind == ActKind::kMulConst) return __fmul_rn(x, p.a);
  return x;
}

// Out may be X itself: each element is read before it is written.
template <ActKind kKind>
__global__ void ActKernel(ActParams p, const float* x, float* out, int64_t n) {
  const int64_t stride = int64_t{gridDim.x} * blockDim.x;
  for (int64_t i = int64_t{blockIdx.x} * blockDim.x + threadIdx.x; i < n; i += stride)
    out[i] = Act<kKind>(x[i], p);
}

template <ActKind kKind>
void Launch(ActParams p, const float* x, float* out, int64_t n, cudaStream_t s) {
  ActKernel<kKind><<<LaunchBlocks(n), kLaunchThreads, 0, s>>>(p, x, out, n);
}

}  // namespace

void LaunchActivation(ActKind kind, ActParams p, const float* x, float* out, int64_t n,
                      cudaStream_t s) {
  if (n == 0) return;
  switch (kind) {
    case ActKind::kRelu: return Launch<ActKind::kRelu>(p, x, out, n, s);
    case ActKind::kRelu6: return Launch<ActKind::kRelu6>(p, x, out, n, s);
    case ActKind::kLeakyRelu: return Launch<ActKind::kLeakyRelu>(p, x, out, n, s);
    case ActKind::kSigmoid: return Launch<ActKind::kSigmoid>(p, x, out, n, s);
    case ActKind::kTanh: return Launch<ActKind::kTanh>(p, x, out, n, s);
    case ActKind::kSwish: return Launch<ActKind::kSwish>(p, x, out, n, s);
    case ActKind::kHardSwish: return Launch<ActKind::kHardSwish>(p, x, out, n, s);
    case ActKind::kHardSigmoid: return Launch<ActKind::kHardSigmoid>(p, x, out, n, s);
    case ActKind::kSqrt: return Launch<ActKind::kSqrt>(p, x, out, n, s);
    case ActKind::kMulConst: return Launch<ActKind::kMulConst>(p, x, out, n, s);
  }
}

}  // namespace pd::cuda
