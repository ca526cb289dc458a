#include "kernels/blas.h"

#include <cblas.h>

#include <algorithm>
#include <atomic>


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

}  // namespace pd
