#include <algorithm>

#include <cstdint>
#include <type_traits>

#include "cuda/bf16_math.cuh"
#include "cuda/channel_cursor.h"
#include "cuda/det_reduce.cuh"
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

// W consecutive floats, loaded and stored as one access when W is 4. The element-wise kernels
// below run with W = 4 when a channel's run (inner) is a multiple of 4, so the 4 floats of an
// access share a channel (the engine's allocations are 256-byte aligned).
template <int W>
struct Floats {
  float v[W];
  __device__ static Floats Load(const float* p) {
    Floats f;
    if constexpr (W == 4) {
      const float4 q = *reinterpret_cast<const float4*>(p);
      f.v[0] = q.x, f.v[1] = q.y, f.v[2] = q.z, f.v[3] = q.w;
    } else {
      for (int j = 0; j < W; ++j) f.v[j] = p[j];
    }
    return f;
  }
  // The same from bfloat16 storage: 4 values are one 8-byte access.
  __device__ static Floats Load(const uint16_t* p) {
    Floats f;
    if constexpr (W == 4) {
      const uint2 q = *reinterpret_cast<const uint2*>(p);
      f.v[0] = Widen(static_cast<uint16_t>(q.x & 0xffffu));
      f.v[1] = Widen(static_cast<uint16_t>(q.x >> 16));
      f.v[2] = Widen(static_cast<uint16_t>(q.y & 0xffffu));
      f.v[3] = Widen(static_cast<uint16_t>(q.y >> 16));
    } else {
      for (int j = 0; j < W; ++j) f.v[j] = Widen(p[j]);
    }
    return f;
  }
  __device__ void Store(float* p) const {
    if constexpr (W == 4) {
      *reinterpret_cast<float4*>(p) = make_float4(v[0], v[1], v[2], v[3]);
    } else {
      for (int j = 0; j < W; ++j) p[j] = v[j];
    }
  }
  // Rounded to bfloat16.
  __device__ void Store(uint16_t* p) const {
    if constexpr (W == 4) {
      *reinterpret_cast<uint2*>(p) =
          make_uint2(RoundToBf16(v[0]) | (unsigned{RoundToBf16(v[1])} << 16),
                     RoundToBf16(v[2]) | (unsigned{RoundToBf16(v[3])} << 16));
    } else {
      for (int j = 0; j < W; ++j) p[j] = RoundToBf16(v[j]);
    }
  }
};

