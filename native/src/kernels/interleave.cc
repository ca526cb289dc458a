#include "kernels/interleave.h"

#ifdef PD_HAVE_AVX2_VARIANT
#include <immintrin.h>
#endif

namespace pd {
namespace {

void InterleaveScalar(const float* a, const float* b, int64_t pairs, float* d) {
  for (int64_t i = 0; i < pairs; ++i) {
    d[2 * i] = a[i];
    d[2 * i + 1] = b[i];
  }
}

void DeinterleaveScalar(const float* d, int64_t pairs, float* a, float* b) {
  for (int64_t i = 0; i < pairs; ++i) {
    a[i] = d[2 * i];
    b[i] = d[2 * i + 1];
  }
}

#ifdef PD_HAVE_AVX2_VARIANT

// Eight pairs per step: the unpacks interleave within each 128-bit half, the lane permutes put
// the halves in order. The rest, under eight pairs, element by element.
PD_TARGET_AVX2 void InterleaveAvx2(const float* a, const float* b, int64_t pairs, float* d) {
  int64_t i = 0;
  for (; i + 8 <= pairs; i += 8) {
    const __m256 va = _mm256_loadu_ps(a + i), vb = _mm256_loadu_ps(b + i);
    const __m256 lo = _mm256_unpacklo_ps(va, vb);  // a0 b0 a1 b1 | a4 b4 a5 b5
    const __m256 hi = _mm256_unpackhi_ps(va, vb);  // a2 b2 a3 b3 | a6 b6 a7 b7
    _mm256_storeu_ps(d + 2 * i, _mm256_permute2f128_ps(lo, hi, 0x20));
    _mm256_storeu_ps(d + 2 * i + 8, _mm256_permute2f128_ps(lo, hi, 0x31));
  }
  InterleaveScalar(a + i, b + i, pairs - i, d + 2 * i);
}

PD_TARGET_AVX2 void DeinterleaveAvx2(const float* d, int64_t pairs, float* a, float* b) {
  int64_t i = 0;
  for (; i + 8 <= pairs; i += 8) {
    const __m256 x = _mm256_loadu_ps(d + 2 * i), y = _mm256_loadu_ps(d + 2 * i + 8);
    // Halves regrouped so that each 128-bit lane holds four pairs of one output order.
    const __m256 lo = _mm256_permute2f128_ps(x, y, 0x20);  // a0 b0 a1 b1 | a4 b4 a5 b5
    const __m256 hi = _mm256_permute2f128_ps(x, y, 0x31);  // a2 b2 a3 b3 | a6 b6 a7 b7
    _mm256_storeu_ps(a + i, _mm256_shuffle_ps(lo, hi, _MM_SHUFFLE(2, 0, 2, 0)));
    _mm256_storeu_ps(b + i, _mm256_shuffle_ps(lo, hi, _MM_SHUFFLE(3, 1, 3, 1)));
  }
  DeinterleaveScalar(d + 2 * i, pairs - i, a + i, b + i);
}

// Sixteen pairs per step by two-source permutes; the rest, under sixteen, under masks.
PD_TARGET_AVX512 void InterleaveAvx512(const float* a, const float* b, int64_t pairs, float* d) {
  const __m512i first = _mm512_set_epi32(23, 7, 22, 6, 21, 5, 20, 4, 19, 3, 18, 2, 17, 1, 16, 0);
  const __m512i second =
      _mm512_set_epi32(31, 15, 30, 14, 29, 13, 28, 12, 27, 11, 26, 10, 25, 9, 24, 8);
  int64_t i = 0;
  for (; i + 16 <= pairs; i += 16) {
    const __m512 va = _mm512_loadu_ps(a + i), vb = _mm512_loadu_ps(b + i);
    _mm512_storeu_ps(d + 2 * i, _mm512_permutex2var_ps(va, first, vb));
    _mm512_storeu_ps(d + 2 * i + 16, _mm512_permutex2var_ps(va, second, vb));
  }
  const int64_t rest = pairs - i;
  if (rest == 0) return;
  const __mmask16 in = static_cast<__mmask16>((1u << rest) - 1);
  const __m512 va = _mm512_maskz_loadu_ps(in, a + i), vb = _mm512_maskz_loadu_ps(in, b + i);
  const int64_t outs = 2 * rest;  // 2 .. 30
  const __mmask16 out_first = outs >= 16 ? 0xffff : static_cast<__mmask16>((1u << outs) - 1);
  const __mmask16 out_second = outs > 16 ? static_cast<__mmask16>((1u << (outs - 16)) - 1) : 0;
  _mm512_mask_storeu_ps(d + 2 * i, out_first, _mm512_permutex2var_ps(va, first, vb));
  _mm512_mask_storeu_ps(d + 2 * i + 16, out_second, _mm512_permutex2var_ps(va, second, vb));
}

PD_TARGET_AVX512 void DeinterleaveAvx512(const float* d, int64_t pairs, float* a, float* b) {
  const __m512i evens = _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0);
  const __m512i odds = _mm512_set_epi32(31, 29, 27, 25, 23, 21, 19, 17, 15, 13, 11, 9, 7, 5, 3, 1);
  int64_t i = 0;
  for (; i + 16 <= pairs; i += 16) {
    const __m512 x = _mm512_loadu_ps(d + 2 * i), y = _mm512_loadu_ps(d + 2 * i + 16);
    _mm512_storeu_ps(a + i, _mm512_permutex2var_ps(x, evens, y));
    _mm512_storeu_ps(b + i, _mm512_permutex2var_ps(x, odds, y));
  }
  const int64_t rest = pairs - i;
  if (rest == 0) return;
  const int64_t ins = 2 * rest;
  const __mmask16 in_first = ins >= 16 ? 0xffff : static_cast<__mmask16>((1u << ins) - 1);
  const __mmask16 in_second = ins > 16 ? static_cast<__mmask16>((1u << (ins - 16)) - 1) : 0;
  const __m512 x = _mm512_maskz_loadu_ps(in_first, d + 2 * i);
  const __m512 y = _mm512_maskz_loadu_ps(in_second, d + 2 * i + 16);
  const __mmask16 out = static_cast<__mmask16>((1u << rest) - 1);
  _mm512_mask_storeu_ps(a + i, out, _mm512_permutex2var_ps(x, evens, y));
  _mm512_mask_storeu_ps(b + i, out, _mm512_permutex2var_ps(x, odds, y));
}

#endif  // PD_HAVE_AVX2_VARIANT

}  // namespace

