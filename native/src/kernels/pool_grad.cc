// pool2d_grad (max and avg; global, adaptive, exclusive, ceil_mode; NCHW and NHWC), plain loops
// over the windows pool.cc's forward uses. Max: each window's gradient goes to the FIRST input
// cell (row-major within the window) equal to the window's output, as Paddle's
// MaxPool2dGradFunctor routes it between tied maxima. Avg: each window's gradient spread evenly
// over its input cells, divided by the forward's divisor. A channels-last X (a training step's
// activations) is indexed as NHWC and gets a channels-last X@GRAD.
#include <algorithm>
#include <array>
#include <cstring>

#include "kernels/kernel_util.h"
#include "kernels/layout_rules.h"
#include "kernels/parallel.h"
#include "kernels/pool_shape.h"
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

void PoolGradInferShape(OpContext& ctx) {
  const Tensor& x = InputWithData(ctx, "X");
  ctx.Out("X@GRAD")->Resize(x.dims());
  ctx.Out("X@GRAD")->set_layout(x.layout());  // plain, or channels-last (PoolGradLayouts)
  ShareLoD(ctx, "X", "X@GRAD");
}

// One pixel's channels are the same bytes in either layout.
bool PlainOrChannelsLast(const Tensor& t) {
  return StoredChannelsLast(t) ||
         (t.layout() == 0 && t.rank() == 4 && t.dims()[2] * t.dims()[3] == 1);
}

// All plain, or X channels-last (a training step's activations) with Out and Out@GRAD
// channels-last or of one pixel (a global pool's): the loops below index either layout.
bool PoolGradLayouts(const OpContext& ctx) {
  const Tensor& x = ctx.In("X");
  const Tensor& out = ctx.In("Out");
  const Tensor& dout = ctx.In("Out@GRAD");
  if (x.layout() == 0 && out.layout() == 0 && dout.layout() == 0) return true;
  return StoredChannelsLast(x) && PlainOrChannelsLast(out) && PlainOrChannelsLast(dout) &&
         !IsChannelsLast(ctx, "data_format");
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
  float* dx = dx_t->mutable_data_for_overwrite<float>();
  std::memset(dx, 0, static_cast<size_t>(dx_t->numel()) * sizeof(float));
  const int64_t C = s.in.c, in_plane = s.in.h * s.in.w, out_plane = s.out.h * s.out.w;
  // Element (n, c, pixel p) sits at n*C*plane + c*c_step + p*p_step in either layout.
  const bool nhwc = s.in.nhwc || StoredChannelsLast(ctx.In("X"));
  const int64_t c_in = nhwc ? 1 : in_plane, c_out = nhwc ? 1 : out_plane;
  const int64_t p_step = nhwc ? C : 1;
  // Images over the math threads: each writes only its own part of dX.
  ParallelFor(s.in.n, ctx.config().num_threads, 1, [&](int64_t n0, int64_t n1) {
    for (int64_t n = n0; n < n1; ++n) {
      for (int64_t c = 0; c < C; ++c) {
        const int64_t in_off = n * C * in_plane + c * c_in;
        const int64_t out_off = n * C * out_plane + c * c_out;
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
  });
}

}  // namespace

void RegisterPoolGradKernels(OpRegistry& r) {
  r.SetGradMaker("pool2d", PoolGradMaker);
  r.Add("pool2d_grad", PoolGradInferShape, "Out@GRAD");
  r.AddKernel("pool2d_grad", DeviceType::kCPU, DType::kFP32, PoolGradKernel);
  r.SetLayoutRule("pool2d_grad", DeviceType::kCPU,
                  [](const OpView&) -> LayoutCheck { return PoolGradLayouts; });
}

}  // namespace pd