// A Term adds element i (of channel c) into the two running sums a and b.
template <class Term>
__global__ void PlaneSumKernel(Term term, ChannelShape s, int64_t chunk, int64_t parts,
                               double* partial) {
  const int64_t c = blockIdx.x, p = blockIdx.y;
  const int t = threadIdx.x;
  const int64_t end = min((p + 1) * chunk, s.outer * s.inner);
  // j runs over the channel's elements; at.c is the run (the outer index) j lies in.
  double a = 0, b = 0;
  ChannelCursor at(p * chunk + t, kPlaneThreads, s.inner, INT64_MAX);
  for (int64_t j = p * chunk + t; j < end; j += kPlaneThreads, at.Advance())
    term((at.c * s.channels + c) * s.inner + at.k, c, a, b);
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

// Adds each channel's parts, one block per channel in a fixed tree, and hands the two sums to
// finish. A channels-last tensor's channel has up to kMaxParts parts: one thread adding them in
// turn would wait on a thousand strided loads per batch norm, forward and backward.
constexpr int kFinishThreads = 128;

template <class Finish>
__global__ void FinishKernel(Finish finish, const double* partial, int64_t parts) {
  const int64_t c = blockIdx.x;
  double a = 0, b = 0;
  for (int64_t p = threadIdx.x; p < parts; p += kFinishThreads) {
    a += partial[(c * parts + p) * 2];
    b += partial[(c * parts + p) * 2 + 1];
  }
  __shared__ double scratch[kWarpSize];
  a = BlockReduce<false>(a, scratch, 0.0);
  b = BlockReduce<false>(b, scratch, 0.0);
  if (threadIdx.x == 0) finish(c, a, b);
}

template <class Term, class Finish>
void ChannelSums(const Term& term, const Finish& finish, const ChannelShape& s, double* scratch,
                 cudaStream_t stream) {
  const Split sp = SplitOf(s);
  if (sp.tile) {
    const dim3 grid(static_cast<unsigned>((s.channels + kTileChannels - 1) / kTileChannels),
                    static_cast<unsigned>(sp.parts));
    TileSumKernel<Term><<<grid, dim3(kTileChannels, kTileRows), 0, stream>>>(term, s, sp.chunk,
                                                                       sp.parts, scratch);
  } else {
    const dim3 grid(static_cast<unsigned>(s.channels), static_cast<unsigned>(sp.parts));
    PlaneSumKernel<Term><<<grid, kPlaneThreads, 0, stream>>>(term, s, sp.chunk, sp.parts, scratch);
  }
  FinishKernel<Finish><<<static_cast<unsigned>(s.channels), kFinishThreads, 0, stream>>>(
      finish, scratch, sp.parts);
}

// How the element-wise kernels below access memory: 4 floats at a time where every run of a
// channel is a multiple of 4 (along: the 4 share a channel), or where a channels-last tensor's
// channels are (across: the 4 are 4 consecutive channels), else one; the kernels then count
// total, channels and inner in those units.
struct Access {
  int width;
  bool across;
  int64_t total, channels, inner;
};

Access AccessOf(const ChannelShape& s) {
  const int64_t total = s.outer * s.channels * s.inner;
  if (s.inner % 4 == 0) return {4, false, total / 4, s.channels, s.inner / 4};
  if (s.inner == 1 && s.channels % 4 == 0) return {4, true, total / 4, s.channels / 4, 1};
  return {1, false, total, s.channels, s.inner};
}

// Launches kernel<W, kAcross, TX, TD> (TX, TD: how x and the other tensor, y or the gradients,
// are stored) as a says, with args before the sizes.
template <template <int, bool, typename, typename> class Kernel, typename TX, typename TD,
          typename... Args>
void LaunchElementwise(const Access& a, cudaStream_t stream, Args... args) {
  if (a.total == 0) return;
  const unsigned grid = GridFor(a.total);
  if (a.width == 1) {
    Kernel<1, false, TX, TD>::Launch(grid, stream, args..., a.total, a.channels, a.inner);
  } else if (a.across) {
    Kernel<4, true, TX, TD>::Launch(grid, stream, args..., a.total, a.channels, a.inner);
  } else {
    Kernel<4, false, TX, TD>::Launch(grid, stream, args..., a.total, a.channels, a.inner);
  }
}

// Calls f with x's data as the type it is stored in.
template <class F>
void WithStored(FloatData x, const F& f) {
  if (x.bf16) {
    f(static_cast<const uint16_t*>(x.data));
  } else {
    f(static_cast<const float*>(x.data));
  }
}

// The element type p points to.
template <typename P>
using Pointee = std::remove_const_t<std::remove_pointer_t<P>>;

// The float arithmetic below is spelled with _rn intrinsics where the CPU kernel's expression
// could otherwise be contracted into a fused multiply-add, which the CPU build does not do.

// One pass for both moments: Σx and Σx² in double, so E[x²] − E[x]² loses nothing that float
// data could show (the CPU's two passes agree to float rounding).
template <typename TX>
struct SumAndSquares {
  const TX* x;
  __device__ void operator()(int64_t i, int64_t, double& a, double& b) const {
    const double v = Widen(x[i]);
    a += v;
    b += v * v;
  }
};

template <typename TX, typename TD>
struct GradTerms {
  const TX* x;
  const TD* dy;
  const float *mean, *inv_std;
  __device__ void operator()(int64_t i, int64_t c, double& a, double& b) const {
    const float d = Widen(dy[i]);
    a += d;
    b += __fmul_rn(__fmul_rn(d, Widen(x[i]) - mean[c]), inv_std[c]);
  }
};

// The running statistics, the saved ones, and the per-channel affine map y = x·a + b with
// a = scale/√(var+ε), b = bias − mean·a, as the CPU folds it.
struct StatsOf {
  BatchNormTrainOut out;
  const float *scale, *bias, *run_mean, *run_var;
  float *a, *b;
  float eps, momentum;
  double count;
  __device__ void operator()(int64_t c, double sum, double squares) const {
    const double mean = sum / count;
    const float m = static_cast<float>(mean);
    const float var = static_cast<float>(fmax(squares / count - mean * mean, 0.0));
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

// y = x·a + b per channel, then max(y, 0) when relu (batch_norm's fuse_with_relu, a training
// program's batch_norm → relu fused by passes/relu_fuse.cc). y may be x. y is stored as x is:
// a bfloat16 x gives a bfloat16 y (rounded).
template <int W, bool kAcross, typename TX, typename TY>
__global__ void NormalizeKernel(const TX* x, const float* a, const float* b, bool relu,
                                TY* y, int64_t total, int64_t channels, int64_t inner) {
  const int64_t step = int64_t(gridDim.x) * blockDim.x;
  int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= total) return;
  ChannelCursor at(i, step, inner, channels);
  for (; i < total; i += step, at.Advance()) {
    Floats<W> v = Floats<W>::Load(x + i * W);
    for (int j = 0; j < W; ++j) {
      const int64_t c = kAcross ? at.c * W + j : at.c;
      const float r = __fadd_rn(__fmul_rn(v.v[j], a[c]), b[c]);
      v.v[j] = relu && !(r > 0.0f) ? 0.0f : r;
    }
    v.Store(y + i * W);
  }
}

template <int W, bool kAcross, typename TX, typename TY>
struct Normalize {
  template <typename... Args>
  static void Launch(unsigned grid, cudaStream_t stream, Args... args) {
    NormalizeKernel<W, kAcross, TX, TY><<<grid, kBlock, 0, stream>>>(args...);
  }
};

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
template <typename TX, typename TD>
struct GradInputArgs {
  const TX* x;
  const TD* dy;
  const float *scale, *mean, *inv_std;
  const double *dbias, *dscale;
  bool running;
  double inv_count;
  TD* dx;  // stored as dy is
};

template <int W, bool kAcross, typename TX, typename TD>
__global__ void GradInputKernel(GradInputArgs<TX, TD> g, int64_t total, int64_t channels,
                                int64_t inner) {
  const int64_t step = int64_t(gridDim.x) * blockDim.x;
  int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= total) return;
  ChannelCursor at(i, step, inner, channels);
  for (; i < total; i += step, at.Advance()) {
    const Floats<W> dy = Floats<W>::Load(g.dy + i * W);
    Floats<W> dx;
    Floats<W> x{};
    if (!g.running) x = Floats<W>::Load(g.x + i * W);
    for (int j = 0; j < W; ++j) {
      const int64_t c = kAcross ? at.c * W + j : at.c;
      const double k = static_cast<double>(g.scale[c]) * g.inv_std[c];
      if (g.running) {
        dx.v[j] = static_cast<float>(dy.v[j] * k);
        continue;
      }
      const double xhat = __fmul_rn(x.v[j] - g.mean[c], g.inv_std[c]);
      dx.v[j] = static_cast<float>(k * (dy.v[j] - (g.dbias[c] + xhat * g.dscale[c]) * g.inv_count));
    }
    dx.Store(g.dx + i * W);
  }
}

template <int W, bool kAcross, typename TX, typename TD>
struct GradInput {
  static void Launch(unsigned grid, cudaStream_t stream, GradInputArgs<TX, TD> g, int64_t total,
                     int64_t channels, int64_t inner) {
    GradInputKernel<W, kAcross, TX, TD><<<grid, kBlock, 0, stream>>>(g, total, channels, inner);
  }
};

}  // namespace

