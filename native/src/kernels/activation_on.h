// The element loop of the activations that run on the widest vector instruction set the CPU
// has (relu, relu6, leaky_relu, hard_swish; kernels/activation.cc says why not the others).
// Declared here so that tests and benchmarks can run it on each instruction set and compare.
#pragma once

#include <cstdint>

#include "framework/program.h"
#include "kernels/cpu_features.h"

namespace pd {

// out[i] = op(in[i]) for i < n, with op's type and attributes, on the given instruction set,
// which must run here (VectorIsaRuns); out may be in. Every instruction set gives the bits of
// the baseline build.
void ActivationOn(VectorIsa isa, const OpView& op, const float* in, float* out, int64_t n);

}  // namespace pd
