#include <algorithm>

#include "cuda/pool_grad_launch.h"

namespace pd::cuda {
namespace {

constexpr int kBlock = 256;

unsigned GridFor(int64_t n) {
  return static_cast<unsigned>(std::clamp<int64_t>((n + kBlock - 1) / kBlock, 1, 65535 * 16));
}

// Output cell o's input cells [begin, end) along one axis and its window clipped only to the
// padded border, as kernels/pool_shape.cc's WindowSpan.
struct Span {
  int64_t begin, end, padded;
};
__device__ Span WindowSpan(const PoolArgs& a, int axis, int64_t o, int64_t in, int64_t out) {
  if (a.adaptive) {
    const int64_t b = o * in / out, e = ((o + 1) * in + out - 1) / out;
    return {b, e, e - b};
  }
  const int64_t b = o * a.stride[axis] - a.pad_begin[axis];
  const int64_t e = min(b + a.k[axis], in + a.pad_begin[axis]);
  return {max(b, int64_t(0)), min(e, in), e - b};
}

// Output cells [lo, hi] whose windows may hold input cell i along one axis; the caller still
// tests each against its span.
__device__ void Covering(const PoolArgs& a, int axis, int64_t i, int64_t in, int64_t out,
                         int64_t& lo, int64_t& hi) {
  if (a.adaptive) {
    lo = i * out / in;
    hi = ((i + 1) * out + in - 1) / in - 1;
  } else {
    const int64_t s = a.stride[axis], first = i + a.pad_begin[axis] - a.k[axis] + 1;
    lo = first <= 0 ? 0 : (first + s - 1) / s;
    hi = (i + a.pad_begin[axis]) / s;
  }
  lo = max(lo, int64_t(0));
  hi = min(hi, out - 1);
}

// The cell's offset in an [n, c, h, w] tensor of either layout.
__device__ int64_t Offset(const PoolArgs& a, int64_t n, int64_t c, int64_t h, int64_t w,
                          int64_t hs, int64_t ws) {
  return a.nhwc ? ((n * hs + h) * ws + w) * a.c + c : ((n * a.c + c) * hs + h) * ws + w;
}

// One thread per output cell: the plane index h·in_w + w of its window's first cell equal to
// the output, or -1.
__global__ void ArgmaxKernel(const float* x, const float* y, PoolArgs a, int32_t* argmax) {
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
    const float m = y[i];
    int32_t found = -1;
    for (int64_t h = hs.begin; h < hs.end && found < 0; ++h)
      for (int64_t w = ws.begin; w < ws.end; ++w)
        if (x[Offset(a, n, c, h, w, a.in_h, a.in_w)] == m) {
          found = static_cast<int32_t>(h * a.in_w + w);
          break;
        }
    argmax[i] = found;
  }
}

// One thread per input cell, summing from zero in the CPU kernel's window order, so the sums
// match it bit for bit.
__global__ void GatherKernel(const float* dy, const int32_t* argmax, PoolArgs a, float* dx) {
  const int64_t total = a.n * a.c * a.in_h * a.in_w;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total;
       i += int64_t(gridDim.x) * blockDim.x) {
    int64_t n, c, h, w;
    if (a.nhwc) {
      c = i % a.c;
      w = i / a.c % a.in_w;
      h = i / (a.c * a.in_w) % a.in_h;
      n = i / (a.c * a.in_w * a.in_h);
    } else {
      w = i % a.in_w;
      h = i / a.in_w % a.in_h;
      c = i / (a.in_w * a.in_h) % a.c;
      n = i / (a.in_w * a.in_h * a.c);
    }
    int64_t oh0, oh1, ow0, ow1;
    Covering(a, 0, h, a.in_h, a.out_h, oh0, oh1);
    Covering(a, 1, w, a.in_w, a.out_w, ow0, ow1);
    const int32_t pos = static_cast<int32_t>(h * a.in_w + w);
    float acc = 0.f;
    for (int64_t oh = oh0; oh <= oh1; ++oh) {
      const Span hs = WindowSpan(a, 0, oh, a.in_h, a.out_h);
      if (h < hs.begin || h >= hs.end) continue;
      for (int64_t ow = ow0; ow <= ow1; ++ow) {
        const Span ws = WindowSpan(a, 1, ow, a.in_w, a.out_w);
        if (w < ws.begin || w >= ws.end) continue;
        const int64_t o = Offset(a, n, c, oh, ow, a.out_h, a.out_w);
        if (a.max) {
          if (argmax[o] == pos) acc += dy[o];
          continue;
        }
        const int64_t count = a.exclusive || a.adaptive
                                  ? (hs.end - hs.begin) * (ws.end - ws.begin)
                                  : hs.padded * ws.padded;
        acc += dy[o] / static_cast<float>(count);
      }
    }
    dx[i] = acc;
  }
}

}  // namespace

void LaunchPool2dGrad(const float* x, const float* y, const float* dy, float* dx,
                      const PoolArgs& a, int32_t* argmax, cudaStream_t stream) {
  const int64_t in_total = a.n * a.c * a.in_h * a.in_w;
  if (in_total == 0) return;
  const int64_t out_total = a.n * a.c * a.out_h * a.out_w;
  if (a.max && out_total > 0)
    ArgmaxKernel<<<GridFor(out_total), kBlock, 0, stream>>>(x, y, a, argmax);
  GatherKernel<<<GridFor(in_total), kBlock, 0, stream>>>(dy, argmax, a, dx);
}

}  // namespace pd::cuda
