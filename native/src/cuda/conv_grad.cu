#include "cuda/conv_grad.h"
#include "cuda/launchers.h"

namespace pd::cuda {
namespace {

__device__ __forceinline__ int64_t Offset(const ImageGeometry& g, int64_t n, int64_t c, int64_t y,
                                          int64_t x) {
  return g.nhwc ? ((n * g.h + y) * g.w + x) * g.c + c : ((n * g.c + c) * g.h + y) * g.w + x;
}

// One thread per destination cell.
__global__ void ShiftImageKernel(const float* src, ImageGeometry from, float* dst,
                                 ImageGeometry to, int64_t dy, int64_t dx) {
  const int64_t total = to.n * to.c * to.h * to.w;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total;
       i += int64_t(gridDim.x) * blockDim.x) {
    int64_t n, c, y, x;
    if (to.nhwc) {
      c = i % to.c;
      x = i / to.c % to.w;
      y = i / (to.c * to.w) % to.h;
      n = i / (to.c * to.w * to.h);
    } else {
      x = i % to.w;
      y = i / to.w % to.h;
      c = i / (to.w * to.h) % to.c;
      n = i / (to.w * to.h * to.c);
    }
    const int64_t sy = y + dy, sx = x + dx;
    const bool inside = sy >= 0 && sy < from.h && sx >= 0 && sx < from.w;
    dst[i] = inside ? src[Offset(from, n, c, sy, sx)] : 0.f;
  }
}

constexpr int kSumThreads = 256;

// One block per channel. Each thread sums every kSumThreads-th cell of the channel, then the
// block adds the partial sums pairwise: a fixed order, unlike atomics. Sums in double, as the
// CPU kernel does.
__global__ void ChannelSumKernel(const float* y, ImageGeometry g, float* db) {
  __shared__ double part[kSumThreads];
  const int64_t c = blockIdx.x, plane = g.h * g.w, cells = g.n * plane;
  double acc = 0;
  for (int64_t i = threadIdx.x; i < cells; i += kSumThreads) {
    const int64_t n = i / plane, p = i % plane;
    acc += y[g.nhwc ? (n * plane + p) * g.c + c : (n * g.c + c) * plane + p];
  }
  part[threadIdx.x] = acc;
  __syncthreads();
  for (unsigned half = kSumThreads / 2; half > 0; half /= 2) {
    if (threadIdx.x < half) part[threadIdx.x] += part[threadIdx.x + half];
    __syncthreads();
  }
  if (threadIdx.x == 0) db[c] = static_cast<float>(part[0]);
}

}  // namespace

void LaunchShiftImage(const float* src, const ImageGeometry& from, float* dst,
                      const ImageGeometry& to, int64_t dy, int64_t dx, cudaStream_t stream) {
  const int64_t total = to.n * to.c * to.h * to.w;
  if (total == 0) return;
  ShiftImageKernel<<<LaunchBlocks(total), kLaunchThreads, 0, stream>>>(src, from, dst, to, dy,
                                                                       dx);
}

void LaunchChannelSum(const float* y, const ImageGeometry& g, float* db, cudaStream_t stream) {
  if (g.c == 0) return;
  ChannelSumKernel<<<static_cast<unsigned>(g.c), kSumThreads, 0, stream>>>(y, g, db);
}

}  // namespace pd::cuda
