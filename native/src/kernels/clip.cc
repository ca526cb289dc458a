// The ops that clip gradients before the optimizer step, as Paddle's static optimizers append
// them (paddle.nn.ClipGradBy{GlobalNorm,Norm,Value}; the rest of the global-norm recipe is sum,
// sqrt, fill_constant, elementwise_max/div/mul, which exist elsewhere):
// - squared_l2_norm: Out [1] = Σ X²;
// - clip_by_norm: Out = X · max_norm / ‖X‖₂ when ‖X‖₂ > max_norm, else X;
// - clip: Out = min(max(X, min), max), the bounds from attributes or the Min/Max tensors.
// Sums accumulate in double: Paddle's Eigen reductions sum floats in a tree order we cannot
// follow, and double keeps ours within rounding of any order.
#include <cmath>

#include "kernels/kernel_util.h"
#include "kernels/register.h"

namespace pd {
namespace {

double SumOfSquares(const Tensor& x) {
  const float* p = x.data<float>();
  double s = 0;
  for (int64_t i = 0; i < x.numel(); ++i) s += static_cast<double>(p[i]) * p[i];
  return s;
}

void SquaredL2NormInferShape(OpContext& ctx) {
  InputOfType(ctx, "X", DType::kFP32);
  ctx.Out("Out")->Resize({1});
}

void SquaredL2NormKernel(OpContext& ctx) {
  ctx.Out("Out")->mutable_data<float>()[0] = static_cast<float>(SumOfSquares(ctx.In("X")));
}

void LikeX(OpContext& ctx) {
  InputOfType(ctx, "X", DType::kFP32);
  ctx.Out("Out")->Resize(ctx.In("X").dims());
  ShareLoD(ctx, "X", "Out");
}

void ClipByNormKernel(OpContext& ctx) {
  const Tensor& x = ctx.In("X");
  const float max_norm = ctx.op().GetFloat("max_norm", 1.0f);
  const float norm = static_cast<float>(std::sqrt(SumOfSquares(x)));
  const float scale = norm > max_norm ? max_norm / norm : 1.0f;
  const float* in = x.data<float>();
  float* out = ctx.Out("Out")->mutable_data<float>();  // may be in: read before written
  for (int64_t i = 0; i < x.numel(); ++i) out[i] = in[i] * scale;
}

void ClipKernel(OpContext& ctx) {
  const float lo = ctx.HasInput("Min") ? static_cast<float>(ScalarInput(ctx, "Min"))
                                       : ctx.op().GetFloat("min", 0.0f);
  const float hi = ctx.HasInput("Max") ? static_cast<float>(ScalarInput(ctx, "Max"))
                                       : ctx.op().GetFloat("max", 0.0f);
  PD_CHECK(lo <= hi, "clip: min ", lo, " is greater than max ", hi);
  const Tensor& x = ctx.In("X");
  const float* in = x.data<float>();
  float* out = ctx.Out("Out")->mutable_data<float>();
  for (int64_t i = 0; i < x.numel(); ++i) {
    const float v = in[i];
    out[i] = v < lo ? lo : (v > hi ? hi : v);
  }
}

}  // namespace

void RegisterClipKernels(OpRegistry& r) {
  r.Add("squared_l2_norm", SquaredL2NormInferShape, "X");
  r.AddKernel("squared_l2_norm", DeviceType::kCPU, DType::kFP32, SquaredL2NormKernel);
  r.Add("clip_by_norm", LikeX, "X");
  r.AddKernel("clip_by_norm", DeviceType::kCPU, DType::kFP32, ClipByNormKernel);
  r.Add("clip", LikeX, "X");
  r.AddKernel("clip", DeviceType::kCPU, DType::kFP32, ClipKernel);
}

}  // namespace pd
