// What every CUDA op's host side uses: its context (with the op's GPU made current) and the
// launch geometry of element-wise kernels.
#pragma once

#include <algorithm>
#include <cstdint>

#include "cuda/cuda_device.h"
#include "framework/op_registry.h"

namespace pd::cuda {

// The op's CUDA context; makes its GPU the calling thread's current one.
inline CudaContext& Ctx(OpContext& ctx) {
  CudaContext& c = Ctx(ctx.device());
  UseDevice(c.place().device);
  return c;
}

// Blocks of kThreads for n elements, capped so that grid-stride loops cover the rest.
constexpr int kThreads = 256;
inline unsigned Blocks(int64_t n) {
  return static_cast<unsigned>(std::clamp<int64_t>((n + kThreads - 1) / kThreads, 1, 65535 * 8));
}

// Fails with the kernel's launch error, naming the op.
inline void CheckLaunch(const OpContext& ctx) {
  const cudaError_t err = cudaGetLastError();
  PD_CHECK(err == cudaSuccess, ctx.op().type(), ": kernel launch failed: ", cudaGetErrorString(err));
}

}  // namespace pd::cuda
