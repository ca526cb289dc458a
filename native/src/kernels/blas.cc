#include "kernels/blas.h"

#include <cblas.h>

#include "kernels/parallel.h"

namespace pd {
namespace {

// y = alpha * op(M) * x + beta * y for a row-major M of `rows` x `cols` (leading dimension ld).
void BlasSgemv(bool trans, int64_t rows, int64_t cols, float alpha, const float* m, int64_t ld,
               const float* x, int64_t inc_x, float beta, float* y, int64_t inc_y) {
  cblas_sgemv(CblasRowMajor, trans ? CblasTrans : CblasNoTrans, static_cast<blasint>(rows),
              static_cast<blasint>(cols), alpha, m, static_cast<blasint>(ld), x,
              static_cast<blasint>(inc_x), beta, y, static_cast<blasint>(inc_y));
}

// One block of the product. A single row or column of C is a matrix-vector product, which
// OpenBLAS's sgemm handles through its packing path at several times gemv's cost (an fc layer
// at batch 1: 2048x1000 weights, 0.7 ms against 0.17 ms).
void BlasSgemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
               const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c,
               int64_t ldc) {
  if (m == 1 && k > 0) {
    // C row = op(B)^T * (A row); B is k x n (or n x k when transposed).
    BlasSgemv(!trans_b, trans_b ? n : k, trans_b ? k : n, alpha, b, ldb, a, trans_a ? lda : 1,
              beta, c, 1);
    return;
  }
  if (n == 1 && k > 0) {
    // C column = op(A) * (B column); A is m x k (or k x m when transposed).
    BlasSgemv(trans_a, trans_a ? k : m, trans_a ? m : k, alpha, a, lda, b, trans_b ? 1 : ldb,
              beta, c, ldc);
    return;
  }
  cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
              trans_b ? CblasTrans : CblasNoTrans, static_cast<blasint>(m),
              static_cast<blasint>(n), static_cast<blasint>(k), alpha, a,
              static_cast<blasint>(lda), b, static_cast<blasint>(ldb), beta, c,
              static_cast<blasint>(ldc));
}

// Multiply-adds below which a second thread costs more than it saves.
constexpr int64_t kMinWorkPerThread = int64_t{1} << 20;
// The same for a matrix-vector product, which reads each of M's values once: bound by memory,
// so a thread's share pays for itself at a sixteenth of the work (an fc layer at batch 1, 1024
// inputs by 1000 outputs: 4 MB of weights, about 160 µs on one thread).
constexpr int64_t kMinVectorWorkPerThread = kMinWorkPerThread / 16;

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
  const int64_t min_work = m == 1 || n == 1 ? kMinVectorWorkPerThread : kMinWorkPerThread;
  const int64_t min_items = std::max<int64_t>(1, extent * min_work / std::max<int64_t>(work, 1));
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
