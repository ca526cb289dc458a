// bfloat16 math on the CPU: Paddle's op attribute mkldnn_data_type = "bfloat16" (set by its
// cpu_bfloat16 placement for inference and by bf16 mixed precision for training) asks a
// convolution or a matrix product (mul, matmul, matmul_v2) to read its inputs as bfloat16 and
// accumulate in float32. Tensors stay float32
// between ops; the kernel rounds what it reads (activations, filters, output gradients) to
// bfloat16 on the way in and writes float32, as Paddle's AMP level O1 does with a float32
// master copy of every weight. Where oneDNN has no bfloat16 kernel for a convolution (CPUs
// without AVX-512), the same arithmetic is emulated: the float32 kernel runs on inputs rounded
// to bfloat16, whose products float32 holds exactly, so only the order of the sums differs.
// The matrix products are always emulated so (Bf16Rounded): OpenBLAS has no bfloat16 GEMM to
// match, and in the image models they are a small share of the arithmetic.
#pragma once

#include <cstddef>
#include <dnnl.hpp>
#include <vector>

#include "framework/op_registry.h"
#include "kernels/bf16_attr.h"

namespace pd {

// Whether oneDNN runs bfloat16 convolutions natively here (an AVX-512 CPU; with the BF16
// instructions they are about twice as fast as float32), rather than emulated.
bool Bf16ConvIsNative();

// Rounds each of n floats to the nearest bfloat16 (ties to even), in place; NaN stays NaN.
void RoundToBf16(float* data, size_t n);
// The same over a float32 oneDNN memory's whole buffer (an emulated kernel's rounded copy).
void RoundToBf16(const dnnl::memory& m);
// An operand of a marked op's GEMM as it reads it: data itself when !bf16, else a copy of its
// n floats rounded to bfloat16, held in scratch.
const float* Bf16Rounded(const float* data, size_t n, bool bf16, std::vector<float>* scratch);

// Tests: makes bfloat16 convolutions planned from now on take the emulated path even where
// oneDNN has bfloat16 kernels, so that both paths can be compared on one machine.
void ForceBf16EmulationForTesting(bool on);
bool Bf16EmulationForced();

}  // namespace pd
