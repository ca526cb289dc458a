// A tensor with a channel axis seen as [outer, C, inner]: NCHW puts the spatial size in inner,
// NHWC (channels last) in outer. What batch_norm and its gradient loop over.
#pragma once

#include "framework/tensor.h"
#include "kernels/kernel_util.h"

namespace pd {

struct ChannelView {
  int64_t outer, c, inner;
};

inline ChannelView ChannelViewOf(const Tensor& x, bool channels_last) {
  const Dims& d = x.dims();
  if (channels_last) return {x.numel() / d.back(), d.back(), 1};
  return {d[0], d[1], DimProduct(d, 2, d.size())};
}

}  // namespace pd
