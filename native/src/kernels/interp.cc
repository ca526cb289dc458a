// 2-D resizing of NCHW float32 images: nearest_interp(_v2) and bilinear_interp(_v2). The size
// and index arithmetic (interp.h) is shared with the gradients (interp_grad.cc).
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "framework/op_registry.h"
#include "kernels/interp.h"
#include "kernels/kernel_util.h"
#include "kernels/register.h"

namespace pd {
namespace interp {

// Output size, by precedence: SizeTensor, else OutSize over a scale-derived size over out_h /
// out_w. The scale is the Scale tensor, else the scale attribute (a float in the v1 ops, a
// list [h, w] in v2).
Plan PlanFor(const OpContext& ctx) {
  const std::string& type = ctx.op().type();
  const Tensor& x = ctx.In("X");
  const std::string layout = ctx.op().GetString("data_layout", "NCHW");
  PD_CHECK(layout == "NCHW" || layout == "AnyLayout", type, ": data_layout ", layout,
           " is not supported (NCHW only)");
  PD_CHECK(x.rank() == 4, type, ": X must be 4-D NCHW, got ", DimsToString(x.dims()));
  Plan p;
  p.n = static_cast<int>(x.dim(0));
  p.c = static_cast<int>(x.dim(1));
  p.in_h = static_cast<int>(x.dim(2));
  p.in_w = static_cast<int>(x.dim(3));
  p.out_h = static_cast<int>(ctx.op().GetInt("out_h", -1));
  p.out_w = static_cast<int>(ctx.op().GetInt("out_w", -1));
  if (ctx.HasInput("SizeTensor")) {
    std::vector<int64_t> size;
    for (const Tensor* t : ctx.Ins("SizeTensor")) {
      for (int64_t v : IntListInput(ctx, *t, "SizeTensor")) size.push_back(v);
    }
    PD_CHECK(size.size() == 2, type, ": SizeTensor must give 2 sizes, got ", size.size());
    p.out_h = static_cast<int>(size[0]);
    p.out_w = static_cast<int>(size[1]);
  } else {
    std::vector<float> scale;
    if (ctx.HasInput("Scale")) {
      const Tensor& s = InputOfType(ctx, "Scale", DType::kFP32);
      scale.assign(s.data<float>(), s.data<float>() + s.numel());
      if (scale.size() == 1) scale.push_back(scale[0]);
    } else if (type.find("_v2") != std::string::npos) {  // the v2 op or its grad
      scale = ctx.op().GetFloats("scale", {});
    } else {
      const float s = ctx.op().GetFloat("scale", 0.0f);
      if (s > 0) scale = {s, s};
    }
    if (scale.size() >= 2) {
      PD_CHECK(scale[0] > 0 && scale[1] > 0, type, ": scale must be positive");
      p.scale_h = scale[0];
      p.scale_w = scale[1];
      p.out_h = static_cast<int>(static_cast<float>(p.in_h) * p.scale_h);
      p.out_w = static_cast<int>(static_cast<float>(p.in_w) * p.scale_w);
    }
    if (ctx.HasInput("OutSize")) {
      const auto size = IntListInput(ctx, ctx.In("OutSize"), "OutSize");
      PD_CHECK(size.size() == 2, type, ": OutSize must hold 2 values, got ", size.size());
      p.out_h = static_cast<int>(size[0]);
      p.out_w = static_cast<int>(size[1]);
    }
  }
  PD_CHECK(p.out_h > 0 && p.out_w > 0, type, ": output size ", p.out_h, "x", p.out_w,
           " must be positive (set out_h/out_w, scale or OutSize)");
  return p;
}

// Source step per output pixel: 1/scale when the size came from a scale, else in/out; with
// align_corners the corners map onto each other.
float Ratio(int in, int out, float scale, bool align_corners) {
  if (out <= 1) return 0.0f;
  if (align_corners) return static_cast<float>(in - 1) / static_cast<float>(out - 1);
  return scale > 0 ? static_cast<float>(1. / scale) : static_cast<float>(in) / out;
}

// align_mode 0 without align_corners samples at pixel centres (src = ratio·(i+0.5) − 0.5);
// otherwise at ratio·i.
LinearTaps Taps(int in, int out, float ratio, bool align_corners, int align_mode) {
  const bool centre = align_mode == 0 && !align_corners;
  LinearTaps t;
  for (int i = 0; i < out; ++i) {
    int lo = centre ? static_cast<int>(ratio * (i + 0.5) - 0.5) : static_cast<int>(ratio * i);
    lo = lo > 0 ? lo : 0;
    const int hi = lo + 1 < in - 1 ? lo + 1 : in - 1;
    float src = ratio * (i + 0.5) - 0.5;
    src = src > 0 ? src : 0;
    const float d = centre ? src - lo : ratio * i - lo;
    t.lo.push_back(lo);
    t.hi.push_back(hi);
    t.w_hi.push_back(d);
    t.w_lo.push_back(1.f - d);
  }
  return t;
}

}  // namespace interp

namespace {

using interp::LinearTaps;
using interp::NearestIndex;
using interp::Plan;
using interp::PlanFor;
using interp::Ratio;
using interp::Taps;

bool IsNearest(const OpContext& ctx) { return ctx.op().type().rfind("nearest", 0) == 0; }

void InterpInferShape(OpContext& ctx) {
  CheckNotInPlace(ctx, "Out", {"X"});
  InputOfType(ctx, "X", DType::kFP32);
  const Plan p = PlanFor(ctx);
  ctx.Out("Out")->Resize({p.n, p.c, p.out_h, p.out_w});
}

void Nearest(const Plan& p, float ratio_h, float ratio_w, bool align_corners,
             const float* x, float* out) {
  std::vector<int> src_w(p.out_w);
  for (int l = 0; l < p.out_w; ++l) {
    src_w[l] = NearestIndex(ratio_w, l, align_corners);
  }
  for (int64_t img = 0; img < int64_t{p.n} * p.c; ++img) {
    const float* src = x + img * p.in_h * p.in_w;
    for (int k = 0; k < p.out_h; ++k) {
      const int sh = NearestIndex(ratio_h, k, align_corners);
      const float* row = src + int64_t{sh} * p.in_w;
      for (int l = 0; l < p.out_w; ++l) *out++ = row[src_w[l]];
    }
  }
}

void Bilinear(const Plan& p, float ratio_h, float ratio_w, bool align_corners,
              int align_mode, const float* x, float* out) {
  const LinearTaps th = Taps(p.in_h, p.out_h, ratio_h, align_corners, align_mode);
  const LinearTaps tw = Taps(p.in_w, p.out_w, ratio_w, align_corners, align_mode);
  for (int64_t img = 0; img < int64_t{p.n} * p.c; ++img) {
    const float* src = x + img * p.in_h * p.in_w;
    for (int k = 0; k < p.out_h; ++k) {
      const float* top = src + int64_t{th.lo[k]} * p.in_w;
      const float* bottom = src + int64_t{th.hi[k]} * p.in_w;
      const float wt = th.w_lo[k], wb = th.w_hi[k];
      for (int l = 0; l < p.out_w; ++l) {
        const int w0 = tw.lo[l], w1 = tw.hi[l];
        const float wl = tw.w_lo[l], wr = tw.w_hi[l];
        // Paddle's summation order, so results agree to the last bit where the compiler keeps it.
        *out++ = top[w0] * wt * wl + bottom[w0] * wb * wl + top[w1] * wt * wr +
                 bottom[w1] * wb * wr;
      }
    }
  }
}

void InterpKernel(OpContext& ctx) {
  const Plan p = PlanFor(ctx);
  const Tensor& x = ctx.In("X");
  float* out = ctx.Out("Out")->mutable_data<float>();
  if (p.in_h == p.out_h && p.in_w == p.out_w) {
    std::memcpy(out, x.data<float>(), x.nbytes());
    return;
  }
  const bool align_corners = ctx.op().GetBool("align_corners", true);
  const float ratio_h = Ratio(p.in_h, p.out_h, p.scale_h, align_corners);
  const float ratio_w = Ratio(p.in_w, p.out_w, p.scale_w, align_corners);
  if (IsNearest(ctx)) {
    Nearest(p, ratio_h, ratio_w, align_corners, x.data<float>(), out);
  } else {
    Bilinear(p, ratio_h, ratio_w, align_corners, static_cast<int>(ctx.op().GetInt("align_mode", 1)),
             x.data<float>(), out);
  }
}

}  // namespace

void RegisterInterpKernels(OpRegistry& r) {
  for (const char* type :
       {"nearest_interp", "nearest_interp_v2", "bilinear_interp", "bilinear_interp_v2"}) {
    r.Add(type, InterpInferShape, "X");
    r.AddKernel(type, DeviceType::kCPU, DType::kFP32, InterpKernel);
  }
}

}  // namespace pd
