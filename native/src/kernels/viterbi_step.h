// The inner step of crf_decoding's Viterbi recursion, on the widest vector instruction set the
// CPU has. Declared here so that tests can run it on each instruction set and compare.
#pragma once

#include <cstdint>

#include "kernels/cpu_features.h"

namespace pd {

// Rows of the step's operands are k rounded up to whole 8-float vectors.
constexpr int64_t ViterbiStride(int64_t k) { return (k + 7) / 8 * 8; }

// One position of the recursion over k tags: for every tag j, track[j] is the first i (strict >
// on ties) maximizing prev[i] + trans[i*stride + j], and alpha[j] is that maximum + x[j].
// trans is k rows of stride floats whose columns past k hold -inf; alpha and track hold stride
// entries. Every instruction set gives the same bits: each lane adds and compares the same
// floats in the same order of i.
void ViterbiStep(int64_t k, int64_t stride, const float* prev, const float* trans, const float* x,
                 float* alpha, int* track);

// ViterbiStep on the given instruction set, which must run here (VectorIsaRuns).
void ViterbiStepOn(VectorIsa isa, int64_t k, int64_t stride, const float* prev,
                   const float* trans, const float* x, float* alpha, int* track);

}  // namespace pd
