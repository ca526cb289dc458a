// The BLAS the CPU kernels use (OpenBLAS through CBLAS), behind a small helper.
#pragma once

#include <cstdint>

namespace pd {

// C[m,n] = alpha * op(A)[m,k] * op(B)[k,n] + beta * C, all row-major, on up to `threads`
// threads. OpenBLAS itself runs single-threaded: the product is split into row (or column)
// blocks over the OpenMP team that oneDNN uses too. OpenBLAS's own pool would be a second set
// of threads, whose idle spinning after each call takes the cores from oneDNN's.
void Sgemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
           const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c,
           int64_t ldc, int threads = 1);

}  // namespace pd
