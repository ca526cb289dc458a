// Interleaving two float rows and splitting them apart again: the data movement of ShuffleNet's
// channel shuffle with two groups on channels-last rows (kernels/concat_shuffle_split.cc), on
// the widest vector instruction set the CPU has. Pure copies: every instruction set gives the
// same bits, which the tests check on each one.
#pragma once

#include <cstdint>

#include "kernels/cpu_features.h"

namespace pd {

// d[2i] = a[i] and d[2i + 1] = b[i] for i < pairs.
void InterleavePairs(const float* a, const float* b, int64_t pairs, float* d);
// The inverse: a[i] = d[2i] and b[i] = d[2i + 1] for i < pairs.
void DeinterleavePairs(const float* d, int64_t pairs, float* a, float* b);

// The same on the given instruction set, which must run here (VectorIsaRuns).
void InterleavePairsOn(VectorIsa isa, const float* a, const float* b, int64_t pairs, float* d);
void DeinterleavePairsOn(VectorIsa isa, const float* d, int64_t pairs, float* a, float* b);

}  // namespace pd
