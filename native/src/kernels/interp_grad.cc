// Gradients of nearest_interp(_v2) and bilinear_interp(_v2): each output pixel's gradient goes
// back to the source pixels it was read from, with the forward weights (the same taps,
// interp.h), summed where several output pixels read one source pixel.
#include <algorithm>
#include <cstring>

#include "kernels/interp.h"
#include "kernels/kernel_util.h"
#include "kernels/register.h"

namespace pd {
namespace {

void InterpGradMaker(GradOpBuilder& g) {
  g.Add(g.forward().type() + "_grad")
      .In("X", g.Input("X"))
      .In("OutSize", g.Input("OutSize"))
      .In("SizeTensor", g.Input("SizeTensor"))
      .In("Scale", g.Input("Scale"))
      .In("Out@GRAD", g.OutputGrad("Out"))
      .Out("X@GRAD", g.InputGrad("X"));
}

void InterpGradInferShape(OpContext& ctx) {
  ctx.Out("X@GRAD")->Resize(InputOfType(ctx, "X", DType::kFP32).dims());
}

void InterpGradKernel(OpContext& ctx) {
  const interp::Plan p = interp::PlanFor(ctx);
  const Tensor& dout = InputOfType(ctx, "Out@GRAD", DType::kFP32);
  PD_CHECK(dout.dims() == Dims({p.n, p.c, p.out_h, p.out_w}), ctx.op().type(), ": Out@GRAD ",
           DimsToString(dout.dims()), " does not have the output's shape [", p.n, ", ", p.c,
           ", ", p.out_h, ", ", p.out_w, "]");
  float* dx = ctx.Out("X@GRAD")->mutable_data<float>();
  const float* dy = dout.data<float>();
  if (p.in_h == p.out_h && p.in_w == p.out_w) {  // the forward op copied
    std::memcpy(dx, dy, dout.nbytes());
    return;
  }
  const int64_t in_plane = int64_t{p.in_h} * p.in_w;
  std::fill(dx, dx + int64_t{p.n} * p.c * in_plane, 0.0f);
  const bool align_corners = ctx.op().GetBool("align_corners", true);
  const float ratio_h = interp::Ratio(p.in_h, p.out_h, p.scale_h, align_corners);
  const float ratio_w = interp::Ratio(p.in_w, p.out_w, p.scale_w, align_corners);
  if (ctx.op().type().rfind("nearest", 0) == 0) {
    for (int64_t img = 0; img < int64_t{p.n} * p.c; ++img) {
      float* src = dx + img * in_plane;
      for (int k = 0; k < p.out_h; ++k) {
        float* row = src + int64_t{interp::NearestIndex(ratio_h, k, align_corners)} * p.in_w;
        for (int l = 0; l < p.out_w; ++l)
          row[interp::NearestIndex(ratio_w, l, align_corners)] += *dy++;
      }
    }
    return;
  }
  const int align_mode = static_cast<int>(ctx.op().GetInt("align_mode", 1));
  const interp::LinearTaps th = interp::Taps(p.in_h, p.out_h, ratio_h, align_corners, align_mode);
  const interp::LinearTaps tw = interp::Taps(p.in_w, p.out_w, ratio_w, align_corners, align_mode);
  for (int64_t img = 0; img < int64_t{p.n} * p.c; ++img) {
    float* src = dx + img * in_plane;
    for (int k = 0; k < p.out_h; ++k) {
      float* top = src + int64_t{th.lo[k]} * p.in_w;
      float* bottom = src + int64_t{th.hi[k]} * p.in_w;
      const float wt = th.w_lo[k], wb = th.w_hi[k];
      for (int l = 0; l < p.out_w; ++l) {
        const float g = *dy++;
        const int w0 = tw.lo[l], w1 = tw.hi[l];
        const float wl = tw.w_lo[l], wr = tw.w_hi[l];
        top[w0] += wt * wl * g;
        bottom[w0] += wb * wl * g;
        top[w1] += wt * wr * g;
        bottom[w1] += wb * wr * g;
      }
    }
  }
}

}  // namespace

void RegisterInterpGradKernels(OpRegistry& r) {
  for (const char* type :
       {"nearest_interp", "nearest_interp_v2", "bilinear_interp", "bilinear_interp_v2"}) {
    r.SetGradMaker(type, InterpGradMaker);
    const std::string grad = std::string(type) + "_grad";
    r.Add(grad, InterpGradInferShape, "Out@GRAD");
    r.AddKernel(grad, DeviceType::kCPU, DType::kFP32, InterpGradKernel);
  }
}

}  // namespace pd
