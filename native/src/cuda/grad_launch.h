// Launchers of the activation and element-wise gradients, fill_constant, sum and the losses
// (activation_grad.cu, elementwise_grad.cu, loss.cu): plain pointers and sizes in, work queued
// on the given stream. The matching .cc files read the ops and call them.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

#include "cuda/bf16_launch.h"

namespace pd::cuda {

// ---- activation gradients (activation_grad.cu) ----------------------------------------------
// What `in` is (the forward's Out, or X for hard_swish) and what a, b, c mean: activation_grad.cc.
enum class ActGradKind { kRelu, kRelu6, kSigmoid, kHardSigmoid, kHardSwish };
struct ActGradParams {
  float a = 0, b = 0, c = 0;
};
// in and dout may be stored in bfloat16 (cuda/layout.h); dx is stored as dout is.
void LaunchActivationGrad(ActGradKind kind, ActGradParams p, FloatData in, FloatData dout,
                          void* dx, int64_t n, cudaStream_t s);

// Out and its gradient viewed as [outer, n, inner], softmax along n.
void LaunchSoftmaxGrad(const float* out, const float* dout, float* dx, int64_t outer, int64_t n,
                       int64_t inner, cudaStream_t s);

// dx = dout * mask * factor, or dout * factor without a mask.
void LaunchDropoutGrad(const uint8_t* mask, const float* dout, float* dx, float factor,
                       int64_t n, cudaStream_t s);

// ---- element-wise gradients (elementwise_grad.cu) -------------------------------------------
// The gradient of an operand broadcast into the output: g[j] = sum of dout[e] * f[e] over the
// output elements e that operand element j reached, f being x[e] when x is given, else sign.
// The output's dims, with size-1 dims dropped and neighbours of one kind merged, split into the
// operand's (kept) dims and those it was broadcast along (reduced); strides are the output's.
constexpr int kMaxReduceDims = 8;
struct ReducePlan {
  int kept_rank = 0, reduced_rank = 0;
  int64_t kept_size[kMaxReduceDims], kept_stride[kMaxReduceDims];
  int64_t reduced_size[kMaxReduceDims], reduced_stride[kMaxReduceDims];
  bool inner_kept = true;  // the output's innermost (merged) dim is one of the operand's
  int64_t kept = 1, reduced = 1;  // elements of the operand, and summed into each
};
// Floats of scratch the reduction needs (0: none).
int64_t ReduceGradScratch(const ReducePlan& plan);
void LaunchReduceGrad(const ReducePlan& plan, const float* dout, const float* x, float sign,
                      float* g, float* scratch, cudaStream_t s);

// sum: out[i] = x0[i] + x1[i] + ... in input order; out may be one of the inputs. More inputs
// than kMaxSumInputs need n floats of scratch.
constexpr int kMaxSumInputs = 16;
void LaunchSum(const float* const* inputs, int count, float* out, float* scratch, int64_t n,
               cudaStream_t s);

template <typename T>
void LaunchFill(T* out, T value, int64_t n, cudaStream_t s);

// ---- losses (loss.cu) -----------------------------------------------------------------------
// Rows of `classes` logits (or probabilities) with one label each; label ignore gives a zero
// loss and gradient. A label outside [0, classes) that is not ignored gives a NaN loss (the CPU
// kernel fails; the device cannot report it without waiting for the stream).
template <typename L>
void LaunchSoftmaxCrossEntropy(const float* logits, const L* label, float* softmax, float* loss,
                               int64_t rows, int64_t classes, int64_t ignore, cudaStream_t s);
template <typename L>
void LaunchSoftmaxCrossEntropyGrad(const float* softmax, const L* label, const float* dloss,
                                   float* dlogits, int64_t rows, int64_t classes, int64_t ignore,
                                   cudaStream_t s);
// match may be null.
template <typename L>
void LaunchCrossEntropy2(const float* x, const L* label, float* y, float* match, int64_t rows,
                         int64_t classes, int64_t ignore, cudaStream_t s);
template <typename L>
void LaunchCrossEntropyGrad2(const float* match, const L* label, const float* dy, float* dx,
                             int64_t rows, int64_t classes, int64_t ignore, cudaStream_t s);

// out[0] = the mean of x's n > 0 elements, summed in double; needs MeanScratch(n) doubles.
int64_t MeanScratch(int64_t n);
void LaunchMean(const float* x, float* out, int64_t n, double* scratch, cudaStream_t s);
// dx[i] = dout[0] / count for n elements.
void LaunchMeanGrad(const float* dout, float* dx, float count, int64_t n, cudaStream_t s);

}  // namespace pd::cuda
