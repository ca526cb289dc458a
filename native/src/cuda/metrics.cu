#include "cuda/metrics_launch.h"

namespace pd::cuda {
namespace {

constexpr int kBlock = 256;

// One thread per row, k passes: each takes the largest value ranked after the previous pick
// (smaller, or equal with a higher index), the lowest index among equals. Heads have few
// classes and k is 1 or 5, so k·n per row is cheaper than a sort.
__global__ void TopKKernel(const float* x, int64_t rows, int64_t n, int64_t k, float* out,
                           int64_t* indices) {
  const int64_t r = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  if (r >= rows) return;
  const float* row = x + r * n;
  float prev_v = 0;
  int64_t prev_i = -1;
  for (int64_t j = 0; j < k; ++j) {
    int64_t best = -1;
    for (int64_t i = 0; i < n; ++i) {
      const float v = row[i];
      const bool after_prev = prev_i < 0 || v < prev_v || (v == prev_v && i > prev_i);
      if (after_prev && (best < 0 || v > row[best])) best = i;
    }
    prev_v = row[best];
    prev_i = best;
    out[r * k + j] = prev_v;
    indices[r * k + j] = best;
  }
}

// One block: integer counts, so the sum is the same in any order.
template <typename Label>
__global__ void AccuracyKernel(const int64_t* indices, const Label* labels, int64_t rows,
                               int64_t k, float* accuracy, int32_t* correct, int32_t* total) {
  __shared__ int32_t counts[kBlock];
  int32_t c = 0;
  for (int64_t r = threadIdx.x; r < rows; r += kBlock) {
    const int64_t label = static_cast<int64_t>(labels[r]);
    for (int64_t j = 0; j < k; ++j) {
      if (indices[r * k + j] == label) {
        ++c;
        break;
      }
    }
  }
  counts[threadIdx.x] = c;
  __syncthreads();
  for (unsigned w = kBlock / 2; w > 0; w /= 2) {
    if (threadIdx.x < w) counts[threadIdx.x] += counts[threadIdx.x + w];
    __syncthreads();
  }
  if (threadIdx.x != 0) return;
  accuracy[0] = rows ? static_cast<float>(counts[0]) / static_cast<float>(rows) : 0.0f;
  if (correct) correct[0] = counts[0];
  if (total) total[0] = static_cast<int32_t>(rows);
}

}  // namespace

void LaunchTopK(const float* x, int64_t rows, int64_t n, int64_t k, float* out, int64_t* indices,
                cudaStream_t s) {
  if (rows == 0 || k == 0) return;
  const unsigned blocks = static_cast<unsigned>((rows + kBlock - 1) / kBlock);
  TopKKernel<<<blocks, kBlock, 0, s>>>(x, rows, n, k, out, indices);
}

template <typename Label>
void LaunchAccuracy(const int64_t* indices, const Label* labels, int64_t rows, int64_t k,
                    float* accuracy, int32_t* correct, int32_t* total, cudaStream_t s) {
  AccuracyKernel<Label><<<1, kBlock, 0, s>>>(indices, labels, rows, k, accuracy, correct, total);
}

template void LaunchAccuracy<int64_t>(const int64_t*, const int64_t*, int64_t, int64_t, float*,
                                      int32_t*, int32_t*, cudaStream_t);
template void LaunchAccuracy<int32_t>(const int64_t*, const int32_t*, int64_t, int64_t, float*,
                                      int32_t*, int32_t*, cudaStream_t);

}  // namespace pd::cuda
