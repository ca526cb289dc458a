#include <cuda_bf16.h>

#include "cuda/bf16_launch.h"
#include "cuda/launchers.h"

namespace pd::cuda {
namespace {

__global__ void ToBf16Kernel(const float* src, __nv_bfloat16* dst, int64_t n) {
  const int64_t stride = int64_t{gridDim.x} * blockDim.x;
  for (int64_t i = int64_t{blockIdx.x} * blockDim.x + threadIdx.x; i < n; i += stride)
    dst[i] = __float2bfloat16_rn(src[i]);
}

__global__ void FromBf16Kernel(const __nv_bfloat16* src, float* dst, int64_t n) {
  const int64_t stride = int64_t{gridDim.x} * blockDim.x;
  for (int64_t i = int64_t{blockIdx.x} * blockDim.x + threadIdx.x; i < n; i += stride)
    dst[i] = __bfloat162float(src[i]);
}

}  // namespace

void LaunchToBf16(const float* src, uint16_t* dst, int64_t n, cudaStream_t stream) {
  if (n == 0) return;
  ToBf16Kernel<<<LaunchBlocks(n), kLaunchThreads, 0, stream>>>(
      src, reinterpret_cast<__nv_bfloat16*>(dst), n);
}

void LaunchFromBf16(const uint16_t* src, float* dst, int64_t n, cudaStream_t stream) {
  if (n == 0) return;
  FromBf16Kernel<<<LaunchBlocks(n), kLaunchThreads, 0, stream>>>(
      reinterpret_cast<const __nv_bfloat16*>(src), dst, n);
}

}  // namespace pd::cuda
