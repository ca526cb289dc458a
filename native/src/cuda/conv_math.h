// How a GPU convolution and its gradient (cuda/conv.cc, cuda/conv_grad.cc) compute: in
// bfloat16 or float32, and which of cuDNN's math types the algorithm search may consider.
#pragma once

#include "cuda/op_util.h"
#include "kernels/bf16_attr.h"

namespace pd::cuda {

// bfloat16 for an op marked so (mkldnn_data_type, kernels/bf16_attr.h) where the executor
// honours the marks (ExecConfig::gpu_bf16: training's AMP, never a predictor). Grouped and
// depthwise convolutions, bound by memory rather than by arithmetic, stay float32 (where the
// CPU's AMP rounds them too). The backend needs compute capability 8, which has bfloat16 tensor
// cores.
inline bool ConvRunsBf16(const OpContext& ctx, const CudaContext& cu, int64_t groups) {
  return cu.config().gpu_bf16 && groups == 1 && WantsBf16(ctx.op());
}

// bfloat16 needs tensor-op math (PyTorch and Paddle set it so); float32 is pure FMA unless the
// config allows TF32, which the default math type permits.
inline cudnnMathType_t ConvMathType(const CudaContext& cu, bool bf16) {
  if (bf16) return CUDNN_TENSOR_OP_MATH;
  return cu.allow_tf32() ? CUDNN_DEFAULT_MATH : CUDNN_FMA_MATH;
}

}  // namespace pd::cuda
