// softmax_with_cross_entropy's view of Logits as rows of classes, with the attributes it
// supports: shared by the CPU kernels (loss.cc) and the GPU's.
#pragma once

#include <cstdint>

#include "framework/op_registry.h"

namespace pd {

struct LossRows {
  int64_t rows, classes;
};

// Hard labels along the last axis only.
inline LossRows SoftmaxCrossEntropyRows(const OpContext& ctx, const Tensor& logits) {
  PD_CHECK(!ctx.op().GetBool("soft_label", false),
           "softmax_with_cross_entropy: soft_label=true is not supported");
  const int64_t axis = ctx.op().GetInt("axis", -1);
  PD_CHECK(axis == -1 || axis == logits.rank() - 1,
           "softmax_with_cross_entropy: only the last axis is supported, not ", axis);
  PD_CHECK(logits.rank() >= 1, "softmax_with_cross_entropy: Logits must have a class axis");
  const int64_t c = logits.dims().back();
  return {c == 0 ? 0 : logits.numel() / c, c};
}

}  // namespace pd
