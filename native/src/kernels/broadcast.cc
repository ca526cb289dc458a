#include "kernels/broadcast.h"

#include <algorithm>

#include "framework/error.h"

namespace pd {

BroadcastPlan PlanBroadcast(const std::string& op, const Dims& xd, const Dims& yd, int64_t axis) {
  const size_t r = std::max(xd.size(), yd.size());
  Dims xa = xd, ya = yd;
  if (xd.size() != yd.size()) {
    const bool x_big = xd.size() > yd.size();
    const Dims& small = x_big ? yd : xd;
    const int64_t diff = static_cast<int64_t>(r - small.size());
    const int64_t at = axis < 0 ? diff + axis + 1 : axis;
    Dims trimmed = small;
    while (!trimmed.empty() && trimmed.back() == 1) trimmed.pop_back();
    PD_CHECK(at >= 0 && at + static_cast<int64_t>(trimmed.size()) <= static_cast<int64_t>(r), op,
             ": axis ", axis, " cannot place ", x_big ? "Y " : "X ", DimsToString(small),
             " inside ", x_big ? "X " : "Y ", DimsToString(x_big ? xd : yd));
    Dims aligned(r, 1);
    std::copy(trimmed.begin(), trimmed.end(), aligned.begin() + at);
    (x_big ? ya : xa) = std::move(aligned);
  }
  BroadcastPlan p;
  p.out.resize(r);
  std::vector<int> kinds;  // bit 0: X varies along the dim, bit 1: Y does
  for (size_t i = 0; i < r; ++i) {
    PD_CHECK(xa[i] == ya[i] || xa[i] == 1 || ya[i] == 1, op, ": X ", DimsToString(xd), " and Y ",
             DimsToString(yd), " (axis ", axis, ") do not broadcast: ", xa[i], " against ", ya[i],
             " at output dim ", i);
    p.out[i] = xa[i] == 1 ? ya[i] : xa[i];
    if (p.out[i] == 1) continue;
    const int kind = (xa[i] != 1 ? 1 : 0) | (ya[i] != 1 ? 2 : 0);
    if (!kinds.empty() && kinds.back() == kind) {
      p.size.back() *= p.out[i];
    } else {
      kinds.push_back(kind);
      p.size.push_back(p.out[i]);
    }
  }
  p.x_step.resize(p.size.size());
  p.y_step.resize(p.size.size());
  int64_t xs = 1, ys = 1;
  for (size_t j = p.size.size(); j-- > 0;) {
    p.x_step[j] = (kinds[j] & 1) ? xs : 0;
    p.y_step[j] = (kinds[j] & 2) ? ys : 0;
    if (kinds[j] & 1) xs *= p.size[j];
    if (kinds[j] & 2) ys *= p.size[j];
  }
  return p;
}

}  // namespace pd
