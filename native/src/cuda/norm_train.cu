#include <algorithm>

#include "cuda/norm_train_launch.h"

namespace pd::cuda {
namespace {

// Plain layouts (inner > 1) sum along each channel's contiguous runs, one block per channel and
// part; channels-last (inner == 1) puts 32 adjacent channels across a warp so that reads stay
// coalesced, rows split over the block's other threads.
constexpr int kPlaneThreads = 256;
constexpr int64_t kPlaneChunk = 16384;  // elements of one channel per block
constexpr int kTileChannels = 32, kTileRows = 8;
constexpr int64_t kTileChunk = 512;  // rows per block
// Each channel's parts are added one after another by one thread, so their number stays small.
constexpr int64_t kMaxParts = 1024;
constexpr int kBlock = 256;

struct Split {
  int64_t parts, chunk;
  bool tile;
};

Split SplitOf(const ChannelShape& s) {
  const bool tile = s.inner == 1;
  const int64_t m = tile ? s.outer : s.outer * s.inner;
  const int64_t want = tile ? kTileChunk : kPlaneChunk;
  const int64_t parts = std::clamp<int64_t>((m + want - 1) / want, 1, kMaxParts);
  return {parts, (m + parts - 1) / parts, tile};
}

unsigned GridFor(int64_t n) {
  return static_cast<unsigned>(std::clamp<int64_t>((n + kBlock - 1) / kBlock, 1, 65535 * 16));
}

// Index arithmetic is done in I: int where the tensor allows (a 64-bit integer division costs
// several times a 32-bit one, and these kernels divide per element), else int64_t.
bool Narrow(const ChannelShape& s) {
  return s.outer * s.channels * s.inner < (int64_t(1) << 31) - int64_t(65535) * 16 * kBlock;
}

// A Term adds element i (of channel c) into the two running sums a and b.
template <typename I, class Term>
__global__ void PlaneSumKernel(Term term, ChannelShape s, int64_t chunk, int64_t parts,
                               double* partial) {
  const I c = blockIdx.x, p = blockIdx.y, inner = I(s.inner), channels = I(s.channels);
  const int t = threadIdx.x;
  const I end = I(min((p + 1) * chunk, s.outer * s.inner));
  double a = 0, b = 0;
  for (I j = I(p * chunk) + t; j < end; j += kPlaneThreads) {
    const I o = j / inner;
    term((o * channels + c) * inner + (j - o * inner), c, a, b);
  }
  __shared__ double sa[kPlaneThreads], sb[kPlaneThreads];
  sa[t] = a;
  sb[t] = b;
  __syncthreads();
  for (int w = kPlaneThreads / 2; w > 0; w /= 2) {
    if (t < w) {
      sa[t] += sa[t + w];
      sb[t] += sb[t + w];
    }
    __syncthreads();
  }
  if (t == 0) {
    partial[(c * parts + p) * 2] = sa[0];
    partial[(c * parts + p) * 2 + 1] = sb[0];
  }
}

template <class Term>
__global__ void TileSumKernel(Term term, ChannelShape s, int64_t chunk, int64_t parts,
                              double* partial) {
  const int tx = threadIdx.x, ty = threadIdx.y;
  const int64_t c = int64_t(blockIdx.x) * kTileChannels + tx, p = blockIdx.y;
  const int64_t end = min((p + 1) * chunk, s.outer);
  double a = 0, b = 0;
  if (c < s.channels)
    for (int64_t o = p * chunk + ty; o < end; o += kTileRows) term(o * s.channels + c, c, a, b);
  __shared__ double sa[kTileRows][kTileChannels], sb[kTileRows][kTileChannels];
  sa[ty][tx] = a;
  sb[ty][tx] = b;
  __syncthreads();
  if (ty != 0 || c >= s.channels) return;
  a = b = 0;
  for (int r = 0; r < kTileRows; ++r) {
    a += sa[r][tx];
    b += sb[r][tx];
  }
  partial[(c * parts + p) * 2] = a;
  partial[(c * parts + p) * 2 + 1] = b;
}

// Adds each channel's parts in order and hands the two sums to finish.
template <class Finish>
__global__ void FinishKernel(Finish finish, const double* partial, int64_t parts,
                             int64_t channels) {
  const int64_t c = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  if (c >= channels) return;
  double a = 0, b = 0;
  for (int64_t p = 0; p < parts; ++p) {
    a += partial[(c * parts + p) * 2];
    b += partial[(c * parts + p) * 2 + 1];
  }
  finish(c, a, b);
}

template <class Term, class Finish>
void ChannelSums(const Term& term, const Finish& finish, const ChannelShape& s, double* scratch,
                 cudaStream_t stream) {
  const Split sp = SplitOf(s);
  if (sp.tile) {
    const dim3 grid(static_cast<unsigned>((s.channels + kTileChannels - 1) / kTileChannels),
                    static_cast<unsigned>(sp.parts));
    TileSumKernel<<<grid, dim3(kTileChannels, kTileRows), 0, stream>>>(term, s, sp.chunk,
                                                                       sp.parts, scratch);
  } else {
    const dim3 grid(static_cast<unsigned>(s.channels), static_cast<unsigned>(sp.parts));
    if (Narrow(s)) {
      PlaneSumKernel<int><<<grid, kPlaneThreads, 0, stream>>>(term, s, sp.chunk, sp.parts, scratch);
    } else {
      PlaneSumKernel<int64_t>
          <<<grid, kPlaneThreads, 0, stream>>>(term, s, sp.chunk, sp.parts, scratch);
    }
  }
  FinishKernel<<<GridFor(s.channels), kBlock, 0, stream>>>(finish, scratch, sp.parts, s.channels);
}

// The float arithmetic below is spelled with _rn intrinsics where the CPU kernel's expression
// could otherwise be contracted into a fused multiply-add, which the CPU build does not do.

struct SumX {
  const float* x;
  __device__ void operator()(int64_t i, int64_t, double& a, double&) const { a += x[i]; }
};

// The deviation is a float difference widened afterwards, as on the CPU.
struct SquaredDeviation {
  const float *x, *mean;
  __device__ void operator()(int64_t i, int64_t c, double& a, double&) const {
    const double d = x[i] - mean[c];
    a += d * d;
  }
};

struct GradTerms {
  const float *x, *dy, *mean, *inv_std;
  __device__ void operator()(int64_t i, int64_t c, double& a, double& b) const {
    a += dy[i];
    b += __fmul_rn(__fmul_rn(dy[i], x[i] - mean[c]), inv_std[c]);
  }
};

struct MeanOf {
  float* mean;
  double count;
  __device__ void operator()(int64_t c, double sum, double) const {
    mean[c] = static_cast<float>(sum / count);
  }
};

// The second pass's finish: the running statistics, the saved ones, and the per-channel affine
// map y = x·a + b with a = scale/√(var+ε), b = bias − mean·a, as the CPU folds it.
struct StatsOf {
  BatchNormTrainOut out;
  const float *scale, *bias, *run_mean, *run_var, *mean;
  float *a, *b;
  float eps, momentum;
  double count;
  __device__ void operator()(int64_t c, double squares, double) const {
    const float m = mean[c], var = static_cast<float>(squares / count);
    // Read before the writes: the running statistics usually alias MeanOut and VarianceOut.
    const float run_m = run_mean[c], run_v = run_var[c];
    const float inv_std = 1.0f / sqrtf(__fadd_rn(var, eps));
    const float ac = __fmul_rn(scale[c], inv_std);
    a[c] = ac;
    b[c] = __fsub_rn(bias[c], __fmul_rn(m, ac));
    const float keep = 1.0f - momentum;
    if (out.mean_out) out.mean_out[c] = __fadd_rn(__fmul_rn(run_m, momentum), __fmul_rn(m, keep));
    if (out.var_out) out.var_out[c] = __fadd_rn(__fmul_rn(run_v, momentum), __fmul_rn(var, keep));
    if (out.saved_mean) out.saved_mean[c] = m;
    if (out.saved_inv_std) out.saved_inv_std[c] = inv_std;
  }
};

template <typename I>
__global__ void NormalizeKernel(const float* x, const float* a, const float* b, I total,
                                I channels, I inner, float* y) {
  for (I i = blockIdx.x * I(blockDim.x) + threadIdx.x; i < total; i += I(gridDim.x) * blockDim.x) {
    const I c = (i / inner) % channels;
    y[i] = __fadd_rn(__fmul_rn(x[i], a[c]), b[c]);
  }
}

struct GradSumsOf {
  double *dbias, *dscale;
  float *dbias_out, *dscale_out;
  __device__ void operator()(int64_t c, double a, double b) const {
    if (dbias) dbias[c] = a;
    if (dscale) dscale[c] = b;
    if (dbias_out) dbias_out[c] = static_cast<float>(a);
    if (dscale_out) dscale_out[c] = static_cast<float>(b);
  }
};

// scale·inv_std/N·(N·dy − dbias − x̂·dscale), spelled scale·inv_std·(dy − (dbias + x̂·dscale)/N)
// with 1/N precomputed: a double division per element would cost more than the memory traffic.
template <typename I>
__global__ void GradInputKernel(const float* x, const float* dy, const float* scale,
                                const float* mean, const float* inv_std, const double* dbias,
                                const double* dscale, bool running, I total, I channels, I inner,
                                double inv_count, float* dx) {
  for (I i = blockIdx.x * I(blockDim.x) + threadIdx.x; i < total; i += I(gridDim.x) * blockDim.x) {
    const I c = (i / inner) % channels;
    const double k = static_cast<double>(scale[c]) * inv_std[c];
    if (running) {
      dx[i] = static_cast<float>(dy[i] * k);
      continue;
    }
    const double xhat = __fmul_rn(x[i] - mean[c], inv_std[c]);
    dx[i] = static_cast<float>(k * (dy[i] - (dbias[c] + xhat * dscale[c]) * inv_count));
  }
}

}  // namespace

int64_t ChannelSumScratch(const ChannelShape& s) { return SplitOf(s).parts * s.channels * 2; }

void LaunchBatchNormTrain(const float* x, const float* scale, const float* bias,
                          const float* run_mean, const float* run_var, float epsilon,
                          float momentum, const ChannelShape& s, double* scratch,
                          float* channel_scratch, const BatchNormTrainOut& out,
                          cudaStream_t stream) {
  if (s.channels == 0) return;
  float* mean = channel_scratch;
  float* a = channel_scratch + s.channels;
  float* b = channel_scratch + 2 * s.channels;
  const double count = static_cast<double>(s.outer * s.inner);
  // Two passes as on the CPU: the mean first, then the squared deviations from it.
  ChannelSums(SumX{x}, MeanOf{mean, count}, s, scratch, stream);
  ChannelSums(SquaredDeviation{x, mean},
              StatsOf{out, scale, bias, run_mean, run_var, mean, a, b, epsilon, momentum, count},
              s, scratch, stream);
  const int64_t total = s.outer * s.channels * s.inner;
  if (total == 0) return;
  if (Narrow(s)) {
    NormalizeKernel<int><<<GridFor(total), kBlock, 0, stream>>>(
        x, a, b, int(total), int(s.channels), int(s.inner), out.y);
  } else {
    NormalizeKernel<int64_t><<<GridFor(total), kBlock, 0, stream>>>(x, a, b, total, s.channels,
                                                                   s.inner, out.y);
  }
}

void LaunchBatchNormGradSums(const float* x, const float* dy, const float* mean,
                             const float* inv_std, const ChannelShape& s, double* scratch,
                             double* dbias, double* dscale, float* dbias_out, float* dscale_out,
                             cudaStream_t stream) {
  if (s.channels == 0) return;
  ChannelSums(GradTerms{x, dy, mean, inv_std}, GradSumsOf{dbias, dscale, dbias_out, dscale_out},
              s, scratch, stream);
}

void LaunchBatchNormGradInput(const float* x, const float* dy, const float* scale,
                              const float* mean, const float* inv_std, const double* dbias,
                              const double* dscale, bool running, const ChannelShape& s,
                              float* dx, cudaStream_t stream) {
  const int64_t total = s.outer * s.channels * s.inner;
  if (total == 0) return;
  const double inv_count = 1.0 / static_cast<double>(s.outer * s.inner);
  if (Narrow(s)) {
    GradInputKernel<int><<<GridFor(total), kBlock, 0, stream>>>(
        x, dy, scale, mean, inv_std, dbias, dscale, running, int(total), int(s.channels),
        int(s.inner), inv_count, dx);
  } else {
    GradInputKernel<int64_t><<<GridFor(total), kBlock, 0, stream>>>(
        x, dy, scale, mean, inv_std, dbias, dscale, running, total, s.channels, s.inner,
        inv_count, dx);
  }
}

}  // namespace pd::cuda
