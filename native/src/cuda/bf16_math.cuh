// Device helpers for float32 values stored as bfloat16 (cuda/layout.h, kGpuBf16): a bfloat16 is
// the high half of a float32's bits.
#pragma once

#include <cstdint>

namespace pd::cuda {

// Widened exactly.
__device__ inline float Widen(uint16_t h) {
  return __uint_as_float(static_cast<unsigned>(h) << 16);
}
__device__ inline float Widen(float v) { return v; }

// v rounded to the nearest bfloat16, ties to even, as LaunchToBf16 and cuDNN round; a NaN
// stays a (quiet) NaN.
__device__ inline uint16_t RoundToBf16(float v) {
  const unsigned u = __float_as_uint(v);
  if ((u & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((u >> 16) | 0x40u);
  return static_cast<uint16_t>((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
}

// A float32 result stored as T: a float, or a bfloat16 rounded.
__device__ inline void StoreAs(float v, float* p) { *p = v; }
__device__ inline void StoreAs(float v, uint16_t* p) { *p = RoundToBf16(v); }

}  // namespace pd::cuda
