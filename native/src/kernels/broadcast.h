// Paddle's elementwise broadcasting (the axis rule of elementwise_add/sub/mul/div/max/...) as
// a plan of merged loops, and the loop that applies a binary function along it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "framework/tensor.h"

namespace pd {

// How X and Y map onto the output. Output dims of size 1 are dropped and neighbouring dims
// along which X and Y vary (or stay fixed) alike are merged, so the innermost loop is as long
// as possible and contiguous in every operand that varies along it.
struct BroadcastPlan {
  Dims out;
  std::vector<int64_t> size, x_step, y_step;  // merged dims, outermost first
};

// Paddle's rule. Equal ranks: numpy broadcasting. Otherwise the lower-rank operand, with its
// trailing 1s dropped, is placed at dims [axis, axis + rank) of the other and padded with 1s;
// axis -1 means the rank difference, other negative values count back from it. op names the
// op in errors.
BroadcastPlan PlanBroadcast(const std::string& op, const Dims& xd, const Dims& yd, int64_t axis);

// out[i] = f(x[..], y[..]) over the plan; out holds Numel(plan.out) elements.
template <typename T, typename R, typename F>
void ApplyBroadcast(const BroadcastPlan& p, const T* xp, const T* yp, R* op, F f) {
  const int64_t total = Numel(p.out);
  if (total == 0) return;
  if (p.size.empty()) {  // every dim is 1
    op[0] = f(xp[0], yp[0]);
    return;
  }
  const size_t outer_dims = p.size.size() - 1;
  const int64_t inner = p.size.back();
  const bool x_inner = p.x_step.back() != 0, y_inner = p.y_step.back() != 0;
  std::vector<int64_t> idx(outer_dims, 0);
  int64_t xo = 0, yo = 0;
  for (int64_t row = 0; row < total / inner; ++row) {
    R* dst = op + row * inner;
    const T* xr = xp + xo;
    const T* yr = yp + yo;
    // Separate loops per case keep the inner loop free of index arithmetic (vectorizable).
    if (x_inner && y_inner) {
      for (int64_t i = 0; i < inner; ++i) dst[i] = f(xr[i], yr[i]);
    } else if (x_inner) {
      const T b = *yr;
      for (int64_t i = 0; i < inner; ++i) dst[i] = f(xr[i], b);
    } else {
      const T a = *xr;
      for (int64_t i = 0; i < inner; ++i) dst[i] = f(a, yr[i]);
    }
    for (size_t j = outer_dims; j-- > 0;) {  // odometer over the outer dims
      xo += p.x_step[j];
      yo += p.y_step[j];
      if (++idx[j] < p.size[j]) break;
      xo -= p.x_step[j] * p.size[j];
      yo -= p.y_step[j] * p.size[j];
      idx[j] = 0;
    }
  }
}

}  // namespace pd
