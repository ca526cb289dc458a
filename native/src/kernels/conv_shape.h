// The geometry of conv2d, depthwise_conv2d and conv2d_transpose (Paddle's ConvInferMeta and
// ConvTransposeInferMeta), shared by the forward kernels (conv.cc) and the gradients
// (conv_grad.cc).
#pragma once

#include <cstdint>

#include "framework/op_registry.h"
#include "kernels/window.h"

namespace pd {

struct ConvShape {
  ImageDims in, out;
  Window2d win;
  int64_t groups;
  bool transpose;
};

// From the op's attributes and its Input and Filter (the forward op's, or the grad op's).
ConvShape ConvShapeOf(const OpContext& ctx, bool transpose);

}  // namespace pd
