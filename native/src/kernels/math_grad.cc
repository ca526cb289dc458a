// Gradients of the dense math ops. mul_grad: with X flattened to [m, k] and Y to [k, n] as the forward op does,
// dX = dOut · Yᵀ and dY = Xᵀ · dOut, each reshaped back to its variable's dims.
// fc_grad: fc (made by a fusion pass from mul + elementwise_add [+ relu]) has no gradient in
// Paddle; ours is the unfused ops' in one: dPre = dOut (times Out > 0 with relu), then
// dInput = dPre · Wᵀ, dW = Inputᵀ · dPre and dBias = dPre summed over the rows.
#include <algorithm>
#include <string>
#include <vector>

#include "kernels/bf16.h"
#include "kernels/blas.h"
#include "kernels/gemm_grad_plan.h"
#include "kernels/kernel_util.h"
#include "kernels/register.h"

namespace pd {
namespace {

void MulGradMaker(GradOpBuilder& g) {
  g.Add("mul_grad")
      .In("X", g.Input("X"))
      .In("Y", g.Input("Y"))
      .In("Out@GRAD", g.OutputGrad("Out"))
      .Out("X@GRAD", g.InputGrad("X"))
      .Out("Y@GRAD", g.InputGrad("Y"));
}

// The gradient of scale is a scale by the same factor without the bias (Paddle's maker).
void ScaleGradMaker(GradOpBuilder& g) {
  g.Add("scale")
      .In("X", g.OutputGrad("Out"))
      .In("ScaleTensor", g.Input("ScaleTensor"))
      .Out("Out", g.InputGrad("X"))
      .Float("bias", 0.0f)
      .Bool("bias_after_scale", true);
}

void MulGradInferShape(OpContext& ctx) {
  for (const char* slot : {"X", "Y"}) {
    const std::string grad = std::string(slot) + "@GRAD";
    if (!ctx.HasOutput(grad)) continue;
    ctx.Out(grad)->Resize(InputWithData(ctx, slot).dims());
    ShareLoD(ctx, slot, grad);
  }
}

void MulGradKernel(OpContext& ctx) {
  const Tensor& x = InputOfType(ctx, "X", DType::kFP32);
  const Tensor& y = InputOfType(ctx, "Y", DType::kFP32);
  const Tensor& dout = InputOfType(ctx, "Out@GRAD", DType::kFP32);
  const auto [m, k, n] = MulGradShape(ctx);
  const int threads = ctx.config().num_threads;
  // A marked op (kernels/bf16.h) reads X, Y and Out@GRAD as bfloat16, as Paddle's AMP does.
  const bool bf16 = WantsBf16(ctx.op());
  std::vector<float> x_bf16, y_bf16, dout_bf16;
  const float* dp = Bf16Rounded(dout.data<float>(), dout.numel(), bf16, &dout_bf16);
  if (ctx.HasOutput("X@GRAD")) {
    const float* yp = Bf16Rounded(y.data<float>(), y.numel(), bf16, &y_bf16);
    Sgemm(false, true, m, k, n, 1.0f, dp, n, yp, n, 0.0f,
          ctx.Out("X@GRAD")->mutable_data<float>(), k, threads);
  }
  if (ctx.HasOutput("Y@GRAD")) {
    const float* xp = Bf16Rounded(x.data<float>(), x.numel(), bf16, &x_bf16);
    Sgemm(true, false, k, n, m, 1.0f, xp, k, dp, n, 0.0f,
          ctx.Out("Y@GRAD")->mutable_data<float>(), n, threads);
  }
}

void FcGradMaker(GradOpBuilder& g) {
  g.Add("fc_grad")
      .In("Input", g.Input("Input"))
      .In("W", g.Input("W"))
      .In("Bias", g.Input("Bias"))
      .In("Out", g.Output("Out"))
      .In("Out@GRAD", g.OutputGrad("Out"))
      .Out("Input@GRAD", g.InputGrad("Input"))
      .Out("W@GRAD", g.InputGrad("W"))
      .Out("Bias@GRAD", g.InputGrad("Bias"));
}

void FcGradInferShape(OpContext& ctx) {
  for (const char* slot : {"Input", "W", "Bias"}) {
    const std::string grad = std::string(slot) + "@GRAD";
    if (!ctx.HasOutput(grad)) continue;
    ctx.Out(grad)->Resize(InputWithData(ctx, slot).dims());
  }
  if (ctx.HasOutput("Input@GRAD")) ShareLoD(ctx, "Input", "Input@GRAD");
}

void FcGradKernel(OpContext& ctx) {
  const Tensor& x = InputOfType(ctx, "Input", DType::kFP32);
  const Tensor& w = InputOfType(ctx, "W", DType::kFP32);
  const Tensor& dout = InputOfType(ctx, "Out@GRAD", DType::kFP32);
  const auto [m, k, n] = FcGradShape(ctx);
  const std::string act = ctx.op().GetString("activation_type", "");
  // dPre: the gradient before the activation.
  std::vector<float> dpre(dout.data<float>(), dout.data<float>() + m * n);
  if (act == "relu") {
    const Tensor& out = InputOfType(ctx, "Out", DType::kFP32);
    PD_CHECK(out.numel() == m * n, "fc_grad: Out ", DimsToString(out.dims()),
             " does not match Out@GRAD");
    const float* y = out.data<float>();
    for (int64_t i = 0; i < m * n; ++i)
      if (!(y[i] > 0.0f)) dpre[i] = 0.0f;
  }
  const int threads = ctx.config().num_threads;
  if (ctx.HasOutput("Input@GRAD")) {
    Sgemm(false, true, m, k, n, 1.0f, dpre.data(), n, w.data<float>(), n, 0.0f,
          ctx.Out("Input@GRAD")->mutable_data<float>(), k, threads);
  }
  if (ctx.HasOutput("W@GRAD")) {
    Sgemm(true, false, k, n, m, 1.0f, x.data<float>(), k, dpre.data(), n, 0.0f,
          ctx.Out("W@GRAD")->mutable_data<float>(), n, threads);
  }
  if (ctx.HasOutput("Bias@GRAD")) {
    PD_CHECK(ctx.In("Bias").numel() == n, "fc_grad: Bias must hold ", n, " values");
    float* db = ctx.Out("Bias@GRAD")->mutable_data<float>();
    std::fill(db, db + n, 0.0f);
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) db[j] += dpre[i * n + j];
  }
}

}  // namespace

void RegisterMathGradKernels(OpRegistry& r) {
  r.SetGradMaker("mul", MulGradMaker);
  r.SetGradMaker("scale", ScaleGradMaker);
  r.Add("mul_grad", MulGradInferShape, "Out@GRAD");
  r.AddKernel("mul_grad", DeviceType::kCPU, DType::kFP32, MulGradKernel);
  r.SetGradMaker("fc", FcGradMaker);
  r.Add("fc_grad", FcGradInferShape, "Out@GRAD");
  r.AddKernel("fc_grad", DeviceType::kCPU, DType::kFP32, FcGradKernel);
}

}  // namespace pd
