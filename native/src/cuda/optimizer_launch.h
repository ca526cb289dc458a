// Device code of the optimizers' host glue (optimizer.cc). Every scalar that lives in a tensor
// (the learning rate, the beta powers, Beta1Tensor...) is passed as a device pointer and read by
// the kernels, so a step never waits for the host. Outputs may be their inputs (in place): each
// element is read before it is written, by the same thread, so no pointer here is restrict.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

namespace pd::cuda {

// A one-value input read on the device, or the attribute standing in when there is none. Its
// value is taken as a double and then as a float, as kernels/kernel_util.h's ScalarInput does.
struct DeviceScalar {
  enum Kind : int { kAttr, kFP32, kFP64, kInt32, kInt64, kBool } kind = kAttr;
  const void* ptr = nullptr;
  float attr = 0.0f;
};

// sgd: out = param - lr * grad.
void LaunchSgd(const float* param, const float* grad, const float* lr, float* param_out,
               int64_t n, cudaStream_t s);

// momentum (regularization_coeff is 0 without "l2_decay").
struct MomentumArgs {
  const float* param;
  const float* grad;
  const float* velocity;
  const float* lr;
  float* param_out;
  float* velocity_out;
  float mu, coeff;
  bool nesterov;
};
void LaunchMomentum(const MomentumArgs& a, int64_t n, cudaStream_t s);

// merged_momentum: momentum over up to kMaxMergedParams parameters in one launch (the kernel's
// arguments carry the pointers, so no table is copied to the device), each with its learning
// rate and L2 coefficient; the gradient is scaled by rescale first, as Paddle's op does.
constexpr int kMaxMergedParams = 24;
struct MergedMomentumArgs {
  int count = 0;
  const float* param[kMaxMergedParams];
  const float* grad[kMaxMergedParams];
  const float* velocity[kMaxMergedParams];
  const float* lr[kMaxMergedParams];
  float* param_out[kMaxMergedParams];
  float* velocity_out[kMaxMergedParams];
  float coeff[kMaxMergedParams];
  int64_t n[kMaxMergedParams];
  float mu, rescale;
  bool nesterov;
};
void LaunchMergedMomentum(const MergedMomentumArgs& a, cudaStream_t s);

// adam and adamw (decoupled decay lr * lr_ratio * coeff when decay, adamw only). skip: the
// SkipUpdate input (kAttr with attr 0 when absent); a skipped step copies every state through.
// beta1_pow_out / beta2_pow_out null: use_global_beta_pow, the powers are not advanced.
struct AdamArgs {
  const float* param;
  const float* grad;
  const float* moment1;
  const float* moment2;
  const float* lr;
  const float* beta1_pow;
  const float* beta2_pow;
  float* param_out;
  float* moment1_out;
  float* moment2_out;
  float* beta1_pow_out;
  float* beta2_pow_out;
  DeviceScalar beta1, beta2, epsilon, skip;
  bool decay;
  float lr_ratio, coeff;
};
// The element update, then (one thread, after it) the powers: they may be updated in place,
// and every element reads the old ones.
void LaunchAdam(const AdamArgs& a, int64_t n, cudaStream_t s);

// merged_adam: up to kMaxMergedAdamParams parameters, each with its own AdamArgs, in one launch
// for the elements and one for the powers.
constexpr int kMaxMergedAdamParams = 12;
struct MergedAdamArgs {
  int count = 0;
  AdamArgs param[kMaxMergedAdamParams];
  int64_t n[kMaxMergedAdamParams];
};
void LaunchMergedAdam(const MergedAdamArgs& a, cudaStream_t s);

}  // namespace pd::cuda
