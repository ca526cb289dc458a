// Device code for training batch_norm and its gradient (norm.cc, norm_grad.cc): per-channel
// sums over a tensor seen as [outer, channels, inner], reduced in a fixed order (partial sums per
// block in double, then each channel's partials added in sequence) so that a run repeats bit for
// bit. Plain pointers and sizes only, so the .cu file needs no engine headers.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

#include "cuda/bf16_launch.h"

namespace pd::cuda {

struct ChannelShape {
  int64_t outer, channels, inner;
};

// Doubles of scratch the reductions below need for shape s.
int64_t ChannelSumScratch(const ChannelShape& s);

// Training batch_norm as kernels/norm.cc computes it: the batch mean and biased variance of
// each channel normalise x into y (which may be x), then relu when asked (fuse_with_relu); the
// running statistics are updated with momentum (mean_out, var_out: may alias run_mean, run_var,
// or be null) and the saved mean and inverse std that the gradient reads are written (may be
// null). channel_scratch: 2·channels floats. x may be stored in bfloat16 (cuda/layout.h); y is
// then written in bfloat16 too, else in float32.
struct BatchNormTrainOut {
  void* y;
  float *mean_out, *var_out, *saved_mean, *saved_inv_std;
};
void LaunchBatchNormTrain(FloatData x, const float* scale, const float* bias,
                          const float* run_mean, const float* run_var, float epsilon,
                          float momentum, bool relu, const ChannelShape& s, double* scratch,
                          float* channel_scratch, const BatchNormTrainOut& out,
                          cudaStream_t stream);

// batch_norm_grad's channel sums dbias = Σ dy and dscale = Σ dy·(x − mean)·inv_std, in double
// for the input gradient and as floats for Bias@GRAD and Scale@GRAD (either may be null). x and
// dy may be bfloat16 (cuda/layout.h).
void LaunchBatchNormGradSums(FloatData x, FloatData dy, const float* mean,
                             const float* inv_std, const ChannelShape& s, double* scratch,
                             double* dbias, double* dscale, float* dbias_out, float* dscale_out,
                             cudaStream_t stream);

// X@GRAD: with batch statistics scale·inv_std/N·(N·dy − dbias − x̂·dscale); with the running
// ones (running) the affine map's dy·scale·inv_std, dbias and dscale unused. dx is stored as dy
// is (and may be dy).
void LaunchBatchNormGradInput(FloatData x, FloatData dy, const float* scale,
                              const float* mean, const float* inv_std, const double* dbias,
                              const double* dscale, bool running, const ChannelShape& s,
                              void* dx, cudaStream_t stream);

}  // namespace pd::cuda
