// Element-wise activations over float arrays, written so that the compiler vectorizes the
// loops: std::exp is a library call that blocks vectorization, so exp is computed here with
// plain float/int arithmetic (Cephes-style range reduction and polynomial, ~1 ulp).
// Sigmoid and tanh follow Paddle's CPU formulas, clipping included, so results match it.
#pragma once

#include <cstdint>
#include <cstring>

#include "kernels/cpu_features.h"

// Forced inlining lets ExpF join loops built for another instruction set (vec_math.cc), which
// GCC otherwise refuses to inline into.
#if defined(__GNUC__) || defined(__clang__)
#define PD_ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define PD_ALWAYS_INLINE inline
#endif

namespace pd {

// e^x for x in [-87, 88]; smaller inputs give e^-87, larger e^88, NaN gives NaN.
PD_ALWAYS_INLINE float ExpF(float x) {
  // Clamp to where 2^n stays a normal float; NaN passes through both selects.
  float c = x < -87.0f ? -87.0f : x;
  c = c > 88.0f ? 88.0f : c;
  // c = n·ln2 + r with n = round(c·log2e). Adding 1.5·2^23 rounds to an integer that lands in
  // the low mantissa bits, so n is read from the bits: no float-to-int conversion, which
  // would be undefined for NaN.
  const float kShift = 12582912.0f;
  float t = c * 1.44269504088896341f + kShift;
  float n = t - kShift;
  uint32_t t_bits;
  std::memcpy(&t_bits, &t, sizeof(t_bits));
  // ln2 split into a part exact in float and a correction, for an accurate remainder.
  float r = c - n * 0.693359375f + n * 2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  uint32_t scale_bits = (t_bits - 0x4B400000u + 127u) << 23;  // 2^n; 0x4B400000 is kShift
  float scale;
  std::memcpy(&scale, &scale_bits, sizeof(scale));
  return p * scale;
}

// In-place activations over n floats. Paddle's formulas: sigmoid = 1 / (1 + e^-clip(a, -40, 13)),
// tanh = 2 / (1 + e^min(-2a, 40)) - 1, relu = max(a, 0).
void SigmoidInPlace(float* v, int64_t n);
void TanhInPlace(float* v, int64_t n);
void ReluInPlace(float* v, int64_t n);

// The same on the given instruction set, which must run here (VectorIsaRuns); for tests and
// benchmarks that compare them.
void SigmoidInPlaceOn(VectorIsa isa, float* v, int64_t n);
void TanhInPlaceOn(VectorIsa isa, float* v, int64_t n);
void ReluInPlaceOn(VectorIsa isa, float* v, int64_t n);

}  // namespace pd
