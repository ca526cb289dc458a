// A tensor with a channel axis seen as [outer, C, inner]: NCHW puts the spatial size in inner,
// NHWC (channels last) in outer. What batch_norm and its gradient loop over.
#pragma once

#include <algorithm>
#include <vector>

#include "framework/tensor.h"
#include "kernels/kernel_util.h"
#include "kernels/layout_rules.h"

namespace pd {

struct ChannelView {
  int64_t outer, c, inner;
};

// channels_last: x's dims are NHWC (data_layout "NHWC"). A 4-D NCHW tensor stored
// channels-last (layout_rules.h, StoredChannelsLast) is viewed the same way: [N·H·W, C, 1].
inline ChannelView ChannelViewOf(const Tensor& x, bool channels_last) {
  const Dims& d = x.dims();
  if (channels_last) return {x.numel() / d.back(), d.back(), 1};
  if (StoredChannelsLast(x)) return {d[0] * d[2] * d[3], d[1], 1};
  return {d[0], d[1], DimProduct(d, 2, d.size())};
}

// For a view with inner 1 (each of the outer rows holds its C channels side by side), adds to
// total[k][c − c0], for the channels c in [c0, c1), the sum over rows o of term_k(o, c), for each
// of the K terms in one pass over the rows. The rows are taken in blocks whose sums are gathered
// in float, running across the channels (vector lanes), and the blocks are added in double: the
// order depends on the data's shape alone. Always inlined, so that it is vectorised for the ISA
// of the kernel that calls it (target_clones there).
template <size_t K, typename Terms>
__attribute__((always_inline)) inline void ChannelsLastSums(const ChannelView& v, int64_t c0,
                                                            int64_t c1, Terms terms,
                                                            double* const (&total)[K]) {
  constexpr int64_t kRowsPerBlock = 64;
  const int64_t width = c1 - c0;
  std::vector<float> part(static_cast<size_t>(K * width));
  for (int64_t o0 = 0; o0 < v.outer; o0 += kRowsPerBlock) {
    std::fill(part.begin(), part.end(), 0.0f);
    const int64_t o1 = std::min(v.outer, o0 + kRowsPerBlock);
    for (int64_t o = o0; o < o1; ++o) terms(o, part.data(), width);
    for (size_t k = 0; k < K; ++k)
      for (int64_t j = 0; j < width; ++j) total[k][j] += part[k * width + j];
  }
}

}  // namespace pd
