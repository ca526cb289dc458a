// softmax as the CPU computes it (kernels/softmax.cc): exp(x - max) / sum(exp(x - max)).
// Along the last axis (inner == 1) a warp, or for long rows a block, reduces each row;
// otherwise one thread walks each of the outer * inner columns, which keeps the loads of a warp
// contiguous along inner.
#include <cfloat>

#include "cuda/launchers.h"

namespace pd::cuda {
namespace {

constexpr int kWarp = 32;
constexpr int kRowsPerBlock = 8;         // warps per block in the warp-per-row kernel
constexpr int kBlockRowThreads = 512;    // threads of the block-per-row kernel
constexpr int64_t kWarpRowLimit = 1024;  // longer rows get a block each

__device__ __forceinline__ float WarpMax(float v) {
  for (int o = kWarp / 2; o > 0; o /= 2) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
  return v;
}
__device__ __forceinline__ float WarpSum(float v) {
  for (int o = kWarp / 2; o > 0; o /= 2) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}

// The exp the CPU takes (its ExpF clamps to [-87, 88]; x - max is <= 0, so only the low end).
__device__ __forceinline__ float ShiftedExp(float v, float max) {
  const float d = v - max;
  return expf(d < -87.0f ? -87.0f : d);
}

// Out may be X itself: each row is read fully (max, then sum) before it is written, by the
// same warp.
__global__ void WarpRowsKernel(const float* x, float* out, int64_t rows, int64_t n) {
  const int lane = threadIdx.x % kWarp;
  const int64_t warps = int64_t{gridDim.x} * kRowsPerBlock;
  for (int64_t r = int64_t{blockIdx.x} * kRowsPerBlock + threadIdx.x / kWarp; r < rows;
       r += warps) {
    const float* xr = x + r * n;
    float* yr = out + r * n;
    float m = -FLT_MAX;
    for (int64_t j = lane; j < n; j += kWarp) m = fmaxf(m, xr[j]);
    m = WarpMax(m);
    float sum = 0.0f;
    for (int64_t j = lane; j < n; j += kWarp) sum += ShiftedExp(xr[j], m);
    sum = WarpSum(sum);
    for (int64_t j = lane; j < n; j += kWarp) yr[j] = ShiftedExp(xr[j], m) / sum;
  }
}

// Reduces v over the block (blockDim.x a multiple of 32); every thread gets the result.
template <bool kMax>
__device__ float BlockReduce(float v, float* scratch) {
  const int lane = threadIdx.x % kWarp, warp = threadIdx.x / kWarp;
  v = kMax ? WarpMax(v) : WarpSum(v);
  if (lane == 0) scratch[warp] = v;
  __syncthreads();
  const int warps = blockDim.x / kWarp;
  v = lane < warps ? scratch[lane] : (kMax ? -FLT_MAX : 0.0f);
  v = kMax ? WarpMax(v) : WarpSum(v);
  __syncthreads();  // scratch is reused by the next reduction
  return v;
}

// Bounded to its launch size, so that the compiler keeps its registers within what a
// 512-thread block may have (128 each), or the launch would fail on the GPU.
__global__ void __launch_bounds__(kBlockRowThreads)
    BlockRowsKernel(const float* x, float* out, int64_t rows, int64_t n) {
  __shared__ float scratch[kWarp];
  for (int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
    const float* xr = x + r * n;
    float* yr = out + r * n;
    float m = -FLT_MAX;
    for (int64_t j = threadIdx.x; j < n; j += blockDim.x) m = fmaxf(m, xr[j]);
    m = BlockReduce<true>(m, scratch);
    float sum = 0.0f;
    for (int64_t j = threadIdx.x; j < n; j += blockDim.x) sum += ShiftedExp(xr[j], m);
    sum = BlockReduce<false>(sum, scratch);
    for (int64_t j = threadIdx.x; j < n; j += blockDim.x) yr[j] = ShiftedExp(xr[j], m) / sum;
  }
}

// One thread per (outer, inner) column of n elements `inner` apart.
__global__ void ColumnsKernel(const float* x, float* out, int64_t outer, int64_t n,
                              int64_t inner) {
  const int64_t columns = outer * inner;
  const int64_t stride = int64_t{gridDim.x} * blockDim.x;
  for (int64_t c = int64_t{blockIdx.x} * blockDim.x + threadIdx.x; c < columns; c += stride) {
    const int64_t o = c / inner, i = c % inner;
    const float* xc = x + o * n * inner + i;
    float* yc = out + o * n * inner + i;
    float m = xc[0];
    for (int64_t j = 1; j < n; ++j) m = fmaxf(m, xc[j * inner]);
    float sum = 0.0f;
    for (int64_t j = 0; j < n; ++j) sum += ShiftedExp(xc[j * inner], m);
    for (int64_t j = 0; j < n; ++j) yc[j * inner] = ShiftedExp(xc[j * inner], m) / sum;
  }
}

unsigned CappedBlocks(int64_t blocks) {
  return static_cast<unsigned>(blocks < 1 ? 1 : blocks > 65535 * 8 ? 65535 * 8 : blocks);
}

}  // namespace

void LaunchSoftmax(const float* x, float* out, int64_t outer, int64_t n, int64_t inner,
                   cudaStream_t s) {
  if (outer == 0 || n == 0 || inner == 0) return;
  if (inner > 1) {
    ColumnsKernel<<<LaunchBlocks(outer * inner), kLaunchThreads, 0, s>>>(x, out, outer, n, inner);
  } else if (n <= kWarpRowLimit) {
    WarpRowsKernel<<<CappedBlocks((outer + kRowsPerBlock - 1) / kRowsPerBlock),
                     kRowsPerBlock * kWarp, 0, s>>>(x, out, outer, n);
  } else {
    BlockRowsKernel<<<CappedBlocks(outer), kBlockRowThreads, 0, s>>>(x, out, outer, n);
  }
}

}  // namespace pd::cuda
