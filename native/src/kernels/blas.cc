#include "kernels/blas.h"

#include <cblas.h>

#include "kernels/parallel.h"

namespace pd {
namespace {

void BlasSgemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
               const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c,
               int64_t ldc) {
  cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
              trans_b ? CblasTrans : CblasNoTrans, static_cast<blasint>(m),
              static_cast<blasint>(n), static_cast<blasint>(k), alpha, a,
              static_cast<blasint>(lda), b, static_cast<blasint>(ldb), beta, c,
              static_cast<blasint>(ldc));
}

// Multiply-adds below which a second thread costs more than it saves.
constexpr int64_t kMinWorkPerThread = int64_t{1} << 20;

}  // namespace

void Sgemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
           const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c,
           int64_t ldc, int threads) {
  if (m == 0 || n == 0) return;
  static const bool single = [] {
    openblas_set_num_threads(1);
    return true;
  }();
  (void)single;
  const int64_t work = m * n * k;
  // Rows of C when there are enough of them (each block reads all of B), else columns.
  const bool by_rows = m >= 4 * threads || m >= n;
  const int64_t extent = by_rows ? m : n;
  const int64_t min_items =
      std::max<int64_t>(1, extent * kMinWorkPerThread / std::max<int64_t>(work, 1));
  ParallelFor(extent, threads, min_items, [&](int64_t lo, int64_t hi) {
    if (by_rows) {
      // Rows lo..hi of op(A): rows of A, or columns of a transposed A.
      const float* a_part = trans_a ? a + lo : a + lo * lda;
      BlasSgemm(trans_a, trans_b, hi - lo, n, k, alpha, a_part, lda, b, ldb, beta, c + lo * ldc,
                ldc);
    } else {
      // Columns lo..hi of op(B): columns of B, or rows of a transposed B.
      const float* b_part = trans_b ? b + lo * ldb : b + lo;
      BlasSgemm(trans_a, trans_b, m, hi - lo, k, alpha, a, lda, b_part, ldb, beta, c + lo, ldc);
    }
  });
}

}  // namespace pd