void InterleavePairsOn(VectorIsa isa, const float* a, const float* b, int64_t pairs, float* d) {
  switch (isa) {
#ifdef PD_HAVE_AVX2_VARIANT
    case VectorIsa::kAvx512: return InterleaveAvx512(a, b, pairs, d);
    case VectorIsa::kAvx2: return InterleaveAvx2(a, b, pairs, d);
#endif
    default: return InterleaveScalar(a, b, pairs, d);
  }
}

void DeinterleavePairsOn(VectorIsa isa, const float* d, int64_t pairs, float* a, float* b) {
  switch (isa) {
#ifdef PD_HAVE_AVX2_VARIANT
    case VectorIsa::kAvx512: return DeinterleaveAvx512(d, pairs, a, b);
    case VectorIsa::kAvx2: return DeinterleaveAvx2(d, pairs, a, b);
#endif
    default: return DeinterleaveScalar(d, pairs, a, b);
  }
}

void InterleavePairs(const float* a, const float* b, int64_t pairs, float* d) {
  static const VectorIsa isa = WidestVectorIsa();
  InterleavePairsOn(isa, a, b, pairs, d);
}

void DeinterleavePairs(const float* d, int64_t pairs, float* a, float* b) {
  static const VectorIsa isa = WidestVectorIsa();
  DeinterleavePairsOn(isa, d, pairs, a, b);
}

}  // namespace pd
