// Activation gradients with the CPU's formulas and boundary choices (kernels/activation_grad.cc).
// Products and sums are rounded one at a time (no fused multiply-add), as the CPU rounds them.
#include "cuda/bf16_math.cuh"
#include "cuda/det_reduce.cuh"
#include "cuda/grad_launch.h"
#include "cuda/launchers.h"

namespace pd::cuda {
namespace {

template <ActGradKind kKind>
__device__ __forceinline__ float Grad(float in, float dy, const ActGradParams& p) {
  if constexpr (kKind == ActGradKind::kRelu) return in > 0.0f ? dy : 0.0f;
  if constexpr (kKind == ActGradKind::kRelu6)  // a: threshold
    return in > 0.0f && in < p.a ? dy : 0.0f;
  if constexpr (kKind == ActGradKind::kSigmoid)
    return __fmul_rn(__fmul_rn(dy, in), __fsub_rn(1.0f, in));
  if constexpr (kKind == ActGradKind::kHardSigmoid)  // a: slope
    return in > 0.0f && in < 1.0f ? __fmul_rn(dy, p.a) : 0.0f;
  if constexpr (kKind == ActGradKind::kHardSwish) {  // in is X; a: threshold, b: scale, c: offset
    const float t = __fadd_rn(in, p.c);
    const float d =
        t <= 0.0f ? 0.0f : (t < p.a ? __fadd_rn(2.0f * in, p.c) / p.b : 1.0f);
    return __fmul_rn(dy, d);
  }
  return 0.0f;
}

// dx may be dout itself: each element is read before it is written. TIn, TD: how in and the
// gradients (dout, dx) are stored.
template <ActGradKind kKind, typename TIn, typename TD>
__global__ void ActGradKernel(ActGradParams p, const TIn* in, const TD* dout, TD* dx,
                              int64_t n) {
  const int64_t stride = int64_t{gridDim.x} * blockDim.x;
  for (int64_t i = int64_t{blockIdx.x} * blockDim.x + threadIdx.x; i < n; i += stride)
    StoreAs(Grad<kKind>(Widen(in[i]), Widen(dout[i]), p), dx + i);
}

template <ActGradKind kKind, typename TIn, typename TD>
void Launch(ActGradParams p, const void* in, const void* dout, void* dx, int64_t n,
            cudaStream_t s) {
  ActGradKernel<kKind, TIn, TD><<<LaunchBlocks(n), kLaunchThreads, 0, s>>>(
      p, static_cast<const TIn*>(in), static_cast<const TD*>(dout), static_cast<TD*>(dx), n);
}

template <ActGradKind kKind>
void Launch(ActGradParams p, FloatData in, FloatData dout, void* dx, int64_t n,
            cudaStream_t s) {
  const auto run = [&](auto in_type, auto grad_type) {
    Launch<kKind, decltype(in_type), decltype(grad_type)>(p, in.data, dout.data, dx, n, s);
  };
  if (in.bf16 && dout.bf16) return run(uint16_t{}, uint16_t{});
  if (in.bf16) return run(uint16_t{}, float{});
  if (dout.bf16) return run(float{}, uint16_t{});
  run(float{}, float{});
}

// ---- softmax_grad: dx = out * (dout - sum(dout * out)) along the softmax axis.
// As in softmax.cu: a warp per row, a block per long row, a thread per column when inner > 1
// (that one sums in the CPU's order). Each row's dot product is complete before any of its dx
// is written, so dx may be dout.

constexpr int kRowsPerBlock = 8;
constexpr int kBlockRowThreads = 512;
constexpr int64_t kWarpRowLimit = 1024;

__device__ __forceinline__ float RowGrad(float y, float dy, float dot) {
  return __fmul_rn(y, __fsub_rn(dy, dot));
}

__global__ void WarpRowsKernel(const float* y, const float* dy, float* dx, int64_t rows,
                               int64_t n) {
  const int lane = threadIdx.x % kWarpSize;
  const int64_t warps = int64_t{gridDim.x} * kRowsPerBlock;
  for (int64_t r = int64_t{blockIdx.x} * kRowsPerBlock + threadIdx.x / kWarpSize; r < rows;
       r += warps) {
    const int64_t base = r * n;
    float dot = 0.0f;
    for (int64_t j = lane; j < n; j += kWarpSize)
      dot = __fadd_rn(dot, __fmul_rn(dy[base + j], y[base + j]));
    dot = WarpSum(dot);
    for (int64_t j = lane; j < n; j += kWarpSize)
      dx[base + j] = RowGrad(y[base + j], dy[base + j], dot);
  }
}

// Bounded to its launch size, as softmax's (registers within a 512-thread block's share).
__global__ void __launch_bounds__(kBlockRowThreads)
    BlockRowsKernel(const float* y, const float* dy, float* dx, int64_t rows, int64_t n) {
  __shared__ float scratch[kWarpSize];
  for (int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
    const int64_t base = r * n;
    float dot = 0.0f;
    for (int64_t j = threadIdx.x; j < n; j += blockDim.x)
      dot = __fadd_rn(dot, __fmul_rn(dy[base + j], y[base + j]));
    dot = BlockReduce<false>(dot, scratch, 0.0f);
    for (int64_t j = threadIdx.x; j < n; j += blockDim.x)
      dx[base + j] = RowGrad(y[base + j], dy[base + j], dot);
  }
}

__global__ void ColumnsKernel(const float* y, const float* dy, float* dx, int64_t outer,
                              int64_t n, int64_t inner) {
  const int64_t columns = outer * inner;
  const int64_t stride = int64_t{gridDim.x} * blockDim.x;
  for (int64_t c = int64_t{blockIdx.x} * blockDim.x + threadIdx.x; c < columns; c += stride) {
    const int64_t base = (c / inner) * n * inner + c % inner;
    float dot = 0.0f;
    for (int64_t j = 0; j < n; ++j)
      dot = __fadd_rn(dot, __fmul_rn(dy[base + j * inner], y[base + j * inner]));
    for (int64_t j = 0; j < n; ++j) {
      const int64_t k = base + j * inner;
      dx[k] = RowGrad(y[k], dy[k], dot);
    }
  }
}

unsigned CappedBlocks(int64_t blocks) {
  return static_cast<unsigned>(blocks < 1 ? 1 : blocks > 65535 * 8 ? 65535 * 8 : blocks);
}

__global__ void DropoutGradKernel(const uint8_t* mask, const float* dout, float* dx, float f,
                                  int64_t n) {
  const int64_t stride = int64_t{gridDim.x} * blockDim.x;
  for (int64_t i = int64_t{blockIdx.x} * blockDim.x + threadIdx.x; i < n; i += stride) {
    const float g = mask ? __fmul_rn(dout[i], static_cast<float>(mask[i])) : dout[i];
    dx[i] = __fmul_rn(g, f);
  }
}

}  // namespace

void LaunchActivationGrad(ActGradKind kind, ActGradParams p, FloatData in, FloatData dout,
                          void* dx, int64_t n, cudaStream_t s) {
  if (n == 0) return;
  switch (kind) {
    case ActGradKind::kRelu: return Launch<ActGradKind::kRelu>(p, in, dout, dx, n, s);
    case ActGradKind::kRelu6: return Launch<ActGradKind::kRelu6>(p, in, dout, dx, n, s);
    case ActGradKind::kSigmoid: return Launch<ActGradKind::kSigmoid>(p, in, dout, dx, n, s);
    case ActGradKind::kHardSigmoid:
      return Launch<ActGradKind::kHardSigmoid>(p, in, dout, dx, n, s);
    case ActGradKind::kHardSwish: return Launch<ActGradKind::kHardSwish>(p, in, dout, dx, n, s);
  }
}

void LaunchSoftmaxGrad(const float* out, const float* dout, float* dx, int64_t outer, int64_t n,
                       int64_t inner, cudaStream_t s) {
  if (outer == 0 || n == 0 || inner == 0) return;
  if (inner > 1) {
    ColumnsKernel<<<LaunchBlocks(outer * inner), kLaunchThreads, 0, s>>>(out, dout, dx, outer, n,
                                                                         inner);
  } else if (n <= kWarpRowLimit) {
    WarpRowsKernel<<<CappedBlocks((outer + kRowsPerBlock - 1) / kRowsPerBlock),
                     kRowsPerBlock * kWarpSize, 0, s>>>(out, dout, dx, outer, n);
  } else {
    BlockRowsKernel<<<CappedBlocks(outer), kBlockRowThreads, 0, s>>>(out, dout, dx, outer, n);
  }
}

void LaunchDropoutGrad(const uint8_t* mask, const float* dout, float* dx, float factor,
                       int64_t n, cudaStream_t s) {
  if (n == 0) return;
  DropoutGradKernel<<<LaunchBlocks(n), kLaunchThreads, 0, s>>>(mask, dout, dx, factor, n);
}

}  // namespace pd::cuda
