// pool2d_grad (max and avg; global, adaptive, exclusive, ceil_mode; NCHW and NHWC), our own loops
// over the windows pool.cc's forward uses. Max: each window's gradient goes to the FIRST input
// cell (row-major within the window) equal to the window's output, as Paddle's
// MaxPool2dGradFunctor routes it between tied maxima. Avg: each window's gradient spread evenly
// over its input cells, divided by the forward's divisor. A channels-last X (a training step's
// activations) is indexed as NHWC and gets a channels-last X@GRAD.
#include <algorithm>
#include <array>
#include <cstring>
#include <vector>

#include "kernels/cpu_features.h"
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

// Every output row's and column's input span, computed once per run.
struct WindowSpans {
  std::vector<Span> h, w;
  explicit WindowSpans(const PoolShape& s) {
    for (int64_t o = 0; o < s.out.h; ++o) h.push_back(WindowSpan(s, 0, o, s.in.h, s.out.h));
    for (int64_t o = 0; o < s.out.w; ++o) w.push_back(WindowSpan(s, 1, o, s.in.w, s.out.w));
  }
};

int64_t AvgDivisor(const PoolShape& s, const Span& hs, const Span& ws) {
  return s.exclusive || s.adaptive ? (hs.end - hs.begin) * (ws.end - ws.begin)
                                   : hs.padded * ws.padded;
}

// One channel plane of a plain (NCHW) image: x and dx are its h x w cells, y and dy its
// output's.
void PlaneGrad(const PoolShape& s, const WindowSpans& spans, const float* x, const float* y,
               const float* dy, float* dx) {
  for (int64_t oh = 0; oh < s.out.h; ++oh) {
    const Span& hs = spans.h[static_cast<size_t>(oh)];
    for (int64_t ow = 0; ow < s.out.w; ++ow) {
      const Span& ws = spans.w[static_cast<size_t>(ow)];
      const int64_t o = oh * s.out.w + ow;
      const float g = dy[o];
      if (s.max) {
        const float m = y[o];
        bool done = false;
        for (int64_t h = hs.begin; h < hs.end && !done; ++h) {
          for (int64_t w = ws.begin; w < ws.end && !done; ++w) {
            if (x[h * s.in.w + w] == m) {
              dx[h * s.in.w + w] += g;
              done = true;
            }
          }
        }
        continue;
      }
      const float share = g / static_cast<float>(AvgDivisor(s, hs, ws));
      for (int64_t h = hs.begin; h < hs.end; ++h) {
        for (int64_t w = ws.begin; w < ws.end; ++w) dx[h * s.in.w + w] += share;
      }
    }
  }
}

// One input cell's channels against its window's output channels, max: the gradient goes to
// the channels whose maximum this cell is and that no earlier cell of the window took. Adding
// 0 to the others leaves their bits as they were (dX is never -0: it starts at +0 and only
// sums), so this branch-free form, which the compiler vectorises, equals the plain loop's.
PD_KERNEL_ISAS void MaxCellGrad(const float* __restrict x, const float* __restrict m,
                                const float* __restrict g, float* __restrict dx,
                                uint32_t* __restrict pending, int64_t channels) {
  for (int64_t c = 0; c < channels; ++c) {
    const uint32_t hit = pending[c] & static_cast<uint32_t>(x[c] == m[c]);
    dx[c] += hit ? g[c] : 0.0f;
    pending[c] &= ~hit;
  }
}

PD_KERNEL_ISAS void AddChannels(const float* __restrict share, float* __restrict dx,
                                int64_t channels) {
  for (int64_t c = 0; c < channels; ++c) dx[c] += share[c];
}

// One channels-last image: window by window, every channel at once. Cells are visited in the
// plain loop's order (row-major within the window, windows in output order), so each dX cell
// sums the same terms in the same order.
void ChannelsLastImageGrad(const PoolShape& s, const WindowSpans& spans, const float* x,
                           const float* y, const float* dy, float* dx) {
  const int64_t C = s.in.c;
  std::vector<uint32_t> pending(static_cast<size_t>(C));
  std::vector<float> share(static_cast<size_t>(C));
  for (int64_t oh = 0; oh < s.out.h; ++oh) {
    const Span& hs = spans.h[static_cast<size_t>(oh)];
    for (int64_t ow = 0; ow < s.out.w; ++ow) {
      const Span& ws = spans.w[static_cast<size_t>(ow)];
      const int64_t o = (oh * s.out.w + ow) * C;
      if (s.max) {
        std::fill(pending.begin(), pending.end(), 1u);
      } else {
        const float count = static_cast<float>(AvgDivisor(s, hs, ws));
        for (int64_t c = 0; c < C; ++c) share[static_cast<size_t>(c)] = dy[o + c] / count;
      }
      for (int64_t h = hs.begin; h < hs.end; ++h) {
        for (int64_t w = ws.begin; w < ws.end; ++w) {
          const int64_t i = (h * s.in.w + w) * C;
          if (s.max) {
            MaxCellGrad(x + i, y + o, dy + o, dx + i, pending.data(), C);
          } else {
            AddChannels(share.data(), dx + i, C);
          }
        }
      }
    }
  }
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
  const bool nhwc = s.in.nhwc || StoredChannelsLast(ctx.In("X"));
  const WindowSpans spans(s);
  // Images over the math threads: each writes only its own part of dX.
  ParallelFor(s.in.n, ctx.config().num_threads, 1, [&](int64_t n0, int64_t n1) {
    for (int64_t n = n0; n < n1; ++n) {
      const int64_t in_off = n * C * in_plane, out_off = n * C * out_plane;
      if (nhwc) {
        ChannelsLastImageGrad(s, spans, x + in_off, y + out_off, dy + out_off, dx + in_off);
        continue;
      }
      for (int64_t c = 0; c < C; ++c) {
        PlaneGrad(s, spans, x + in_off + c * in_plane, y + out_off + c * out_plane,
                  dy + out_off + c * out_plane, dx + in_off + c * in_plane);
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
