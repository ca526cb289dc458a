// pool2d_grad (max and avg; global, adaptive, exclusive, ceil_mode; NCHW and NHWC), plain loops
// over the windows pool.cc's forward uses. Max: each window's gradient goes to the FIRST input
// cell (row-major within the window) equal to the window's output, as Paddle's
// MaxPool2dGradFunctor routes it between tied maxima. Avg: each window's gradient spread evenly
// over its input cells, divided by the forward's divisor.
#include <algorithm>
#include <array>
#include <cstring>

#include "kernels/kernel_util.h"
#include "kernels/register.h"
#include "kernels/window.h"

namespace pd {
namespace {

void PoolGradMaker(GradOpBuilder& g) {
  g.Add("pool2d_grad")
      .In("X", g.Input("X"))
      .In("Out", g.Output("Out"))
      .In("Out@GRAD", g.OutputGrad("Out"))
      .Out("X@GRAD", g.InputGrad("X"));
}

// The forward pool's geometry, as pool.cc's PoolShapeOf.
struct PoolShape {
  ImageDims in, out;
  Window2d win;
  bool max, adaptive, exclusive;
};

PoolShape PoolShapeOf(const OpContext& ctx) {
  const OpView& op = ctx.op();
  const Tensor& x = InputOfType(ctx, "X", DType::kFP32);
  PoolShape s;
  s.in = ImageOf(ctx, x, IsChannelsLast(ctx, "data_format"));
  const std::string type = op.GetString("pooling_type", "max");
  PD_CHECK(type == "max" || type == "avg", "pool2d_grad: unknown pooling_type '", type, "'");
  s.max = type == "max";
  s.adaptive = op.GetBool("adaptive", false);
  s.exclusive = op.GetBool("exclusive", true);
  const bool global = op.GetBool("global_pooling", false);
  const bool ceil = op.GetBool("ceil_mode", false);
  const std::array<int64_t, 2> in{s.in.h, s.in.w};
  if (global) {
    s.win.k = in;
  } else {
    const auto k = op.GetInts("ksize", {});
    PD_CHECK(k.size() == 2 && k[0] > 0 && k[1] > 0, "pool2d_grad: ksize must be 2 positive values");
    s.win.k = {k[0], k[1]};
  }
  s.win.stride = Pair(ctx, "strides", 1);
  ResolvePadding(ctx, in, &s.win);
  std::array<int64_t, 2> out{};
  for (int i = 0; i < 2; ++i) {
    if (global || s.adaptive) s.win.pad_begin[i] = s.win.pad_end[i] = 0;
    if (s.adaptive) {
      out[i] = s.win.k[i];  // ksize is the output size
      continue;
    }
    const int64_t span = in[i] - s.win.k[i] + s.win.pad_begin[i] + s.win.pad_end[i];
    out[i] = (span + (ceil ? s.win.stride[i] - 1 : 0)) / s.win.stride[i] + 1;
    PD_CHECK(span >= 0 && out[i] > 0, "pool2d_grad: ksize ", s.win.k[i],
             " is larger than the padded input ", DimsToString(x.dims()));
  }
  s.out = {s.in.n, s.in.c, out[0], out[1], s.in.nhwc};
  return s;
}

// The input cells [begin, end) of output cell o along one axis, and the non-exclusive divisor
// (pool.cc's WindowSpan).
struct Span {
  int64_t begin, end, padded;
};

Span WindowSpan(const PoolShape& s, int i, int64_t o, int64_t in, int64_t out) {
  if (s.adaptive) {
    const int64_t b = o * in / out, e = ((o + 1) * in + out - 1) / out;
    return {b, e, e - b};
  }
  const int64_t b = o * s.win.stride[i] - s.win.pad_begin[i];
  const int64_t e = std::min(b + s.win.k[i], in + s.win.pad_begin[i]);
  return {std::max<int64_t>(b, 0), std::min(e, in), e - b};
}

void PoolGradInferShape(OpContext& ctx) {
  ctx.Out("X@GRAD")->Resize(InputWithData(ctx, "X").dims());
  ShareLoD(ctx, "X", "X@GRAD");
}

void PoolGradKernel(OpContext& ctx) {
  CheckNotInPlace(ctx, "X@GRAD", {"X", "Out", "Out@GRAD"});
  const PoolShape s = PoolShapeOf(ctx);
  const Tensor& out_t = InputOfType(ctx, "Out", DType::kFP32);
  const Tensor& dout_t = InputOfType(ctx, "Out@GRAD", DType::kFP32);
  const Dims out_dims = s.out.ToDims();
  PD_CHECK(out_t.dims() == out_dims && dout_t.dims() == out_dims, "pool2d_grad: Out ",
           DimsToString(out_t.dims()), " and Out@GRAD ", DimsToString(dout_t.dims()),
           " must be the forward output's ", DimsToString(out_dims));
  const float* x = ctx.In("X").data<float>();
  const float* y = out_t.data<float>();
  const float* dy = dout_t.data<float>();
  Tensor* dx_t = ctx.Out("X@GRAD");
  float* dx = dx_t->mutable_data<float>();
  std::memset(dx, 0, static_cast<size_t>(dx_t->numel()) * sizeof(float));
  const int64_t C = s.in.c, in_plane = s.in.h * s.in.w, out_plane = s.out.h * s.out.w;
  // Element (n, c, pixel p) sits at n*C*plane + c*c_step + p*p_step in either layout.
  const int64_t c_in = s.in.nhwc ? 1 : in_plane, c_out = s.in.nhwc ? 1 : out_plane;
  const int64_t p_step = s.in.nhwc ? C : 1;
  for (int64_t n = 0; n < s.in.n; ++n) {
    for (int64_t c = 0; c < C; ++c) {
      const int64_t in_off = n * C * in_plane + c * c_in, out_off = n * C * out_plane + c * c_out;
      const float* xc = x + in_off;
      float* dxc = dx + in_off;
      for (int64_t oh = 0; oh < s.out.h; ++oh) {
        const Span hs = WindowSpan(s, 0, oh, s.in.h, s.out.h);
        for (int64_t ow = 0; ow < s.out.w; ++ow) {
          const Span ws = WindowSpan(s, 1, ow, s.in.w, s.out.w);
          const int64_t o = out_off + (oh * s.out.w + ow) * p_step;
          const float g = dy[o];
          if (s.max) {
            const float m = y[o];
            bool done = false;
            for (int64_t h = hs.begin; h < hs.end && !done; ++h) {
              for (int64_t w = ws.begin; w < ws.end && !done; ++w) {
                const int64_t i = (h * s.in.w + w) * p_step;
                if (xc[i] == m) {
                  dxc[i] += g;
                  done = true;
                }
              }
            }
            continue;
          }
          const int64_t count = s.exclusive || s.adaptive
                                    ? (hs.end - hs.begin) * (ws.end - ws.begin)
                                    : hs.padded * ws.padded;
          const float share = g / static_cast<float>(count);
          for (int64_t h = hs.begin; h < hs.end; ++h) {
            for (int64_t w = ws.begin; w < ws.end; ++w) dxc[(h * s.in.w + w) * p_step] += share;
          }
        }
      }
    }
  }
}

}  // namespace

void RegisterPoolGradKernels(OpRegistry& r) {
  r.SetGradMaker("pool2d", PoolGradMaker);
  r.Add("pool2d_grad", PoolGradInferShape, "Out@GRAD");
  r.AddKernel("pool2d_grad", DeviceType::kCPU, DType::kFP32, PoolGradKernel);
}

}  // namespace pd
