// Sums over a warp or a block in a fixed tree, so that a gradient or a loss comes out bit for bit
// the same on every run (no atomics, whose order varies). Device code only.
#pragma once

#include <cuda_runtime.h>

namespace pd::cuda {

constexpr int kWarpSize = 32;

template <typename T>
__device__ __forceinline__ T WarpSum(T v) {
  for (int o = kWarpSize / 2; o > 0; o /= 2) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}

template <typename T>
__device__ __forceinline__ T WarpMax(T v) {
  for (int o = kWarpSize / 2; o > 0; o /= 2) {
    const T other = __shfl_xor_sync(0xffffffffu, v, o);
    v = other > v ? other : v;
  }
  return v;
}

// The sum (or max) of v over the block; blockDim.x a multiple of 32, at most 1024. Every thread
// gets the result. scratch holds 32 values; the trailing barrier lets the caller reuse it.
template <bool kMax, typename T>
__device__ T BlockReduce(T v, T* scratch, T identity) {
  const int lane = threadIdx.x % kWarpSize, warp = threadIdx.x / kWarpSize;
  v = kMax ? WarpMax(v) : WarpSum(v);
  if (lane == 0) scratch[warp] = v;
  __syncthreads();
  v = lane < static_cast<int>(blockDim.x / kWarpSize) ? scratch[lane] : identity;
  v = kMax ? WarpMax(v) : WarpSum(v);
  __syncthreads();
  return v;
}

}  // namespace pd::cuda
