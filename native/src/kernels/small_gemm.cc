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
#endif

}  // namespace

void PackedMatrix::Pack(int64_t k, int64_t n, const float* a, int64_t lda) {
  k_ = k;
  n_ = n;
  data_.resize(static_cast<size_t>(k * n));
  for (int64_t j = 0; j < n; j += kPanel) {
    const int64_t width = std::min(kPanel, n - j);
    float* panel = data_.data() + j * k;
    for (int64_t p = 0; p < k; ++p) {
      std::copy(a + p * lda + j, a + p * lda + j + width, panel + p * width);
    }
  }
}

void AddRowsTimesPacked(int64_t m, const float* x, int64_t ldx, const PackedMatrix& a, float* y,
                        int64_t ldy) {
#ifdef PD_HAVE_AVX2_VARIANT
  if (CpuHasAvx2Fma()) return RowsTimesPackedAvx2(m, x, ldx, a, y, ldy);
#endif
  for (int64_t j = 0; j < a.n(); j += PackedMatrix::kPanel) {
    const int64_t width = std::min(PackedMatrix::kPanel, a.n() - j);
    const float* panel = a.panel(j / PackedMatrix::kPanel);
    for (int64_t i = 0; i < m; ++i) {
      RowTimesMatrixLoop(a.k(), width, x + i * ldx, panel, width, y + i * ldy + j);
    }
  }
}

}  // namespace pd
