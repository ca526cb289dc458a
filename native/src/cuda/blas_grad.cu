// The matrix-product grads' element-wise parts: summing broadcast batches, fc's relu mask and
// bias sum. Each output element is summed by one thread in a fixed order, so results do not
// depend on scheduling.
#include "cuda/blas_grad_launch.h"
#include "cuda/launchers.h"

namespace pd::cuda {
namespace {

__global__ void BatchSumKernel(BatchSum plan, const float* __restrict__ parts,
                               float* __restrict__ out, int64_t total, int64_t size) {
  int64_t reduced_count = 1;
  for (int d = 0; d < plan.reduced; ++d) reduced_count *= plan.reduced_size[d];
  const int64_t stride = int64_t{gridDim.x} * blockDim.x;
  for (int64_t i = int64_t{blockIdx.x} * blockDim.x + threadIdx.x; i < total; i += stride) {
    int64_t rest = i / size, base = 0;
    for (int d = plan.kept - 1; d >= 0; --d) {
      base += (rest % plan.kept_size[d]) * plan.kept_stride[d];
      rest /= plan.kept_size[d];
    }
    const float* p = parts + i % size;
    float sum = 0.0f;
    for (int64_t r = 0; r < reduced_count; ++r) {
      int64_t left = r, at = base;
      for (int d = plan.reduced - 1; d >= 0; --d) {
        at += (left % plan.reduced_size[d]) * plan.reduced_stride[d];
        left /= plan.reduced_size[d];
      }
      sum += p[at * size];
    }
    out[i] = sum;
  }
}

__global__ void ReluMaskKernel(const float* __restrict__ dout, const float* __restrict__ out,
                               float* __restrict__ dpre, int64_t n) {
  const int64_t stride = int64_t{gridDim.x} * blockDim.x;
  for (int64_t i = int64_t{blockIdx.x} * blockDim.x + threadIdx.x; i < n; i += stride)
    dpre[i] = out[i] > 0.0f ? dout[i] : 0.0f;
}

__global__ void ColumnSumKernel(const float* __restrict__ x, float* __restrict__ bias,
                                int64_t rows, int64_t cols) {
  const int64_t stride = int64_t{gridDim.x} * blockDim.x;
  for (int64_t j = int64_t{blockIdx.x} * blockDim.x + threadIdx.x; j < cols; j += stride) {
    float sum = 0.0f;
    for (int64_t i = 0; i < rows; ++i) sum += x[i * cols + j];
    bias[j] = sum;
  }
}

}  // namespace

void LaunchBatchSum(const BatchSum& plan, const float* parts, float* out, int64_t matrices,
                    int64_t size, cudaStream_t s) {
  const int64_t total = matrices * size;
  if (total == 0) return;
  BatchSumKernel<<<LaunchBlocks(total), kLaunchThreads, 0, s>>>(plan, parts, out, total, size);
}

void LaunchReluMask(const float* dout, const float* out, float* dpre, int64_t n, cudaStream_t s) {
  if (n == 0) return;
  ReluMaskKernel<<<LaunchBlocks(n), kLaunchThreads, 0, s>>>(dout, out, dpre, n);
}

void LaunchColumnSum(const float* x, float* bias, int64_t rows, int64_t cols, cudaStream_t s) {
  if (cols == 0) return;
  ColumnSumKernel<<<LaunchBlocks(cols), kLaunchThreads, 0, s>>>(x, bias, rows, cols);
}

}  // namespace pd::cuda
