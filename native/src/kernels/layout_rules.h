// The layout rules CPU kernels register (OpRegistry::SetLayoutRule): which of the CPU's own
// tensor layouts (oneDNN's blocked and channels-last formats, Tensor::layout) a kernel reads.
// Declared apart from kernels/dnnl_util.h so that kernels that never call oneDNN can register
// them without its headers.
#pragma once

#include "framework/op_registry.h"

namespace pd {

// The Tensor::layout code of channels-last 4-D data (oneDNN's acdb): [N, C, H, W] stored as a
// row-major [N, H, W, C] array, the layout the brgemm convolutions work in.
int ChannelsLastLayout();
// True when t is stored channels-last (ChannelsLastLayout): logically NCHW, in memory NHWC.
bool StoredChannelsLast(const Tensor& t);
// How t's bytes are laid out: its dims, or for a channels-last tensor the row-major
// [N, H, W, C] it is stored as.
Dims StoredDims(const Tensor& t);
// concat, split and concat_grad at a fixed axis 1 (or -3): they cut along the channels, which
// channels-last data holds innermost.
bool CutsChannelAxis(const OpView& op);

// Kernels that read DescOf(input) rather than assume row-major take any layout.
bool AcceptsAnyLayout(const OpContext& ctx);
// Element-wise kernels: every operand of X and Y in the same layout with the same dims and no
// padding (which sigmoid and friends would fill with non-zeros).
bool SameLayoutUnpadded(const OpContext& ctx);
// Gradients of element-wise ops: every input of X, Out and Out@GRAD in the same layout with the
// same dims and no padding; the kernel writes X@GRAD in that layout too.
bool GradOperandsSameLayout(const OpContext& ctx);
// elementwise_add/sub_grad: Out@GRAD unpadded and X and Y of its dims, in whatever layouts (they
// are read for their shapes alone).
bool OperandsShapedLikeOutGrad(const OpContext& ctx);
// The channel-axis copies (concat, split, shuffle_channel): every X input channels-last, where
// the channel axis is the innermost one.
bool AllChannelsLast(const OpContext& ctx);

// Rules for ops that decide nothing from their attributes.
LayoutCheck AnyLayoutRule(const OpView& op);
LayoutCheck ElementwiseLayoutRule(const OpView& op);
LayoutCheck ElementwiseGradLayoutRule(const OpView& op);
LayoutCheck ShapedLikeOutGradRule(const OpView& op);

}  // namespace pd
