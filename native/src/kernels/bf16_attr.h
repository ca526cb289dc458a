// Whether an op asks for bfloat16 math, apart from kernels/bf16.h so that the CUDA backend's
// convolutions (cuda/conv.cc) read the same attribute without oneDNN's headers.
#pragma once

#include "framework/program.h"

namespace pd {

// Paddle's mkldnn_data_type = "bfloat16" (kernels/bf16.h says what it means).
bool WantsBf16(const OpView& op);

}  // namespace pd
