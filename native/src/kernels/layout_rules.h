// The layout rules CPU kernels register (OpRegistry::SetLayoutRule): which of the CPU's own
// tensor layouts (oneDNN's blocked and channels-last formats, Tensor::layout) a kernel reads.
// Declared apart from kernels/dnnl_util.h so that kernels that never call oneDNN can register
// them without its headers.
#pragma once

#include "framework/op_registry.h"

namespace pd {

// Kernels that read DescOf(input) rather than assume row-major take any layout.
bool AcceptsAnyLayout(const OpContext& ctx);
// Element-wise kernels: every operand of X and Y in the same layout with the same dims and no
// padding (which sigmoid and friends would fill with non-zeros).
bool SameLayoutUnpadded(const OpContext& ctx);
// The channel-axis copies (concat, split, shuffle_channel): every X input channels-last, where
// the channel axis is the innermost one.
bool AllChannelsLast(const OpContext& ctx);

// Rules for ops that decide nothing from their attributes.
LayoutCheck AnyLayoutRule(const OpView& op);
LayoutCheck ElementwiseLayoutRule(const OpView& op);

}  // namespace pd
