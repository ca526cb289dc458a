// The optimizers' updates, one thread per element, with the CPU kernels' arithmetic
// (kernels/optimizer.cc) operation for operation: products are rounded before they are added
// (__fmul_rn and friends), since a fused multiply-add would round differently from the CPU and
// the difference would grow over a run of steps.
#include "cuda/launchers.h"
#include "cuda/optimizer_launch.h"

namespace pd::cuda {
namespace {

__device__ double Value(const DeviceScalar& s) {
  switch (s.kind) {
    case DeviceScalar::kFP32:
      return *static_cast<const float*>(s.ptr);
    case DeviceScalar::kFP64:
      return *static_cast<const double*>(s.ptr);
    case DeviceScalar::kInt32:
      return *static_cast<const int32_t*>(s.ptr);
    case DeviceScalar::kInt64:
      return static_cast<double>(*static_cast<const int64_t*>(s.ptr));
    case DeviceScalar::kBool:
      return *static_cast<const bool*>(s.ptr) ? 1.0 : 0.0;
    default:
      return s.attr;
  }
}

__device__ float FloatValue(const DeviceScalar& s) { return static_cast<float>(Value(s)); }

__global__ void SgdKernel(const float* param, const float* grad, const float* lr,
                          float* param_out, int64_t n) {
  const float rate = *lr;
  const int64_t stride = int64_t{gridDim.x} * blockDim.x;
  for (int64_t i = int64_t{blockIdx.x} * blockDim.x + threadIdx.x; i < n; i += stride)
    param_out[i] = __fsub_rn(param[i], __fmul_rn(rate, grad[i]));
}

// One parameter's momentum update over elements [first, n) by stride; momentum's CPU kernel
// reads no rescale_grad (rescale 1, no product).
__device__ __forceinline__ void MomentumUpdate(const float* param, const float* grad,
                                               const float* velocity, float lr, float mu,
                                               float coeff, float rescale, bool nesterov,
                                               float* param_out, float* velocity_out,
                                               int64_t first, int64_t stride, int64_t n) {
  for (int64_t i = first; i < n; i += stride) {
    const float p = param[i];
    const float gi = rescale == 1.0f ? grad[i] : __fmul_rn(grad[i], rescale);
    const float g = __fadd_rn(gi, __fmul_rn(coeff, p));
    const float v = __fadd_rn(__fmul_rn(velocity[i], mu), g);
    velocity_out[i] = v;
    param_out[i] = nesterov ? __fsub_rn(p, __fmul_rn(__fadd_rn(g, __fmul_rn(v, mu)), lr))
                            : __fsub_rn(p, __fmul_rn(lr, v));
  }
}

__global__ void MomentumKernel(MomentumArgs a, int64_t n) {
  MomentumUpdate(a.param, a.grad, a.velocity, *a.lr, a.mu, a.coeff, 1.0f, a.nesterov,
                 a.param_out, a.velocity_out, int64_t{blockIdx.x} * blockDim.x + threadIdx.x,
                 int64_t{gridDim.x} * blockDim.x, n);
}

// blockIdx.y picks the parameter; the x blocks stride over its elements.
__global__ void MergedMomentumKernel(MergedMomentumArgs a) {
  const int t = blockIdx.y;
  MomentumUpdate(a.param[t], a.grad[t], a.velocity[t], *a.lr[t], a.mu, a.coeff[t], a.rescale,
                 a.nesterov, a.param_out[t], a.velocity_out[t],
                 int64_t{blockIdx.x} * blockDim.x + threadIdx.x,
                 int64_t{gridDim.x} * blockDim.x, a.n[t]);
}

// One parameter's adam update over elements [first, n) by stride.
__device__ void AdamUpdate(const AdamArgs& a, int64_t first, int64_t stride, int64_t n) {
  if (Value(a.skip) != 0.0) {
    for (int64_t i = first; i < n; i += stride) {
      a.param_out[i] = a.param[i];
      a.moment1_out[i] = a.moment1[i];
      a.moment2_out[i] = a.moment2[i];
    }
    return;
  }
  const float lr = *a.lr;
  const float beta1 = FloatValue(a.beta1), beta2 = FloatValue(a.beta2);
  const float epsilon = FloatValue(a.epsilon);
  const float b1pow = *a.beta1_pow, b2pow = *a.beta2_pow;
  const float decay = a.decay ? __fmul_rn(__fmul_rn(lr, a.lr_ratio), a.coeff) : 0.0f;
  const float root = sqrtf(__fsub_rn(1.0f, b2pow));
  const float lr_t = __fmul_rn(lr, __fdiv_rn(root, __fsub_rn(1.0f, b1pow)));
  const float eps_t = __fmul_rn(epsilon, root);
  const float keep1 = __fsub_rn(1.0f, beta1), keep2 = __fsub_rn(1.0f, beta2);
  for (int64_t i = first; i < n; i += stride) {
    const float g = a.grad[i];
    const float p = __fsub_rn(a.param[i], __fmul_rn(decay, a.param[i]));
    const float m1 = __fadd_rn(__fmul_rn(beta1, a.moment1[i]), __fmul_rn(keep1, g));
    const float m2 = __fadd_rn(__fmul_rn(beta2, a.moment2[i]), __fmul_rn(__fmul_rn(keep2, g), g));
    a.moment1_out[i] = m1;
    a.moment2_out[i] = m2;
    a.param_out[i] = __fsub_rn(p, __fmul_rn(lr_t, __fdiv_rn(m1, __fadd_rn(sqrtf(m2), eps_t))));
  }
}

// After the element update on the same stream, so the powers it read are the old ones.
__device__ void AdamPow(const AdamArgs& a) {
  const bool skip = Value(a.skip) != 0.0;
  const float b1pow = *a.beta1_pow, b2pow = *a.beta2_pow;
  *a.beta1_pow_out = skip ? b1pow : __fmul_rn(FloatValue(a.beta1), b1pow);
  *a.beta2_pow_out = skip ? b2pow : __fmul_rn(FloatValue(a.beta2), b2pow);
}

__global__ void AdamKernel(AdamArgs a, int64_t n) {
  AdamUpdate(a, int64_t{blockIdx.x} * blockDim.x + threadIdx.x, int64_t{gridDim.x} * blockDim.x,
             n);
}

__global__ void AdamPowKernel(AdamArgs a) { AdamPow(a); }

// blockIdx.y picks the parameter; the x blocks stride over its elements.
__global__ void MergedAdamKernel(MergedAdamArgs m) {
  const int t = blockIdx.y;
  AdamUpdate(m.param[t], int64_t{blockIdx.x} * blockDim.x + threadIdx.x,
             int64_t{gridDim.x} * blockDim.x, m.n[t]);
}

__global__ void MergedAdamPowKernel(MergedAdamArgs m) {
  const int t = threadIdx.x;
  if (t < m.count && m.param[t].beta1_pow_out != nullptr) AdamPow(m.param[t]);
}

// One wave of blocks for the largest parameter at most: the blocks of the small ones return at
// once, and a grid-stride loop covers the rest.
unsigned MergedBlocks(const int64_t* n, int count) {
  int64_t most = 0;
  for (int t = 0; t < count; ++t) most = n[t] > most ? n[t] : most;
  constexpr unsigned kMaxBlocks = 1024;
  return LaunchBlocks(most) < kMaxBlocks ? LaunchBlocks(most) : kMaxBlocks;
}

}  // namespace

void LaunchSgd(const float* param, const float* grad, const float* lr, float* param_out,
               int64_t n, cudaStream_t s) {
  if (n == 0) return;
  SgdKernel<<<LaunchBlocks(n), kLaunchThreads, 0, s>>>(param, grad, lr, param_out, n);
}

void LaunchMomentum(const MomentumArgs& a, int64_t n, cudaStream_t s) {
  if (n == 0) return;
  MomentumKernel<<<LaunchBlocks(n), kLaunchThreads, 0, s>>>(a, n);
}

void LaunchMergedMomentum(const MergedMomentumArgs& a, cudaStream_t s) {
  if (a.count == 0) return;
  MergedMomentumKernel<<<dim3(MergedBlocks(a.n, a.count), static_cast<unsigned>(a.count)),
                         kLaunchThreads, 0, s>>>(a);
}

void LaunchMergedAdam(const MergedAdamArgs& a, cudaStream_t s) {
  if (a.count == 0) return;
  MergedAdamKernel<<<dim3(MergedBlocks(a.n, a.count), static_cast<unsigned>(a.count)),
                     kLaunchThreads, 0, s>>>(a);
  MergedAdamPowKernel<<<1, kMaxMergedAdamParams, 0, s>>>(a);
}

void LaunchAdam(const AdamArgs& a, int64_t n, cudaStream_t s) {
  if (n > 0) AdamKernel<<<LaunchBlocks(n), kLaunchThreads, 0, s>>>(a, n);
  if (a.beta1_pow_out != nullptr) AdamPowKernel<<<1, 1, 0, s>>>(a);
}

}  // namespace pd::cuda
