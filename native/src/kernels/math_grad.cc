// Gradients of the dense math ops. mul_grad: with X flattened to [m, k] and Y to [k, n] as the forward op does,
// dX = dOut · Yᵀ and dY = Xᵀ · dOut, each reshaped back to its variable's dims.
#include "kernels/blas.h"
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
  const int64_t xn = ctx.op().GetInt("x_num_col_dims", 1), yn = ctx.op().GetInt("y_num_col_dims", 1);
  const int64_t m = DimProduct(x.dims(), 0, xn), k = DimProduct(x.dims(), xn, x.dims().size());
  const int64_t n = DimProduct(y.dims(), yn, y.dims().size());
  PD_CHECK(DimProduct(y.dims(), 0, yn) == k && dout.numel() == m * n, "mul_grad: X ",
           DimsToString(x.dims()), ", Y ", DimsToString(y.dims()), " and Out@GRAD ",
           DimsToString(dout.dims()), " do not fit together");
  const int threads = ctx.config().num_threads;
  if (ctx.HasOutput("X@GRAD")) {
    Sgemm(false, true, m, k, n, 1.0f, dout.data<float>(), n, y.data<float>(), n, 0.0f,
          ctx.Out("X@GRAD")->mutable_data<float>(), k, threads);
  }
  if (ctx.HasOutput("Y@GRAD")) {
    Sgemm(true, false, k, n, m, 1.0f, x.data<float>(), k, dout.data<float>(), n, 0.0f,
          ctx.Out("Y@GRAD")->mutable_data<float>(), n, threads);
  }
}

}  // namespace

void RegisterMathGradKernels(OpRegistry& r) {
  r.SetGradMaker("mul", MulGradMaker);
  r.SetGradMaker("scale", ScaleGradMaker);
  r.Add("mul_grad", MulGradInferShape, "Out@GRAD");
  r.AddKernel("mul_grad", DeviceType::kCPU, DType::kFP32, MulGradKernel);
}

}  // namespace pd
