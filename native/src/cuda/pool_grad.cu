#include <algorithm>

#include "cuda/bf16_math.cuh"
#include "cuda/pool_grad_launch.h"

namespace pd::cuda {
namespace {

constexpr int kBlock = 256;

unsigned GridFor(int64_t n) {
  return static_cast<unsigned>(std::clamp<int64_t>((n + kBlock - 1) / kBlock, 1, 65535 * 16));
}

// Output cell o's input cells [begin, end) along one axis and its window clipped only to the
// padded border, as kernels/pool_shape.cc's WindowSpan.
// Index arithmetic is done in I: int where the tensors allow (integer division in 64 bits
// costs several times a 32-bit one, and these kernels divide per cell), else int64_t.
template <typename I>
struct Span {
  I begin, end, padded;
};
template <typename I>
__device__ Span<I> WindowSpan(const PoolArgs& a, int axis, I o, I in, I out) {
  if (a.adaptive) {
    const I b = o * in / out, e = ((o + 1) * in + out - 1) / out;
    return {b, e, e - b};
  }
  const I b = o * I(a.stride[axis]) - I(a.pad_begin[axis]);
  const I e = min(b + I(a.k[axis]), in + I(a.pad_begin[axis]));
  return {max(b, I(0)), min(e, in), e - b};
}

// Output cells [lo, hi] whose windows may hold input cell i along one axis; the caller still
// tests each against its span.
template <typename I>
__device__ void Covering(const PoolArgs& a, int axis, I i, I in, I out, I& lo, I& hi) {
  if (a.adaptive) {
    lo = i * out / in;
    hi = ((i + 1) * out + in - 1) / in - 1;
  } else {
    const I s = I(a.stride[axis]), first = i + I(a.pad_begin[axis]) - I(a.k[axis]) + 1;
    lo = first <= 0 ? 0 : (first + s - 1) / s;
    hi = (i + I(a.pad_begin[axis])) / s;
  }
  lo = max(lo, I(0));
  hi = min(hi, out - 1);
}

// The cell's offset in an [n, c, h, w] tensor of either layout.
template <typename I>
__device__ I Offset(const PoolArgs& a, I n, I c, I h, I w, I hs, I ws) {
  const I channels = I(a.c);
  return a.nhwc ? ((n * hs + h) * ws + w) * channels + c : ((n * channels + c) * hs + h) * ws + w;
}

// Cell i of an [n, c, h, w] tensor of either layout, split into its coordinates.
template <typename I>
__device__ void Coordinates(const PoolArgs& a, I i, I hs, I ws, I& n, I& c, I& h, I& w) {
  const I channels = I(a.c);
  if (a.nhwc) {
    c = i % channels;
    i /= channels;
    w = i % ws;
    i /= ws;
    h = i % hs;
    n = i / hs;
  } else {
    w = i % ws;
    i /= ws;
    h = i % hs;
    i /= hs;
    c = i % channels;
    n = i / channels;
  }
}

// One thread per output cell: the plane index h·in_w + w of its window's first cell equal to
// the output, or -1. TX, TY: how x and y are stored (a bfloat16 y holds one of x's values, so
// the two compare equal where they did in float32).
template <typename I, typename TX, typename TY>
__global__ void ArgmaxKernel(const TX* x, const TY* y, PoolArgs a, int32_t* argmax) {
  const I in_h = I(a.in_h), in_w = I(a.in_w), out_h = I(a.out_h), out_w = I(a.out_w);
  const I total = I(a.n) * I(a.c) * out_h * out_w;
  for (I i = blockIdx.x * I(blockDim.x) + threadIdx.x; i < total; i += I(gridDim.x) * blockDim.x) {
    I n, c, oh, ow;
    Coordinates(a, i, out_h, out_w, n, c, oh, ow);
    const Span<I> hs = WindowSpan(a, 0, oh, in_h, out_h);
    const Span<I> ws = WindowSpan(a, 1, ow, in_w, out_w);
    const float m = Widen(y[i]);
    int32_t found = -1;
    for (I h = hs.begin; h < hs.end && found < 0; ++h)
      for (I w = ws.begin; w < ws.end; ++w)
        if (Widen(x[Offset(a, n, c, h, w, in_h, in_w)]) == m) {
          found = static_cast<int32_t>(h * in_w + w);
          break;
        }
    argmax[i] = found;
  }
}

// One thread per input cell, summing from zero in the CPU kernel's window order, so the sums
// match it bit for bit.
template <typename I, typename TD>
__global__ void GatherKernel(const TD* dy, const int32_t* argmax, PoolArgs a, TD* dx) {
  const I in_h = I(a.in_h), in_w = I(a.in_w), out_h = I(a.out_h), out_w = I(a.out_w);
  const I total = I(a.n) * I(a.c) * in_h * in_w;
  for (I i = blockIdx.x * I(blockDim.x) + threadIdx.x; i < total; i += I(gridDim.x) * blockDim.x) {
    I n, c, h, w;
    Coordinates(a, i, in_h, in_w, n, c, h, w);
    I oh0, oh1, ow0, ow1;
    Covering(a, 0, h, in_h, out_h, oh0, oh1);
    Covering(a, 1, w, in_w, out_w, ow0, ow1);
    const int32_t pos = static_cast<int32_t>(h * in_w + w);
    float acc = 0.f;
    for (I oh = oh0; oh <= oh1; ++oh) {
      const Span<I> hs = WindowSpan(a, 0, oh, in_h, out_h);
      if (h < hs.begin || h >= hs.end) continue;
      for (I ow = ow0; ow <= ow1; ++ow) {
        const Span<I> ws = WindowSpan(a, 1, ow, in_w, out_w);
        if (w < ws.begin || w >= ws.end) continue;
        const I o = Offset(a, n, c, oh, ow, out_h, out_w);
        if (a.max) {
          if (argmax[o] == pos) acc += Widen(dy[o]);
          continue;
        }
        const I count = a.exclusive || a.adaptive ? (hs.end - hs.begin) * (ws.end - ws.begin)
                                                  : hs.padded * ws.padded;
        acc += Widen(dy[o]) / static_cast<float>(count);
      }
    }
    StoreAs(acc, dx + i);
  }
}

template <typename I, typename TX, typename TY>
void Argmax(const void* x, const void* y, const PoolArgs& a, int32_t* argmax, int64_t out_total,
            cudaStream_t stream) {
  ArgmaxKernel<I, TX, TY><<<GridFor(out_total), kBlock, 0, stream>>>(
      static_cast<const TX*>(x), static_cast<const TY*>(y), a, argmax);
}

template <typename I>
void Argmax(FloatData x, FloatData y, const PoolArgs& a, int32_t* argmax, int64_t out_total,
            cudaStream_t stream) {
  const auto run = [&](auto x_type, auto y_type) {
    Argmax<I, decltype(x_type), decltype(y_type)>(x.data, y.data, a, argmax, out_total, stream);
  };
  if (x.bf16 && y.bf16) return run(uint16_t{}, uint16_t{});
  if (x.bf16) return run(uint16_t{}, float{});
  if (y.bf16) return run(float{}, uint16_t{});
  run(float{}, float{});
}

}  // namespace

template <typename I, typename TD>
void Gather(const void* dy, const int32_t* argmax, const PoolArgs& a, void* dx, int64_t in_total,
            cudaStream_t stream) {
  GatherKernel<I, TD><<<GridFor(in_total), kBlock, 0, stream>>>(
      static_cast<const TD*>(dy), argmax, a, static_cast<TD*>(dx));
}

template <typename I>
void Gather(FloatData dy, const int32_t* argmax, const PoolArgs& a, void* dx, int64_t in_total,
            cudaStream_t stream) {
  if (dy.bf16) return Gather<I, uint16_t>(dy.data, argmax, a, dx, in_total, stream);
  Gather<I, float>(dy.data, argmax, a, dx, in_total, stream);
}

void LaunchPool2dGrad(FloatData x, FloatData y, FloatData dy, void* dx, const PoolArgs& a,
                      int32_t* argmax, cudaStream_t stream) {
  const int64_t in_total = a.n * a.c * a.in_h * a.in_w;
  if (in_total == 0) return;
  const int64_t out_total = a.n * a.c * a.out_h * a.out_w;
  // Products inside the kernels stay under the larger tensor's size (plus a window).
  const bool narrow = std::max(in_total, out_total) < (int64_t(1) << 30);
  if (a.max && out_total > 0) {
    if (narrow) {
      Argmax<int>(x, y, a, argmax, out_total, stream);
    } else {
      Argmax<int64_t>(x, y, a, argmax, out_total, stream);
    }
  }
  if (narrow) {
    Gather<int>(dy, argmax, a, dx, in_total, stream);
  } else {
    Gather<int64_t>(dy, argmax, a, dx, in_total, stream);
  }
}

}  // namespace pd::cuda
