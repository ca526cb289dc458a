// box_coder: SSD's centre-size box encoding. encode_center_size turns gt boxes TargetBox [N,4]
// into offsets against every prior, [N, M, 4]; decode_center_size turns offsets TargetBox
// [N, M, 4] back into corner boxes, taking the prior of column j (axis 0) or of row i (axis 1).
// Variances come from the PriorBoxVar tensor [M,4], else the `variance` attribute, else 1.
#include <cmath>
#include <string>
#include <vector>

#include "framework/op_registry.h"
#include "kernels/kernel_util.h"
#include "kernels/register.h"

namespace pd {
namespace {

enum class Code { kEncode, kDecode };

Code CodeType(const OpContext& ctx) {
  const std::string t = ctx.op().GetString("code_type", "encode_center_size");
  if (t == "encode_center_size") return Code::kEncode;
  PD_CHECK(t == "decode_center_size", "box_coder: unknown code_type ", t);
  return Code::kDecode;
}

// Centre and size of a corner box; un-normalised (pixel) boxes count both end pixels.
struct CenterSize {
  float cx, cy, w, h;
};

CenterSize ToCenterSize(const float* b, float extra) {
  const float w = b[2] - b[0] + extra;
  const float h = b[3] - b[1] + extra;
  return {b[0] + w / 2, b[1] + h / 2, w, h};
}

// Per-prior variances: a pointer to 4 values for prior j, or one set shared by all.
class VarianceSource {
 public:
  explicit VarianceSource(const OpContext& ctx) {
    attr_ = ctx.op().GetFloats("variance", {});
    if (ctx.HasInput("PriorBoxVar")) {
      PD_CHECK(attr_.empty(), "box_coder: PriorBoxVar and the variance attribute are both set");
      const Tensor& v = InputOfType(ctx, "PriorBoxVar", DType::kFP32);
      PD_CHECK(v.numel() == ctx.In("PriorBox").numel(), "box_coder: PriorBoxVar ",
               DimsToString(v.dims()), " does not match PriorBox ",
               DimsToString(ctx.In("PriorBox").dims()));
      tensor_ = v.data<float>();
    } else if (attr_.empty()) {
      attr_ = {1.f, 1.f, 1.f, 1.f};
    } else {
      PD_CHECK(attr_.size() == 4, "box_coder: variance must hold 4 values, got ", attr_.size());
    }
  }
  const float* For(int64_t prior) const { return tensor_ ? tensor_ + prior * 4 : attr_.data(); }

 private:
  std::vector<float> attr_;
  const float* tensor_ = nullptr;
};

Dims OutDims(const OpContext& ctx) {
  const Dims& prior = ctx.In("PriorBox").dims();
  const Dims& target = ctx.In("TargetBox").dims();
  PD_CHECK(prior.size() == 2 && prior[1] == 4, "box_coder: PriorBox must be [M,4], got ",
           DimsToString(prior));
  if (CodeType(ctx) == Code::kEncode) {
    PD_CHECK(target.size() == 2 && target[1] == 4, "box_coder: encode needs TargetBox [N,4], got ",
             DimsToString(target));
    return {target[0], prior[0], 4};
  }
  PD_CHECK(target.size() == 3 && target[2] == 4, "box_coder: decode needs TargetBox [N,M,4], got ",
           DimsToString(target));
  const int64_t axis = ctx.op().GetInt("axis", 0);
  PD_CHECK(axis == 0 || axis == 1, "box_coder: axis must be 0 or 1, got ", axis);
  PD_CHECK(prior[0] == target[axis == 0 ? 1 : 0], "box_coder: PriorBox ", DimsToString(prior),
           " does not match TargetBox ", DimsToString(target), " on axis ", axis);
  return target;
}

void BoxCoderInferShape(OpContext& ctx) {
  InputWithData(ctx, "PriorBox");
  InputWithData(ctx, "TargetBox");
  ctx.Out("OutputBox")->Resize(OutDims(ctx));
  ShareLoD(ctx, "TargetBox", "OutputBox");
}

void Encode(const float* prior, const float* target, const VarianceSource& var, int64_t n,
            int64_t m, float extra, float* out) {
  for (int64_t i = 0; i < n; ++i) {
    const float* t = target + i * 4;
    // The gt centre is the plain midpoint; its size still counts the end pixel.
    const float tcx = (t[2] + t[0]) / 2, tcy = (t[3] + t[1]) / 2;
    const float tw = t[2] - t[0] + extra, th = t[3] - t[1] + extra;
    for (int64_t j = 0; j < m; ++j, out += 4) {
      const CenterSize p = ToCenterSize(prior + j * 4, extra);
      const float* v = var.For(j);
      out[0] = (tcx - p.cx) / p.w / v[0];
      out[1] = (tcy - p.cy) / p.h / v[1];
      out[2] = std::log(std::fabs(tw / p.w)) / v[2];
      out[3] = std::log(std::fabs(th / p.h)) / v[3];
    }
  }
}

void Decode(const float* prior, const float* target, const VarianceSource& var, int64_t n,
            int64_t m, int64_t axis, float extra, float* out) {
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < m; ++j, target += 4, out += 4) {
      const int64_t k = axis == 0 ? j : i;
      const CenterSize p = ToCenterSize(prior + k * 4, extra);
      const float* v = var.For(k);
      const float cx = v[0] * target[0] * p.w + p.cx;
      const float cy = v[1] * target[1] * p.h + p.cy;
      const float w = std::exp(v[2] * target[2]) * p.w;
      const float h = std::exp(v[3] * target[3]) * p.h;
      out[0] = cx - w / 2;
      out[1] = cy - h / 2;
      out[2] = cx + w / 2 - extra;
      out[3] = cy + h / 2 - extra;
    }
  }
}

void BoxCoderKernel(OpContext& ctx) {
  const Tensor& prior = InputOfType(ctx, "PriorBox", DType::kFP32);
  const Tensor& target = InputOfType(ctx, "TargetBox", DType::kFP32);
  Tensor* out = ctx.Out("OutputBox");
  CheckNotInPlace(ctx, "OutputBox", {"PriorBox", "PriorBoxVar", "TargetBox"});
  float* o = out->mutable_data<float>();
  if (out->numel() == 0) return;
  const VarianceSource var(ctx);
  const float extra = ctx.op().GetBool("box_normalized", true) ? 0.f : 1.f;
  const Dims& od = out->dims();
  if (CodeType(ctx) == Code::kEncode) {
    Encode(prior.data<float>(), target.data<float>(), var, od[0], od[1], extra, o);
  } else {
    Decode(prior.data<float>(), target.data<float>(), var, od[0], od[1],
           ctx.op().GetInt("axis", 0), extra, o);
  }
}

}  // namespace

void RegisterBoxCoderKernels(OpRegistry& r) {
  r.Add("box_coder", BoxCoderInferShape, "TargetBox");
  r.AddKernel("box_coder", DeviceType::kCPU, DType::kFP32, BoxCoderKernel);
}

}  // namespace pd
