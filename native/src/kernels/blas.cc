#include "kernels/blas.h"

#include <cblas.h>

#include <algorithm>
#include <atomic>

#include "kernels/small_gemm.h"

namespace pd {

void SetBlasThreads(int n) {
  // OpenBLAS's thread count is process-wide; remember the last value to skip redundant calls.
  static std::atomic<int> current{-1};
  if (n < 1) n = 1;
  if (current.exchange(n) != n) openblas_set_num_threads(n);
}

void Sgemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
           const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c,
           int64_t ldc) {
  if (m == 0 || n == 0) return;
  cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
              trans_b ? CblasTrans : CblasNoTrans, static_cast<blasint>(m),
              static_cast<blasint>(n), static_cast<blasint>(k), alpha, a,
              static_cast<blasint>(lda), b, static_cast<blasint>(ldb), beta, c,
              static_cast<blasint>(ldc));
}

void SgemvRow(int64_t k, int64_t n, float alpha, const float* x, const float* a, int64_t lda,
              float beta, float* y) {
  if (n == 0) return;
  // The common case (alpha 1) runs our own loop: OpenBLAS threads a GEMV this small, and with
  // more than one thread each step costs more in wake-ups than in arithmetic.
  if (alpha == 1.0f) {
    if (beta == 0.0f) {
      std::fill(y, y + n, 0.0f);
    } else if (beta != 1.0f) {
      for (int64_t j = 0; j < n; ++j) y[j] *= beta;
    }
    AddRowTimesMatrix(k, n, x, a, lda, y);
    return;
  }
  // x·A is A^T·x; with A row-major that is CBLAS's transposed row-major gemv.
  cblas_sgemv(CblasRowMajor, CblasTrans, static_cast<blasint>(k), static_cast<blasint>(n), alpha,
              a, static_cast<blasint>(lda), x, 1, beta, y, 1);
}

}  // namespace pd
