// The float loop of the binary elementwise ops (elementwise_add, _sub, _mul, _div, _max, _min)
// when X and Y have the same shape, on the widest vector instruction set the CPU has. Declared
// here so that tests and benchmarks can run it on each instruction set and compare.
#pragma once

#include <cstdint>
#include <string>

#include "kernels/cpu_features.h"

namespace pd {

// out[i] = op(x[i], y[i]) for i < n on the given instruction set, which must run here
// (VectorIsaRuns); out may be x or y. Every instruction set gives the same bits: each element
// is one IEEE operation (for max and min, one comparison and a select).
void ElementwiseSameShapeOn(VectorIsa isa, const std::string& op_type, const float* x,
                            const float* y, float* out, int64_t n);

}  // namespace pd
