// Sums over one contiguous row of floats, for the per-channel reductions of batch norm and its
// gradient. Each keeps 16 running float sums (element i goes to sum i mod 16) and adds them up
// at the end: the compiler turns that into vector adds, which a single running sum, or a double
// one, would forbid. The order is fixed by the row alone, so a channel's result does not depend
// on how channels are split over threads.
#pragma once

#include <cstdint>

namespace pd {

// Σ p[i].
float RowSum(const float* p, int64_t n);
// Σ (p[i] − shift)².
float RowSquaredDeviations(const float* p, int64_t n, float shift);
// Σ w[i]·(p[i] − shift).
float RowWeightedDeviations(const float* w, const float* p, int64_t n, float shift);

}  // namespace pd
