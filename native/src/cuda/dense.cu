#include <cfloat>
#include <type_traits>

#include "cuda/bf16_math.cuh"
#include "cuda/channel_cursor.h"
#include "cuda/dense_launch.h"

namespace pd::cuda {
namespace {

constexpr int kBlock = 256;

unsigned GridFor(int64_t n) {
  const int64_t blocks = (n + kBlock - 1) / kBlock;
  return static_cast<unsigned>(blocks < 1 ? 1 : (blocks > 65535 * 16 ? 65535 * 16 : blocks));
}

__device__ __forceinline__ float Apply(Act act, float x, float alpha, float beta) {
  switch (act) {
    case Act::kNone: return x;
    case Act::kRelu: return x > 0.f ? x : 0.f;
    case Act::kLeakyRelu: return x > 0.f ? x : x * alpha;
    case Act::kRelu6: return fminf(fmaxf(x, alpha), beta);
    case Act::kSigmoid: return 1.f / (1.f + expf(-x));
    case Act::kTanh: return tanhf(x);
    case Act::kSwish: return x / (1.f + expf(-alpha * x));
    case Act::kHardSwish: return x * fminf(fmaxf(alpha * x + beta, 0.f), 1.f);
  }
  return x;
}

// One thread per element; the channel of element i is (i / inner) % channels.
__global__ void BiasActivationKernel(float* y, const float* bias, const float* residual,
                                     int64_t n, int64_t channels, int64_t inner, Act act,
                                     float alpha, float beta) {
  const int64_t step = int64_t(gridDim.x) * blockDim.x;
  int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  if (i >= n) return;
  for (ChannelCursor at(i, step, inner, channels); i < n; i += step, at.Advance()) {
    float v = y[i];
    if (bias != nullptr) v += bias[at.c];
    if (residual != nullptr) v += residual[i];
    y[i] = Apply(act, v, alpha, beta);
  }
}

// The input cells [begin, end) of output cell o along one axis and the padded window size, as
// kernels/pool_shape.cc's WindowSpan.
struct Span {
  int64_t begin, end, padded;
};
__device__ __forceinline__ Span WindowSpan(const PoolArgs& a, int axis, int64_t o, int64_t in,
                                           int64_t out) {
  if (a.adaptive) {
    const int64_t b = o * in / out, e = ((o + 1) * in + out - 1) / out;
    return {b, e, e - b};
  }
  const int64_t b = o * a.stride[axis] - a.pad_begin[axis];
  const int64_t e = min(b + a.k[axis], in + a.pad_begin[axis]);
  return {max(b, int64_t(0)), min(e, in), e - b};
}

// One thread per output element. TX, TY: how x and y are stored.
template <typename TX, typename TY>
__global__ void Pool2dKernel(const TX* x, TY* y, PoolArgs a) {
  const int64_t total = a.n * a.c * a.out_h * a.out_w;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total;
       i += int64_t(gridDim.x) * blockDim.x) {
    int64_t n, c, oh, ow;
    if (a.nhwc) {
      c = i % a.c;
      ow = i / a.c % a.out_w;
      oh = i / (a.c * a.out_w) % a.out_h;
      n = i / (a.c * a.out_w * a.out_h);
    } else {
      ow = i % a.out_w;
      oh = i / a.out_w % a.out_h;
      c = i / (a.out_w * a.out_h) % a.c;
      n = i / (a.out_w * a.out_h * a.c);
    }
    const Span hs = WindowSpan(a, 0, oh, a.in_h, a.out_h);
    const Span ws = WindowSpan(a, 1, ow, a.in_w, a.out_w);
    const int64_t plane = a.in_h * a.in_w;
    const TX* xc = a.nhwc ? x + n * plane * a.c + c : x + (n * a.c + c) * plane;
    const int64_t step = a.nhwc ? a.c : 1;
    float acc = a.max ? -FLT_MAX : 0.f;
    for (int64_t h = hs.begin; h < hs.end; ++h)
      for (int64_t w = ws.begin; w < ws.end; ++w) {
        const float v = Widen(xc[(h * a.in_w + w) * step]);
        acc = a.max ? fmaxf(acc, v) : acc + v;
      }
    if (!a.max) {
      const int64_t count = a.exclusive || a.adaptive ? (hs.end - hs.begin) * (ws.end - ws.begin)
                                                      : hs.padded * ws.padded;
      acc /= static_cast<float>(count);
    }
    StoreAs(acc, y + i);
  }
}

// Global pooling of large planes (ResNet's 7x7 average is small, but 2048 channels x batch):
// one warp per (n, c) plane of an NCHW tensor, a shuffle reduction. The warps stride over the
// planes: the grid is capped (GridFor), a batch's planes are not. A warp's lanes take the same
// path, so the shuffle sees all 32.
template <typename TX>
__global__ void GlobalPoolKernel(const TX* x, float* y, int64_t planes, int64_t plane,
                                 bool max) {
  const int lane = threadIdx.x % 32;
  const int64_t warps = int64_t(gridDim.x) * blockDim.x / 32;
  for (int64_t warp = (blockIdx.x * int64_t(blockDim.x) + threadIdx.x) / 32; warp < planes;
       warp += warps) {
    const TX* p = x + warp * plane;
    float acc = max ? -FLT_MAX : 0.f;
    for (int64_t i = lane; i < plane; i += 32) {
      const float v = Widen(p[i]);
      acc = max ? fmaxf(acc, v) : acc + v;
    }
    for (int off = 16; off > 0; off /= 2) {
      const float o = __shfl_down_sync(0xffffffffu, acc, off);
      acc = max ? fmaxf(acc, o) : acc + o;
    }
    if (lane == 0) y[warp] = max ? acc : acc / static_cast<float>(plane);
  }
}

__global__ void PadImageKernel(const float* x, float* y, int64_t total, int64_t h, int64_t w,
                               int64_t top, int64_t left, int64_t out_h, int64_t out_w) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total;
       i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t col = i % w, row = i / w % h, plane = i / (w * h);
    y[(plane * out_h + row + top) * out_w + col + left] = x[i];
  }
}

