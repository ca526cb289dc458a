// The element-wise gradients' reduction to an operand's shape, sum and fill_constant.
//
// The reduction is deterministic: every partial sum has a fixed place and order, chosen from the
// shape alone. When the operand's elements are the output's innermost (a bias [C] of [N, C]),
// one thread sums each element's terms in the CPU's order, coalesced across the threads; when
// they are not (a bias [C] of [N, C, H, W], a scalar), a block sums each element's terms in a
// fixed tree. Few long sums are split into chunks whose partial sums a second pass adds up.
#include <algorithm>
#include <cstdint>

#include "cuda/det_reduce.cuh"
#include "cuda/grad_launch.h"
#include "cuda/launchers.h"

namespace pd::cuda {
namespace {

// Offset of index i of a row-major array of sizes `size` in memory laid out with `stride`.
__device__ __forceinline__ int64_t Offset(int64_t i, int rank, const int64_t* size,
                                          const int64_t* stride) {
  if (rank == 0) return 0;
  int64_t off = 0;
  for (int d = rank - 1; d > 0; --d) {
    off += (i % size[d]) * stride[d];
    i /= size[d];
  }
  return off + i * stride[0];
}

__device__ __forceinline__ float Term(const float* dout, const float* x, float sign, int64_t e) {
  return __fmul_rn(dout[e], x != nullptr ? x[e] : sign);
}

struct Geometry {
  bool columns;  // a thread per operand element (and chunk), else a block
  int threads;
  int64_t chunks, chunk_len;
};

Geometry GeometryOf(const ReducePlan& p) {
  const int64_t kept = p.kept, m = p.reduced;
  Geometry g{p.inner_kept, kLaunchThreads, 1, m};
  if (g.columns) {
    constexpr int64_t kTargetThreads = int64_t{1} << 16, kMinChunk = 32;
    if (kept < kTargetThreads)
      g.chunks = std::min(kTargetThreads / kept, (m + kMinChunk - 1) / kMinChunk);
  } else {
    constexpr int64_t kTargetBlocks = 1024, kMinPerThread = 8;
    g.threads = m >= kLaunchThreads ? kLaunchThreads
                                    : static_cast<int>((m + kWarpSize - 1) / kWarpSize * kWarpSize);
    if (kept < kTargetBlocks) {
      const int64_t per_chunk = int64_t{g.threads} * kMinPerThread;
      g.chunks = std::min(kTargetBlocks / kept, (m + per_chunk - 1) / per_chunk);
    }
  }
  if (g.chunks < 1) g.chunks = 1;
  g.chunk_len = (m + g.chunks - 1) / g.chunks;
  return g;
}

// out[c * kept + j]: the sum of chunk c of element j's terms (g itself when there is one chunk).
__global__ void ColumnsKernel(ReducePlan p, const float* dout, const float* x, float sign,
                              float* out, int64_t chunks, int64_t chunk_len) {
  const int64_t total = p.kept * chunks;
  const int64_t stride = int64_t{gridDim.x} * blockDim.x;
  for (int64_t t = int64_t{blockIdx.x} * blockDim.x + threadIdx.x; t < total; t += stride) {
    const int64_t j = t % p.kept, c = t / p.kept;
    const int64_t base = Offset(j, p.kept_rank, p.kept_size, p.kept_stride);
    const int64_t begin = c * chunk_len;
    const int64_t end = begin + chunk_len < p.reduced ? begin + chunk_len : p.reduced;
    float acc = 0.0f;
    for (int64_t r = begin; r < end; ++r) {
      const int64_t e = base + Offset(r, p.reduced_rank, p.reduced_size, p.reduced_stride);
      acc = __fadd_rn(acc, Term(dout, x, sign, e));
    }
    out[t] = acc;
  }
}

__global__ void RowsKernel(ReducePlan p, const float* dout, const float* x, float sign,
                           float* out, int64_t chunks, int64_t chunk_len) {
  __shared__ float scratch[kWarpSize];
  const int64_t total = p.kept * chunks;
  for (int64_t b = blockIdx.x; b < total; b += gridDim.x) {
    const int64_t j = b % p.kept, c = b / p.kept;
    const int64_t base = Offset(j, p.kept_rank, p.kept_size, p.kept_stride);
    const int64_t begin = c * chunk_len;
    const int64_t end = begin + chunk_len < p.reduced ? begin + chunk_len : p.reduced;
    float acc = 0.0f;
    for (int64_t r = begin + threadIdx.x; r < end; r += blockDim.x) {
      const int64_t e = base + Offset(r, p.reduced_rank, p.reduced_size, p.reduced_stride);
      acc = __fadd_rn(acc, Term(dout, x, sign, e));
    }
    acc = BlockReduce<false>(acc, scratch, 0.0f);
    if (threadIdx.x == 0) out[b] = acc;
  }
}

// g[j] = the chunks' partial sums of element j, in chunk order.
__global__ void ChunksKernel(const float* partial, float* g, int64_t kept, int64_t chunks) {
  const int64_t stride = int64_t{gridDim.x} * blockDim.x;
  for (int64_t j = int64_t{blockIdx.x} * blockDim.x + threadIdx.x; j < kept; j += stride) {
    float acc = 0.0f;
    for (int64_t c = 0; c < chunks; ++c) acc = __fadd_rn(acc, partial[c * kept + j]);
    g[j] = acc;
  }
}

unsigned CappedBlocks(int64_t blocks) {
  return static_cast<unsigned>(blocks < 1 ? 1 : blocks > 65535 * 8 ? 65535 * 8 : blocks);
}

struct SumBatch {
  int count;
  const float* ptr[kMaxSumInputs];
};

// out[i] = acc[i] (or the first input) + the batch's inputs; out may be acc or an input, each
// element being read before it is written.
__global__ void SumKernel(SumBatch b, const float* acc_in, float* out, int64_t n) {
  const int64_t stride = int64_t{gridDim.x} * blockDim.x;
  for (int64_t i = int64_t{blockIdx.x} * blockDim.x + threadIdx.x; i < n; i += stride) {
    int k = 0;
    float acc;
    if (acc_in != nullptr) {
      acc = acc_in[i];
    } else {
      acc = b.ptr[0][i];
      k = 1;
    }
    for (; k < b.count; ++k) acc = __fadd_rn(acc, b.ptr[k][i]);
    out[i] = acc;
  }
}

template <typename T>
__global__ void FillKernel(T* out, T value, int64_t n) {
  const int64_t stride = int64_t{gridDim.x} * blockDim.x;
  for (int64_t i = int64_t{blockIdx.x} * blockDim.x + threadIdx.x; i < n; i += stride)
    out[i] = value;
}

}  // namespace

int64_t ReduceGradScratch(const ReducePlan& plan) {
  const Geometry g = GeometryOf(plan);
  return g.chunks > 1 ? g.chunks * plan.kept : 0;
}

void LaunchReduceGrad(const ReducePlan& plan, const float* dout, const float* x, float sign,
                      float* g, float* scratch, cudaStream_t s) {
  if (plan.kept == 0) return;
  const Geometry geo = GeometryOf(plan);
  float* out = geo.chunks > 1 ? scratch : g;
  const int64_t total = plan.kept * geo.chunks;
  if (geo.columns) {
    ColumnsKernel<<<LaunchBlocks(total), kLaunchThreads, 0, s>>>(plan, dout, x, sign, out,
                                                                 geo.chunks, geo.chunk_len);
  } else {
    RowsKernel<<<CappedBlocks(total), geo.threads, 0, s>>>(plan, dout, x, sign, out, geo.chunks,
                                                           geo.chunk_len);
  }
  if (geo.chunks > 1) {
    ChunksKernel<<<LaunchBlocks(plan.kept), kLaunchThreads, 0, s>>>(scratch, g, plan.kept,
                                                                    geo.chunks);
  }
}

void LaunchSum(const float* const* inputs, int count, float* out, float* scratch, int64_t n,
               cudaStream_t s) {
  if (n == 0 || count == 0) return;
  const float* acc = nullptr;
  for (int k = 0; k < count;) {
    SumBatch b{};  // zeros past count: nothing stale in the launch's arguments
    b.count = count - k < kMaxSumInputs ? count - k : kMaxSumInputs;
    for (int i = 0; i < b.count; ++i) b.ptr[i] = inputs[k + i];
    k += b.count;
    float* dst = k == count ? out : scratch;
    SumKernel<<<LaunchBlocks(n), kLaunchThreads, 0, s>>>(b, acc, dst, n);
    acc = scratch;
  }
}

template <typename T>
void LaunchFill(T* out, T value, int64_t n, cudaStream_t s) {
  if (n == 0) return;
  FillKernel<T><<<LaunchBlocks(n), kLaunchThreads, 0, s>>>(out, value, n);
}

template void LaunchFill<float>(float*, float, int64_t, cudaStream_t);
template void LaunchFill<double>(double*, double, int64_t, cudaStream_t);
template void LaunchFill<int32_t>(int32_t*, int32_t, int64_t, cudaStream_t);
template void LaunchFill<int64_t>(int64_t*, int64_t, int64_t, cudaStream_t);

}  // namespace pd::cuda
