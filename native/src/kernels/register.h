// Every kernel family exposes one Register function; RegisterBuiltinOps (register.cc) calls them
// all. Explicit calls (rather than static registrars) keep kernels alive in static test binaries.
#pragma once

namespace pd {

class OpRegistry;

void RegisterMathKernels(OpRegistry& r);      // mul, matmul, matmul_v2, fc, scale
void RegisterElementwiseKernels(OpRegistry& r); // elementwise_add/sub/mul/div/max/min/pow
void RegisterShapeKernels(OpRegistry& r);     // reshape, flatten, squeeze, unsqueeze (+2), shape
void RegisterTransposeKernels(OpRegistry& r); // transpose, transpose2
void RegisterSliceKernels(OpRegistry& r);     // slice
void RegisterInterpKernels(OpRegistry& r);    // nearest_interp(_v2), bilinear_interp(_v2)
void RegisterArgMaxKernels(OpRegistry& r);    // arg_max
void RegisterEmbeddingKernels(OpRegistry& r); // lookup_table, lookup_table_v2
void RegisterEmbeddingFcKernels(OpRegistry& r); // fused_embedding_fc (made by a graph pass)
void RegisterRnnKernels(OpRegistry& r);       // gru
void RegisterCrfKernels(OpRegistry& r);       // crf_decoding
void RegisterTensorKernels(OpRegistry& r);    // concat, split
void RegisterShuffleChannelKernels(OpRegistry& r); // shuffle_channel (made by a graph pass)
void RegisterConcatShuffleSplitKernels(OpRegistry& r); // fused_concat_shuffle_split (a pass's)
void RegisterConvKernels(OpRegistry& r);      // conv2d, depthwise_conv2d, conv2d_transpose
void RegisterPoolKernels(OpRegistry& r);      // pool2d
void RegisterNormKernels(OpRegistry& r);      // batch_norm
void RegisterActivationKernels(OpRegistry& r); // relu, relu6, leaky_relu, sigmoid, tanh, ...
void RegisterSoftmaxKernels(OpRegistry& r);   // softmax
void RegisterPriorBoxKernels(OpRegistry& r);  // prior_box, density_prior_box
void RegisterBoxCoderKernels(OpRegistry& r);  // box_coder
void RegisterNmsKernels(OpRegistry& r);       // multiclass_nms, multiclass_nms2, multiclass_nms3
void RegisterOptimizerKernels(OpRegistry& r); // sgd
void RegisterLossKernels(OpRegistry& r);      // softmax_with_cross_entropy, cross_entropy2, mean, reduce_mean (+ grads)
void RegisterFillKernels(OpRegistry& r);      // fill_constant, sum
void RegisterMetricKernels(OpRegistry& r);    // top_k, top_k_v2, accuracy
void RegisterDropoutKernels(OpRegistry& r);   // dropout
// uniform_random, gaussian_random, truncated_gaussian_random
void RegisterRandomKernels(OpRegistry& r);
void RegisterAssignKernels(OpRegistry& r);    // assign, assign_value
void RegisterClipKernels(OpRegistry& r);      // squared_l2_norm, clip_by_norm, clip
// Gradients of the forward families above; registered after them (they add grad rules to
// forward ops).
// relu/relu6/sigmoid/hard_sigmoid/hard_swish/softmax/dropout grads
void RegisterActivationGradKernels(OpRegistry& r);
void RegisterElementwiseGradKernels(OpRegistry& r); // elementwise_add/sub/mul_grad
void RegisterMathGradKernels(OpRegistry& r);        // mul_grad, fc_grad, scale's rule
void RegisterNormGradKernels(OpRegistry& r);        // batch_norm_grad
void RegisterConvGradKernels(OpRegistry& r);        // conv2d_grad, depthwise_conv2d_grad
void RegisterPoolGradKernels(OpRegistry& r);        // pool2d_grad
// reshape2/flatten2/flatten_contiguous_range/transpose2/concat/shuffle_channel grads, split's
// rule (concat + fill_any_like)
void RegisterShapeGradKernels(OpRegistry& r);
void RegisterMatmulGradKernels(OpRegistry& r);      // matmul_v2_grad
void RegisterInterpGradKernels(OpRegistry& r);      // nearest/bilinear_interp(_v2)_grad

inline void RegisterAllKernels(OpRegistry& r) {
  RegisterMathKernels(r);
  RegisterElementwiseKernels(r);
  RegisterShapeKernels(r);
  RegisterTransposeKernels(r);
  RegisterSliceKernels(r);
  RegisterInterpKernels(r);
  RegisterArgMaxKernels(r);
  RegisterEmbeddingKernels(r);
  RegisterEmbeddingFcKernels(r);
  RegisterRnnKernels(r);
  RegisterCrfKernels(r);
  RegisterTensorKernels(r);
  RegisterShuffleChannelKernels(r);
  RegisterConcatShuffleSplitKernels(r);
  RegisterConvKernels(r);
  RegisterPoolKernels(r);
  RegisterNormKernels(r);
  RegisterActivationKernels(r);
  RegisterSoftmaxKernels(r);
  RegisterPriorBoxKernels(r);
  RegisterBoxCoderKernels(r);
  RegisterNmsKernels(r);
  RegisterOptimizerKernels(r);
  RegisterLossKernels(r);
  RegisterFillKernels(r);
  RegisterMetricKernels(r);
  RegisterDropoutKernels(r);
  RegisterRandomKernels(r);
  RegisterAssignKernels(r);
  RegisterClipKernels(r);
  RegisterActivationGradKernels(r);
  RegisterElementwiseGradKernels(r);
  RegisterMathGradKernels(r);
  RegisterNormGradKernels(r);
  RegisterConvGradKernels(r);
  RegisterPoolGradKernels(r);
  RegisterShapeGradKernels(r);
  RegisterMatmulGradKernels(r);
  RegisterInterpGradKernels(r);
}

}  // namespace pd