int64_t ChannelSumScratch(const ChannelShape& s) { return SplitOf(s).parts * s.channels * 2; }

void LaunchBatchNormTrain(FloatData x, const float* scale, const float* bias,
                          const float* run_mean, const float* run_var, float epsilon,
                          float momentum, bool relu, const ChannelShape& s, double* scratch,
                          float* channel_scratch, const BatchNormTrainOut& out,
                          cudaStream_t stream) {
  if (s.channels == 0) return;
  const float* a = channel_scratch;
  const float* b = channel_scratch + s.channels;
  const double count = static_cast<double>(s.outer * s.inner);
  WithStored(x, [&](const auto* xp) {
    using TX = Pointee<decltype(xp)>;
    ChannelSums(SumAndSquares<TX>{xp},
                StatsOf{out, scale, bias, run_mean, run_var, channel_scratch,
                        channel_scratch + s.channels, epsilon, momentum, count},
                s, scratch, stream);
    LaunchElementwise<Normalize, TX, TX>(AccessOf(s), stream, xp, a, b, relu,
                                         static_cast<TX*>(out.y));
  });
}

void LaunchBatchNormGradSums(FloatData x, FloatData dy, const float* mean,
                             const float* inv_std, const ChannelShape& s, double* scratch,
                             double* dbias, double* dscale, float* dbias_out, float* dscale_out,
                             cudaStream_t stream) {
  if (s.channels == 0) return;
  WithStored(x, [&](const auto* xp) {
    WithStored(dy, [&](const auto* dyp) {
      using Terms = GradTerms<Pointee<decltype(xp)>, Pointee<decltype(dyp)>>;
      ChannelSums(Terms{xp, dyp, mean, inv_std},
                  GradSumsOf{dbias, dscale, dbias_out, dscale_out}, s, scratch, stream);
    });
  });
}

void LaunchBatchNormGradInput(FloatData x, FloatData dy, const float* scale,
                              const float* mean, const float* inv_std, const double* dbias,
                              const double* dscale, bool running, const ChannelShape& s,
                              void* dx, cudaStream_t stream) {
  const double inv_count = 1.0 / static_cast<double>(s.outer * s.inner);
  WithStored(x, [&](const auto* xp) {
    WithStored(dy, [&](const auto* dyp) {
      using TX = Pointee<decltype(xp)>;
      using TD = Pointee<decltype(dyp)>;
      const GradInputArgs<TX, TD> g{xp,     dyp,     scale,     mean,
                                    inv_std, dbias, dscale, running,
                                    inv_count, static_cast<TD*>(dx)};
      LaunchElementwise<GradInput, TX, TD>(AccessOf(s), stream, g);
    });
  });
}

}  // namespace pd::cuda
