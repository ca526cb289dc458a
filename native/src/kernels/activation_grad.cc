// Gradients of the activations: relu_grad reads the forward output, as Paddle's does
// (dX = dOut where Out > 0, else 0).
#include "kernels/kernel_util.h"
#include "kernels/register.h"

namespace pd {
namespace {

void ReluGradMaker(GradOpBuilder& g) {
  g.Add("relu_grad")
      .In("Out", g.Output("Out"))
      .In("Out@GRAD", g.OutputGrad("Out"))
      .Out("X@GRAD", g.InputGrad("X"));
}

// dX has dOut's shape and LoD.
void LikeOutGrad(OpContext& ctx) {
  Tensor* dx = ctx.Out("X@GRAD");
  dx->Resize(InputWithData(ctx, "Out@GRAD").dims());
  ShareLoD(ctx, "Out@GRAD", "X@GRAD");
}

void ReluGradKernel(OpContext& ctx) {
  const Tensor& out = InputOfType(ctx, "Out", DType::kFP32);
  const Tensor& dout = ctx.In("Out@GRAD");
  PD_CHECK(out.dims() == dout.dims(), "relu_grad: Out ", DimsToString(out.dims()),
           " and Out@GRAD ", DimsToString(dout.dims()), " differ");
  const float* y = out.data<float>();
  const float* dy = dout.data<float>();
  float* dx = ctx.Out("X@GRAD")->mutable_data<float>();
  const int64_t n = out.numel();
  for (int64_t i = 0; i < n; ++i) dx[i] = y[i] > 0.0f ? dy[i] : 0.0f;
}

}  // namespace

void RegisterActivationGradKernels(OpRegistry& r) {
  r.SetGradMaker("relu", ReluGradMaker);
  r.Add("relu_grad", LikeOutGrad, "Out@GRAD");
  r.AddKernel("relu_grad", DeviceType::kCPU, DType::kFP32, ReluGradKernel);
}

}  // namespace pd
