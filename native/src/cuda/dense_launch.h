// Device code for the dense ops' host glue (conv.cc, pool.cc, norm.cc, blas.cc): the epilogue
// that adds bias and residual and applies the fused activation, pooling, and inference
// batch-norm. Plain pointers and sizes only, so the .cu file needs no engine headers.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

#include "cuda/bf16_launch.h"

namespace pd::cuda {

// The activations a conv or fc can carry (passes/conv_act_fuse.cc), with oneDNN's meaning of
// alpha and beta: leaky_relu's slope; relu6 clips to [alpha, beta]; swish is x·σ(alpha·x);
// hard_swish is x·clamp(alpha·x + beta, 0, 1).
enum class Act : int { kNone, kRelu, kLeakyRelu, kRelu6, kSigmoid, kTanh, kSwish, kHardSwish };

// y[o, c, i] = act(y[o, c, i] + bias[c] + residual[o, c, i]) over a tensor seen as
// [outer, channels, inner]; bias and residual may be null.
void LaunchBiasActivation(float* y, const float* bias, const float* residual, int64_t outer,
                          int64_t channels, int64_t inner, Act act, float alpha, float beta,
                          cudaStream_t stream);

// Copies an NCHW image [n*c, h, w] into a zeroed [n*c, h + top + bottom, w + left + right]
// buffer at (top, left): asymmetric convolution padding, which cuDNN cannot express.
void LaunchPadImage(const float* x, float* y, int64_t planes, int64_t h, int64_t w, int64_t top,
                    int64_t left, int64_t out_h, int64_t out_w, cudaStream_t stream);

// pool2d on an NCHW (or NHWC) tensor, Paddle's window rules (kernels/pool_shape.h).
struct PoolArgs {
  int64_t n, c, in_h, in_w, out_h, out_w;
  int64_t k[2], stride[2], pad_begin[2];
  bool nhwc, max, adaptive, exclusive;
};
// x may be stored in bfloat16 (cuda/layout.h), and y written so when y_bf16 (rounded).
void LaunchPool2d(FloatData x, void* y, bool y_bf16, const PoolArgs& a, cudaStream_t stream);

// Inference batch_norm with running statistics over [outer, channels, inner]:
// y = (x − mean)·scale/√(var + ε) + bias, then max(y, 0) when relu.
void LaunchBatchNormInference(const float* x, float* y, const float* scale, const float* bias,
                              const float* mean, const float* var, float epsilon, bool relu,
                              int64_t outer, int64_t channels, int64_t inner,
                              cudaStream_t stream);
// SavedVariance of an inference batch_norm: 1/√(var + ε) per channel.
void LaunchInverseStd(const float* var, float* inv_std, float epsilon, int64_t channels,
                      cudaStream_t stream);

}  // namespace pd::cuda