__global__ void BatchNormKernel(const float* x, float* y, const float* scale, const float* bias,
                                const float* mean, const float* var, float eps, bool relu,
                                int64_t n, int64_t channels, int64_t inner) {
  const int64_t step = int64_t(gridDim.x) * blockDim.x;
  int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  if (i >= n) return;
  for (ChannelCursor at(i, step, inner, channels); i < n; i += step, at.Advance()) {
    const int64_t c = at.c;
    // The CPU's folding: a = scale/√(var+ε), b = bias − mean·a, y = x·a + b.
    const float a = scale[c] * (1.0f / sqrtf(var[c] + eps));
    const float v = x[i] * a + (bias[c] - mean[c] * a);
    y[i] = relu && !(v > 0.0f) ? 0.0f : v;
  }
}

__global__ void InverseStdKernel(const float* var, float* out, float eps, int64_t channels) {
  const int64_t c = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  if (c < channels) out[c] = 1.0f / sqrtf(var[c] + eps);
}

}  // namespace

void LaunchBiasActivation(float* y, const float* bias, const float* residual, int64_t outer,
                          int64_t channels, int64_t inner, Act act, float alpha, float beta,
                          cudaStream_t stream) {
  const int64_t n = outer * channels * inner;
  if (n == 0 || (bias == nullptr && residual == nullptr && act == Act::kNone)) return;
  BiasActivationKernel<<<GridFor(n), kBlock, 0, stream>>>(y, bias, residual, n, channels, inner,
                                                          act, alpha, beta);
}

void LaunchPadImage(const float* x, float* y, int64_t planes, int64_t h, int64_t w, int64_t top,
                    int64_t left, int64_t out_h, int64_t out_w, cudaStream_t stream) {
  const int64_t total = planes * h * w;
  if (total == 0) return;
  PadImageKernel<<<GridFor(total), kBlock, 0, stream>>>(x, y, total, h, w, top, left, out_h,
                                                        out_w);
}

template <typename TX, typename TY>
void Pool2d(const void* xv, void* yv, const PoolArgs& a, cudaStream_t stream) {
  const int64_t total = a.n * a.c * a.out_h * a.out_w;
  const TX* x = static_cast<const TX*>(xv);
  TY* y = static_cast<TY*>(yv);
  const bool whole_plane = a.adaptive || (a.k[0] == a.in_h && a.k[1] == a.in_w &&
                                           a.pad_begin[0] == 0 && a.pad_begin[1] == 0);
  const bool global = !a.nhwc && a.out_h == 1 && a.out_w == 1 && whole_plane;
  if constexpr (std::is_same_v<TY, float>) {
    if (global && a.in_h * a.in_w >= 32) {
      const int64_t planes = a.n * a.c;
      GlobalPoolKernel<TX><<<GridFor(planes * 32), kBlock, 0, stream>>>(
          x, y, planes, a.in_h * a.in_w, a.max);
      return;
    }
  }
  Pool2dKernel<TX, TY><<<GridFor(total), kBlock, 0, stream>>>(x, y, a);
}

void LaunchPool2d(FloatData x, void* y, bool y_bf16, const PoolArgs& a, cudaStream_t stream) {
  if (a.n * a.c * a.out_h * a.out_w == 0) return;
  if (!x.bf16) return Pool2d<float, float>(x.data, y, a, stream);
  if (y_bf16) return Pool2d<uint16_t, uint16_t>(x.data, y, a, stream);
  Pool2d<uint16_t, float>(x.data, y, a, stream);
}

void LaunchBatchNormInference(const float* x, float* y, const float* scale, const float* bias,
                              const float* mean, const float* var, float epsilon, bool relu,
                              int64_t outer, int64_t channels, int64_t inner,
                              cudaStream_t stream) {
  const int64_t n = outer * channels * inner;
  if (n == 0) return;
  BatchNormKernel<<<GridFor(n), kBlock, 0, stream>>>(x, y, scale, bias, mean, var, epsilon, relu,
                                                     n, channels, inner);
}

void LaunchInverseStd(const float* var, float* inv_std, float epsilon, int64_t channels,
                      cudaStream_t stream) {
  if (channels == 0) return;
  InverseStdKernel<<<GridFor(channels), kBlock, 0, stream>>>(var, inv_std, epsilon, channels);
}

}  // namespace pd::cuda
