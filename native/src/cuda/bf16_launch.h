// bfloat16 copies for the GPU convolutions' mixed precision (cuda/conv.cc, cuda/conv_grad.cc):
// cuDNN takes bfloat16 images and filters and sums in float32. The tensors between ops are
// float32, as on the CPU (kernels/bf16.h), except the activations that training's AMP keeps in
// bfloat16 (cuda/layout.h, kGpuBf16).
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

namespace pd::cuda {

// dst[i] = src[i] rounded to the nearest bfloat16 (ties to even; NaN stays NaN), as the CPU's
// RoundToBf16 rounds; dst holds n 16-bit values.
void LaunchToBf16(const float* src, uint16_t* dst, int64_t n, cudaStream_t stream);
// dst[i] = src[i] widened to float32 (exact).
void LaunchFromBf16(const uint16_t* src, float* dst, int64_t n, cudaStream_t stream);

// Float32 values as a kernel finds them: n floats at data, or n bfloat16 values when bf16.
struct FloatData {
  const void* data;
  bool bf16;
};

}  // namespace pd::cuda
