// The fusions the pass list names (passes.cc). Each rewrites every match it finds in g and
// returns how many; an op sequence that fails any precondition is left as it is.
#pragma once

#include "passes/graph.h"

namespace pd {

// conv2d → elementwise_add(per-channel persistable bias) becomes conv2d with Bias.
int FuseConvBias(Graph& g);
// conv2d [with Bias] → batch_norm (running statistics) becomes conv2d with folded weights.
int FuseConvBatchNorm(Graph& g);
// conv2d [with Bias] → elementwise_add(same shape, R) becomes conv2d with ResidualData R.
int FuseConvResidual(Graph& g);
// conv2d [with ResidualData] → activation becomes conv2d with fuse_activation (a oneDNN post-op in kernels/conv.cc).
int FuseConvActivation(Graph& g);
// After the activation fusion, marks each conv with ResidualData whose residual dies there and
// lives in a buffer of a conv's own (residual_in_place = 1): the kernel then takes that buffer
// as its output instead of copying the residual into its own, one pass over memory less.
int MarkConvResidualInPlace(Graph& g);
// mul → elementwise_add(persistable bias) [→ relu] becomes fc.
int FuseFc(Graph& g);
// lookup_table(persistable W) → fc(persistable weights, no activation) becomes
// fused_embedding_fc, which projects each id once (kernels/embedding_fc.cc).
int FuseEmbeddingFc(Graph& g);
// reshape2 → transpose2 [0, 2, 1, 3, 4] → reshape2 (a channel shuffle) becomes shuffle_channel,
// and in a training program its gradient chain becomes shuffle_channel_grad.
int FuseShuffleChannel(Graph& g);
// concat(two halves along channels) → shuffle_channel(group 2) [→ split along channels]
// becomes fused_concat_shuffle_split.
int FuseConcatShuffleSplit(Graph& g);

// In a training program, batch_norm → relu becomes batch_norm with fuse_with_relu and
// elementwise_add → relu elementwise_add with fuse_activation "relu".
int FuseTrainingRelu(Graph& g);
// In a training program, each run of consecutive momentum ops with the same mu and
// use_nesterov becomes one merged_momentum, and of adam ops with the same beta1, beta2 and
// epsilon one merged_adam (a launch per group of parameters on a GPU, not one each).
int FuseOptimizers(Graph& g);

// Shared by the conv fusions: op i is a conv2d or depthwise_conv2d reading only Input, Filter and
// Bias (and ResidualData when residual_ok), with no activation fused into it yet.
bool IsPlainConv(const Graph& g, int i, bool residual_ok = false);
// The channel axis of a conv's output: 1 for NCHW, 3 for NHWC; -1 for an unknown format.
int ConvChannelAxis(const OpView& conv);

}  // namespace pd
