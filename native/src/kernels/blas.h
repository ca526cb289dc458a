// The BLAS the CPU kernels use (OpenBLAS through CBLAS), behind small helpers.
#pragma once

#include <cstdint>

namespace pd {

// Sets the BLAS thread count when it differs from the current one.
void SetBlasThreads(int n);

// C[m,n] = alpha * op(A)[m,k] * op(B)[k,n] + beta * C, all row-major.
void Sgemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
           const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c,
           int64_t ldc);

}  // namespace pd
