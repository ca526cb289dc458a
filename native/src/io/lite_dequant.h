// Paddle-Lite's quantized weights, dequantized to FP32 on load so that the float kernels run
// them. Two schemes exist in Lite-converted models:
//  - weight-only quantization (opt --quant_model): the op carries quantize_weight_bits (8 or
//    16) and, per quantized input variable X, the float list X_quant_scale;
//  - full INT8 models (enable_int8): the weight is INT8 and its scales are the op's
//    weight_scale (Lite <= 2.6) or <Slot>0_scale (e.g. Filter0_scale, W0_scale, Y0_scale).
// Scales are per output channel: dim 0 for conv filters [Cout, Cin/g, kh, kw], dim 1 for
// fc/mul/lookup_table matrices [K, N] (a 1-D weight is one row); a single scale applies to
// the whole tensor. value = scale * integer.
#pragma once

#include <string>
#include <vector>

#include "io/lite_format.h"

namespace pd::lite {

// Replaces each INT8/INT16 parameter that an op gives scales for by its FP32 values. Fails,
// naming origin, for scales that do not match the weight, and for integer weights that no
// op gives scales for.
void DequantizeWeights(const proto::ProgramDesc& program, std::vector<Param>* params,
                       const std::string& origin);

}  // namespace pd::lite
