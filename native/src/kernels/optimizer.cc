// Optimizer ops. sgd: ParamOut = Param - LearningRate * Grad, element by element (dense).
// In a training program ParamOut names Param itself: the update lands in the parameter tensor
// that every op reads (framework/op_registry.h, OpContext), and kernels that keep something
// derived from it see its stamp change.
#include "kernels/kernel_util.h"
#include "kernels/register.h"

namespace pd {
namespace {

void SgdInferShape(OpContext& ctx) {
  const Tensor& p = InputWithData(ctx, "Param");
  const Tensor& g = InputWithData(ctx, "Grad");
  PD_CHECK(g.dims() == p.dims(), "sgd: Grad ", DimsToString(g.dims()), " must have Param's shape ",
           DimsToString(p.dims()));
  PD_CHECK(InputWithData(ctx, "LearningRate").numel() == 1,
           "sgd: LearningRate must hold one value");
  ctx.Out("ParamOut")->Resize(p.dims());
}

void SgdKernel(OpContext& ctx) {
  const Tensor& p = InputOfType(ctx, "Param", DType::kFP32);
  const float* g = InputOfType(ctx, "Grad", DType::kFP32).data<float>();
  const float lr = InputOfType(ctx, "LearningRate", DType::kFP32).data<float>()[0];
  const int64_t n = p.numel();
  Tensor* out = ctx.Out("ParamOut");
  // In place (ParamOut is Param): each element is read before it is written.
  const float* in = p.data<float>();
  float* o = out == &p ? out->data_mut<float>() : out->mutable_data<float>();
  for (int64_t i = 0; i < n; ++i) o[i] = in[i] - lr * g[i];
}

}  // namespace

void RegisterOptimizerKernels(OpRegistry& r) {
  r.Add("sgd", SgdInferShape, "Param");
  r.AddKernel("sgd", DeviceType::kCPU, DType::kFP32, SgdKernel);
}

}  // namespace pd
