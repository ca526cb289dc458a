#include "kernels/row_sums.h"

#include "kernels/cpu_features.h"

namespace pd {
namespace {

constexpr int kLanes = 16;

// Adds f(i) for i in [0, n) into kLanes running sums, then sums those in a fixed order.
template <typename F>
inline float LaneSum(int64_t n, F f) {
  float lane[kLanes] = {};
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int j = 0; j < kLanes; ++j) lane[j] += f(i + j);
  for (int j = 0; i < n; ++i, ++j) lane[j] += f(i);
  for (int width = kLanes / 2; width > 0; width /= 2)
    for (int j = 0; j < width; ++j) lane[j] += lane[j + width];
  return lane[0];
}

}  // namespace

PD_KERNEL_ISAS float RowSum(const float* p, int64_t n) {
  return LaneSum(n, [p](int64_t i) { return p[i]; });
}

PD_KERNEL_ISAS float RowSquaredDeviations(const float* p, int64_t n, float shift) {
  return LaneSum(n, [p, shift](int64_t i) {
    const float d = p[i] - shift;
    return d * d;
  });
}

PD_KERNEL_ISAS float RowWeightedDeviations(const float* w, const float* p, int64_t n,
                                            float shift) {
  return LaneSum(n, [w, p, shift](int64_t i) { return w[i] * (p[i] - shift); });
}

}  // namespace pd
