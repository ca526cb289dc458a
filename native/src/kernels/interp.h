// What the interpolation kernels (interp.cc) and their gradients (interp_grad.cc) share: the
// output size and the source index arithmetic, which follows Paddle's CPU kernels operation for
// operation (float ratios, the same int truncations), because one ulp in a ratio can move a
// nearest-neighbour pick.
#pragma once

#include <vector>

#include "framework/op_registry.h"

namespace pd::interp {

struct Plan {
  int n, c, in_h, in_w, out_h, out_w;
  float scale_h = -1, scale_w = -1;  // > 0 when the size came from a scale
};

// The op's NCHW input X and its output size, by precedence: SizeTensor, else OutSize over a
// scale-derived size over out_h / out_w.
Plan PlanFor(const OpContext& ctx);

// Source step per output pixel (1/scale, in/out, or corner to corner with align_corners).
float Ratio(int in, int out, float scale, bool align_corners);

// Nearest source index of output index i.
inline int NearestIndex(float ratio, int i, bool align_corners) {
  return align_corners ? static_cast<int>(ratio * i + 0.5) : static_cast<int>(ratio * i);
}

// For each output index along one axis: the two source indices and their weights.
struct LinearTaps {
  std::vector<int> lo, hi;
  std::vector<float> w_lo, w_hi;  // weight of lo is 1 - (distance from lo)
};
LinearTaps Taps(int in, int out, float ratio, bool align_corners, int align_mode);

}  // namespace pd::interp
