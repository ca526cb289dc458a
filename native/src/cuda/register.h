// The CUDA backend's kernel families; backend.cc registers them all when the backend loads.
// Each adds kernels for DeviceType::kGPU to ops the CPU families defined (shape inference and
// grad rules are shared); an op without a GPU kernel runs on the CPU, the executor copying its
// tensors across.
#pragma once

namespace pd {
class OpRegistry;
}

namespace pd::cuda {

void RegisterConvKernels(OpRegistry& r);         // conv2d, depthwise_conv2d, conv2d_transpose
void RegisterPoolKernels(OpRegistry& r);         // pool2d
void RegisterNormKernels(OpRegistry& r);         // batch_norm (inference)
void RegisterBlasKernels(OpRegistry& r);         // fc, mul, matmul, matmul_v2
void RegisterViewKernels(OpRegistry& r);         // reshape(2), flatten(2), squeeze(2), unsqueeze(2)
void RegisterElementwiseKernels(OpRegistry& r);  // elementwise_add/sub/mul/div/max/min, scale
void RegisterActivationKernels(OpRegistry& r);   // relu, relu6, sigmoid, tanh, hard_*, ...
void RegisterSoftmaxKernels(OpRegistry& r);      // softmax
void RegisterTensorKernels(OpRegistry& r);       // concat, split, transpose(2), shuffle_channel
void RegisterInterpKernels(OpRegistry& r);       // nearest_interp(_v2), bilinear_interp(_v2)

// Training: the grad ops AppendBackward writes, the losses and the optimizers.
void RegisterConvGradKernels(OpRegistry& r);         // conv2d_grad, depthwise_conv2d_grad
void RegisterPoolGradKernels(OpRegistry& r);         // pool2d_grad
void RegisterNormGradKernels(OpRegistry& r);         // batch_norm_grad
void RegisterActivationGradKernels(OpRegistry& r);   // relu_grad, relu6_grad, ...
void RegisterElementwiseGradKernels(OpRegistry& r);  // elementwise_add_grad, ..., sum
void RegisterLossKernels(OpRegistry& r);         // cross_entropy2, softmax_with_cross_entropy, mean
void RegisterBlasGradKernels(OpRegistry& r);     // mul_grad, matmul_grad, matmul_v2_grad
void RegisterShapeGradKernels(OpRegistry& r);    // reshape2_grad, transpose2_grad, concat_grad, ...
void RegisterOptimizerKernels(OpRegistry& r);    // sgd, momentum, adam, adamw
void RegisterMetricKernels(OpRegistry& r);       // top_k, top_k_v2, accuracy

}  // namespace pd::cuda
