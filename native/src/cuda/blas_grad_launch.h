// Device code of the matrix-product grads' host glue (blas_grad.cc): what cuBLAS leaves to do.
// Plain pointers and sizes only, so the .cu file needs no engine headers.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

namespace pd::cuda {

// Sums the per-batch products of a broadcast operand's gradient. parts holds one matrix of
// `size` elements per output batch index (row-major over the batch dims); out matrix j, taken
// row-major over the kept dims, is the sum over the reduced dims, in increasing batch order.
// Strides are in matrices of parts; dims of size 1 are left out.
constexpr int kMaxBatchDims = 8;
struct BatchSum {
  int kept = 0, reduced = 0;
  int64_t kept_size[kMaxBatchDims], kept_stride[kMaxBatchDims];
  int64_t reduced_size[kMaxBatchDims], reduced_stride[kMaxBatchDims];
};
void LaunchBatchSum(const BatchSum& plan, const float* parts, float* out, int64_t matrices,
                    int64_t size, cudaStream_t s);

// fc_grad with relu: dpre = dout where out > 0, else 0.
void LaunchReluMask(const float* dout, const float* out, float* dpre, int64_t n, cudaStream_t s);

// bias[j] = sum of x[i, j] over the rows i < rows, in row order.
void LaunchColumnSum(const float* x, float* bias, int64_t rows, int64_t cols, cudaStream_t s);

}  // namespace pd::cuda
