#include "kernels/small_gemm.h"

#include <algorithm>

#include "kernels/cpu_features.h"
#include "kernels/vec_math.h"

#ifdef PD_HAVE_AVX2_VARIANT
#include <immintrin.h>
#endif

namespace pd {
namespace {

// Four rows of A per pass over y: a quarter of the loads and stores of y that one row at a
// time would cost, and y (a recurrent step's gates) stays in L1 throughout.
PD_ALWAYS_INLINE void RowTimesMatrixLoop(int64_t k, int64_t n, const float* __restrict x,
                                         const float* __restrict a, int64_t lda,
                                         float* __restrict y) {
  int64_t i = 0;
  for (; i + 4 <= k; i += 4) {
    const float x0 = x[i], x1 = x[i + 1], x2 = x[i + 2], x3 = x[i + 3];
    const float* r0 = a + i * lda;
    const float* r1 = r0 + lda;
    const float* r2 = r1 + lda;
    const float* r3 = r2 + lda;
    for (int64_t j = 0; j < n; ++j) y[j] += x0 * r0[j] + x1 * r1[j] + x2 * r2[j] + x3 * r3[j];
  }
  for (; i < k; ++i) {
    const float xi = x[i];
    const float* r = a + i * lda;
    for (int64_t j = 0; j < n; ++j) y[j] += xi * r[j];
  }
}

#ifdef PD_HAVE_AVX2_VARIANT
// R rows by W×8 columns of y held in registers while the whole k loop runs: each step loads
// W vectors of A's row p once and broadcasts one x per row, so A streams from L1 at one
// load per R FMAs. R=6, W=2 uses 12 accumulators, the most that leave room for the operands
// in AVX2's 16 registers; fewer rows take more columns (R<=3, W=4), since a handful of
// accumulators would leave the FMA units waiting on each other's latency. The accumulators
// are named variables, not an array: GCC keeps an array of vectors in memory and stores it
// back on every step.
template <int R, int W>
PD_TARGET_AVX2 inline void Tile(int64_t k, const float* x, int64_t ldx, const float* a,
                                int64_t lda, float* y, int64_t ldy) {
  static_assert(R >= 1 && R <= 6 && W >= 1 && W <= 4 && R * W <= 12, "tile shape");
  const __m256 zero = _mm256_setzero_ps();
  __m256 c00 = zero, c01 = zero, c02 = zero, c03 = zero, c10 = zero, c11 = zero, c12 = zero;
  __m256 c13 = zero, c20 = zero, c21 = zero, c22 = zero, c23 = zero, c30 = zero, c31 = zero;
  __m256 c32 = zero, c33 = zero, c40 = zero, c41 = zero, c42 = zero, c43 = zero, c50 = zero;
  __m256 c51 = zero, c52 = zero, c53 = zero;
#define PD_TILE_ROW(r, OP)                  \
  if constexpr (R > r) {                    \
    OP(c##r##0, r, 0);                      \
    if constexpr (W > 1) OP(c##r##1, r, 1); \
    if constexpr (W > 2) OP(c##r##2, r, 2); \
    if constexpr (W > 3) OP(c##r##3, r, 3); \
  }
#define PD_TILE_ALL(OP) \
  PD_TILE_ROW(0, OP) PD_TILE_ROW(1, OP) PD_TILE_ROW(2, OP) PD_TILE_ROW(3, OP) PD_TILE_ROW(4, OP) PD_TILE_ROW(5, OP)
#define PD_TILE_LOAD(c, r, w) c = _mm256_loadu_ps(y + (r) * ldy + 8 * (w));
#define PD_TILE_STORE(c, r, w) _mm256_storeu_ps(y + (r) * ldy + 8 * (w), c);
#define PD_TILE_FMA(c, r, w) c = _mm256_fmadd_ps(_mm256_broadcast_ss(x + (r) * ldx + p), b##w, c);
  PD_TILE_ALL(PD_TILE_LOAD)
  for (int64_t p = 0; p < k; ++p) {
    const __m256 b0 = _mm256_loadu_ps(a + p * lda);
    const __m256 b1 = W > 1 ? _mm256_loadu_ps(a + p * lda + 8) : zero;
    const __m256 b2 = W > 2 ? _mm256_loadu_ps(a + p * lda + 16) : zero;
    const __m256 b3 = W > 3 ? _mm256_loadu_ps(a + p * lda + 24) : zero;
    PD_TILE_ALL(PD_TILE_FMA)
  }
  PD_TILE_ALL(PD_TILE_STORE)
#undef PD_TILE_FMA
#undef PD_TILE_STORE
#undef PD_TILE_LOAD
#undef PD_TILE_ALL
#undef PD_TILE_ROW
}

// Columns [0, n) of R rows: 32-wide tiles when R is small, 16-wide, then one 8-wide, then the
// last n % 8 one at a time.
template <int R>
PD_TARGET_AVX2 void RowBlock(int64_t k, int64_t n, const float* x, int64_t ldx, const float* a,
                             int64_t lda, float* y, int64_t ldy) {
  int64_t j = 0;
  if constexpr (R <= 3) {
    for (; j + 32 <= n; j += 32) Tile<R, 4>(k, x, ldx, a + j, lda, y + j, ldy);
  }
  for (; j + 16 <= n; j += 16) Tile<R, 2>(k, x, ldx, a + j, lda, y + j, ldy);
  if (j + 8 <= n) {
    Tile<R, 1>(k, x, ldx, a + j, lda, y + j, ldy);
    j += 8;
  }
  for (; j < n; ++j) {
    for (int r = 0; r < R; ++r) {
      float s = y[r * ldy + j];
      for (int64_t p = 0; p < k; ++p) s += x[r * ldx + p] * a[p * lda + j];
      y[r * ldy + j] = s;
    }
  }
}

// R rows of x times every panel: the rows stay in L1 while the panels stream from L2.
template <int R>
PD_TARGET_AVX2 void RowsTimesPanels(const float* x, int64_t ldx, const PackedMatrix& a, float* y,
                                    int64_t ldy) {
  for (int64_t j = 0; j < a.n(); j += PackedMatrix::kPanel) {
    const int64_t width = std::min(PackedMatrix::kPanel, a.n() - j);
    RowBlock<R>(a.k(), width, x, ldx, a.panel(j / PackedMatrix::kPanel), width, y + j, ldy);
  }
}

PD_TARGET_AVX2 void RowsTimesPackedAvx2(int64_t m, const float* x, int64_t ldx,
                                        const PackedMatrix& a, float* y, int64_t ldy) {
  int64_t i = 0;
  for (; i + 6 <= m; i += 6) RowsTimesPanels<6>(x + i * ldx, ldx, a, y + i * ldy, ldy);
  const float* xt = x + i * ldx;
  float* yt = y + i * ldy;
  switch (m - i) {
    case 5: RowsTimesPanels<5>(xt, ldx, a, yt, ldy); break;
    case 4: RowsTimesPanels<4>(xt, ldx, a, yt, ldy); break;
    case 3: RowsTimesPanels<3>(xt, ldx, a, yt, ldy); break;
    case 2: RowsTimesPanels<2>(xt, ldx, a, yt, ldy); break;
    case 1: RowsTimesPanels<1>(xt, ldx, a, yt, ldy); break;
    default: break;
  }
}

// The lanes of a 16-float vector that hold its first `count` columns: none for a count of 0
// or less, all from 16 up.
inline __mmask16 FirstLanes(int64_t count) {
  return static_cast<__mmask16>(count >= 16 ? 0xFFFF : count <= 0 ? 0 : (1u << count) - 1);
}

// AVX-512: R rows by V vectors of 16 columns, two vectors per 32-column panel, so one tile
// spans V/2 panels side by side, each its own stream panel_stride floats after the last. Two
// FMA units of 4-cycle latency need 8 independent sums in flight, and one panel gives a row
// only 2, so few rows take more panels. Up to 24 accumulators leave room for V rows of A in
// the 32 zmm registers. Masks cover a last panel narrower than 32 columns: its lanes past the
// width load zeros and are never stored, so no column is left to a scalar tail. Each sum
// starts from y and adds the products in order of p, as the AVX2 tiles do.
template <int R, int V>
PD_TARGET_AVX512 inline void Avx512Tile(int64_t k, const float* x, int64_t ldx, const float* a,
                                        int64_t lda, int64_t panel_stride, float* y,
                                        int64_t ldy, __mmask16 lo, __mmask16 hi) {
  static_assert(R >= 1 && R <= 6 && (V == 2 || V == 4 || V == 8) && R * V <= 24, "tile shape");
  const __m512 zero = _mm512_setzero_ps();
#define PD_ROW_ACCUMULATORS(r)                                                                 \
  __m512 c##r##0 = zero, c##r##1 = zero, c##r##2 = zero, c##r##3 = zero, c##r##4 = zero,       \
         c##r##5 = zero, c##r##6 = zero, c##r##7 = zero;
  PD_ROW_ACCUMULATORS(0) PD_ROW_ACCUMULATORS(1) PD_ROW_ACCUMULATORS(2)
  PD_ROW_ACCUMULATORS(3) PD_ROW_ACCUMULATORS(4) PD_ROW_ACCUMULATORS(5)
#undef PD_ROW_ACCUMULATORS
#define PD_TILE_ROW(r, OP)                                       \
  if constexpr (R > r) {                                         \
    OP(c##r##0, r, 0) OP(c##r##1, r, 1);                         \
    if constexpr (V > 2) { OP(c##r##2, r, 2) OP(c##r##3, r, 3) } \
    if constexpr (V > 4) {                                       \
      OP(c##r##4, r, 4) OP(c##r##5, r, 5);                       \
      OP(c##r##6, r, 6) OP(c##r##7, r, 7);                       \
    }                                                            \
  }
#define PD_TILE_ALL(OP) \
  PD_TILE_ROW(0, OP) PD_TILE_ROW(1, OP) PD_TILE_ROW(2, OP) PD_TILE_ROW(3, OP) PD_TILE_ROW(4, OP) PD_TILE_ROW(5, OP)
#define PD_MASK(v) ((v) % 2 ? hi : lo)
#define PD_TILE_LOAD(c, r, v) c = _mm512_maskz_loadu_ps(PD_MASK(v), y + (r) * ldy + 16 * (v));
#define PD_TILE_STORE(c, r, v) _mm512_mask_storeu_ps(y + (r) * ldy + 16 * (v), PD_MASK(v), c);
#define PD_TILE_FMA(c, r, v) c = _mm512_fmadd_ps(_mm512_set1_ps(x[(r) * ldx + p]), b##v, c);
#define PD_ROW_OF_A(v)                                                                      \
  (V > (v) ? _mm512_maskz_loadu_ps(PD_MASK(v), row + (v) / 2 * panel_stride + (v) % 2 * 16) \
           : zero)
  PD_TILE_ALL(PD_TILE_LOAD)
  for (int64_t p = 0; p < k; ++p) {
    const float* row = a + p * lda;
    const __m512 b0 = PD_ROW_OF_A(0), b1 = PD_ROW_OF_A(1), b2 = PD_ROW_OF_A(2);
    const __m512 b3 = PD_ROW_OF_A(3), b4 = PD_ROW_OF_A(4), b5 = PD_ROW_OF_A(5);
    const __m512 b6 = PD_ROW_OF_A(6), b7 = PD_ROW_OF_A(7);
    PD_TILE_ALL(PD_TILE_FMA)
  }
  PD_TILE_ALL(PD_TILE_STORE)
#undef PD_ROW_OF_A
#undef PD_TILE_FMA
#undef PD_TILE_STORE
#undef PD_TILE_LOAD
#undef PD_MASK
#undef PD_TILE_ALL
#undef PD_TILE_ROW
}

// One row of x times one panel (two vectors under the panel's masks) with four sums per
// vector, over p mod 4, added up at the end: a row alone gives only two sums, and eight keep
// the two FMA units busy through their latency (the sums come out in a different order from the
// other paths, within the same rounding bound). One panel at a time, in order, keeps A one
// sequential stream from L2, which is what bounds a single row.
PD_TARGET_AVX512 inline void Avx512RowTimesPanel(int64_t k, const float* x, const float* a,
                                                 int64_t lda, float* y, __mmask16 lo,
                                                 __mmask16 hi) {
  const __m512 zero = _mm512_setzero_ps();
  __m512 lo0 = _mm512_maskz_loadu_ps(lo, y), hi0 = _mm512_maskz_loadu_ps(hi, y + 16);
  __m512 lo1 = zero, hi1 = zero, lo2 = zero, hi2 = zero, lo3 = zero, hi3 = zero;
#define PD_STEP(s, q)                                                                    \
  {                                                                                      \
    const __m512 xq = _mm512_set1_ps(x[q]);                                              \
    lo##s = _mm512_fmadd_ps(xq, _mm512_maskz_loadu_ps(lo, a + (q) * lda), lo##s);        \
    hi##s = _mm512_fmadd_ps(xq, _mm512_maskz_loadu_ps(hi, a + (q) * lda + 16), hi##s);   \
  }
  int64_t p = 0;
  for (; p + 4 <= k; p += 4) {
    PD_STEP(0, p) PD_STEP(1, p + 1) PD_STEP(2, p + 2) PD_STEP(3, p + 3)
  }
  for (; p < k; ++p) PD_STEP(0, p)
#undef PD_STEP
  _mm512_mask_storeu_ps(y, lo, _mm512_add_ps(_mm512_add_ps(lo0, lo1), _mm512_add_ps(lo2, lo3)));
  _mm512_mask_storeu_ps(y + 16, hi,
                        _mm512_add_ps(_mm512_add_ps(hi0, hi1), _mm512_add_ps(hi2, hi3)));
}

PD_TARGET_AVX512 void RowTimesPanelsAvx512(const float* x, const PackedMatrix& a, float* y) {
  constexpr int64_t kPanel = PackedMatrix::kPanel;
  for (int64_t j = 0; j < a.n(); j += kPanel) {
    const int64_t width = std::min(kPanel, a.n() - j);
    Avx512RowTimesPanel(a.k(), x, a.panel(j / kPanel), width, y + j, FirstLanes(width),
                        FirstLanes(width - 16));
  }
}

// R rows of x times every panel, V/2 whole panels at a time, then 2, then 1, then the
// narrower last panel under masks.
template <int R, int V>
PD_TARGET_AVX512 void RowsTimesPanelsAvx512(const float* x, int64_t ldx, const PackedMatrix& a,
                                            float* y, int64_t ldy) {
  constexpr int64_t kPanel = PackedMatrix::kPanel;
  constexpr __mmask16 kAll = 0xFFFF;
  const int64_t k = a.k(), whole = a.n() / kPanel, stride = kPanel * k;
  int64_t q = 0;
  for (; q + V / 2 <= whole; q += V / 2) {
    Avx512Tile<R, V>(k, x, ldx, a.panel(q), kPanel, stride, y + q * kPanel, ldy, kAll, kAll);
  }
  if constexpr (V > 4) {
    if (q + 2 <= whole) {
      Avx512Tile<R, 4>(k, x, ldx, a.panel(q), kPanel, stride, y + q * kPanel, ldy, kAll, kAll);
      q += 2;
    }
  }
  if constexpr (V > 2) {
    if (q < whole) {
      Avx512Tile<R, 2>(k, x, ldx, a.panel(q), kPanel, stride, y + q * kPanel, ldy, kAll, kAll);
      ++q;
    }
  }
  const int64_t width = a.n() - whole * kPanel;
  if (width > 0) {
    Avx512Tile<R, 2>(k, x, ldx, a.panel(whole), width, stride, y + whole * kPanel, ldy,
                     FirstLanes(width), FirstLanes(width - 16));
  }
}

// Six rows on two panels (24 accumulators) while six remain; two rows take four panels and one
// row splits its sums instead, to keep 8 or more in flight. (Three rows on one panel, 6 sums,
// measured slower than on two.)
PD_TARGET_AVX512 void RowsTimesPackedAvx512(int64_t m, const float* x, int64_t ldx,
                                            const PackedMatrix& a, float* y, int64_t ldy) {
  int64_t i = 0;
  for (; i + 6 <= m; i += 6) RowsTimesPanelsAvx512<6, 4>(x + i * ldx, ldx, a, y + i * ldy, ldy);
  const float* xt = x + i * ldx;
  float* yt = y + i * ldy;
  switch (m - i) {
    case 5: RowsTimesPanelsAvx512<5, 4>(xt, ldx, a, yt, ldy); break;
    case 4: RowsTimesPanelsAvx512<4, 4>(xt, ldx, a, yt, ldy); break;
    case 3: RowsTimesPanelsAvx512<3, 4>(xt, ldx, a, yt, ldy); break;
    case 2: RowsTimesPanelsAvx512<2, 8>(xt, ldx, a, yt, ldy); break;
    case 1: RowTimesPanelsAvx512(xt, a, yt); break;
    default: break;
  }
}
#endif

void RowsTimesPackedScalar(int64_t m, const float* x, int64_t ldx, const PackedMatrix& a,
                           float* y, int64_t ldy) {
  for (int64_t j = 0; j < a.n(); j += PackedMatrix::kPanel) {
    const int64_t width = std::min(PackedMatrix::kPanel, a.n() - j);
    const float* panel = a.panel(j / PackedMatrix::kPanel);
    for (int64_t i = 0; i < m; ++i) {
      RowTimesMatrixLoop(a.k(), width, x + i * ldx, panel, width, y + i * ldy + j);
    }
  }
}

}  // namespace

void PackedMatrix::Pack(int64_t k, int64_t n, const float* a, int64_t lda) {
  k_ = k;
  n_ = n;
  data_.resize(static_cast<size_t>(k * n + kAlignFloats - 1));
  const size_t past_line =
      reinterpret_cast<uintptr_t>(data_.data()) % (kAlignFloats * sizeof(float));
  start_ = past_line ? kAlignFloats - static_cast<int64_t>(past_line / sizeof(float)) : 0;
  for (int64_t j = 0; j < n; j += kPanel) {
    const int64_t width = std::min(kPanel, n - j);
    float* panel = data_.data() + start_ + j * k;
    for (int64_t p = 0; p < k; ++p) {
      std::copy(a + p * lda + j, a + p * lda + j + width, panel + p * width);
    }
  }
}

void AddRowsTimesPacked(int64_t m, const float* x, int64_t ldx, const PackedMatrix& a, float* y,
                        int64_t ldy) {
#ifdef PD_HAVE_AVX2_VARIANT
  if (CpuHasAvx512f()) return RowsTimesPackedAvx512(m, x, ldx, a, y, ldy);
  if (CpuHasAvx2Fma()) return RowsTimesPackedAvx2(m, x, ldx, a, y, ldy);
#endif
  RowsTimesPackedScalar(m, x, ldx, a, y, ldy);
}

bool SmallGemmPathRuns(SmallGemmPath path) {
  switch (path) {
    case SmallGemmPath::kScalar: return true;
#ifdef PD_HAVE_AVX2_VARIANT
    case SmallGemmPath::kAvx2: return CpuHasAvx2Fma();
    case SmallGemmPath::kAvx512: return CpuHasAvx512f();
#endif
    default: return false;
  }
}

void AddRowsTimesPackedOn(SmallGemmPath path, int64_t m, const float* x, int64_t ldx,
                          const PackedMatrix& a, float* y, int64_t ldy) {
  switch (path) {
#ifdef PD_HAVE_AVX2_VARIANT
    case SmallGemmPath::kAvx2: return RowsTimesPackedAvx2(m, x, ldx, a, y, ldy);
    case SmallGemmPath::kAvx512: return RowsTimesPackedAvx512(m, x, ldx, a, y, ldy);
#endif
    default: return RowsTimesPackedScalar(m, x, ldx, a, y, ldy);
  }
}

}  // namespace pd
