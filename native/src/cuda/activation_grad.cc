// Host side of the activation gradients on the GPU: the CPU kernels' checks and attribute
// defaults (kernels/activation_grad.cc), packed for activation_grad.cu.
#include <algorithm>
#include <string>

#include "cuda/grad_launch.h"
#include "cuda/layout.h"
#include "cuda/op_util.h"
#include "cuda/register.h"
#include "kernels/dropout.h"
#include "kernels/kernel_util.h"

namespace pd::cuda {
namespace {

// The forward tensor the gradient reads (Out, or X for hard_swish) and Out@GRAD: float32, same
// dims.
const Tensor& CheckedInput(const OpContext& ctx, const char* slot) {
  const Tensor& in = InputOfType(ctx, slot, DType::kFP32);
  const Tensor& dout = InputOfType(ctx, "Out@GRAD", DType::kFP32);
  PD_CHECK(in.dims() == dout.dims(), ctx.op().type(), ": ", slot, " ", DimsToString(in.dims()),
           " and Out@GRAD ", DimsToString(dout.dims()), " differ");
  return in;
}

template <ActGradKind kKind>
void ActGradKernel(OpContext& ctx) {
  CudaContext& c = Ctx(ctx);
  const OpView& op = ctx.op();
  ActGradParams p;
  const char* slot = "Out";
  switch (kKind) {
    case ActGradKind::kRelu6: p.a = op.GetFloat("threshold", 6.0f); break;
    case ActGradKind::kHardSigmoid: p.a = op.GetFloat("slope", 0.2f); break;
    case ActGradKind::kHardSwish:
      slot = "X";
      p.a = op.GetFloat("threshold", 6.0f);
      p.b = op.GetFloat("scale", 6.0f);
      p.c = op.GetFloat("offset", 3.0f);
      break;
    default: break;
  }
  const Tensor& in = CheckedInput(ctx, slot);
  // Out and Out@GRAD may be bfloat16 (ActGradRule); X@GRAD is stored as Out@GRAD is.
  const FloatData ip = StoredFloats(in);
  const Tensor& dout = ctx.In("Out@GRAD");
  const FloatData dy = StoredFloats(dout);  // read first: X@GRAD may be Out@GRAD
  // Element by element: every operand in one order.
  const int layout = (in.layout() & ~kGpuBf16) | (dout.layout() & kGpuBf16);
  Tensor* dx_t = ctx.Out("X@GRAD");
  void* dx = OutputIn(dx_t, layout);  // written in full
  LaunchActivationGrad(kKind, p, ip, dy, dx, in.numel(), c.cuda_stream());
  CheckLaunch(ctx);
}

void SoftmaxGradKernel(OpContext& ctx) {
  CudaContext& c = Ctx(ctx);
  const Tensor& out = CheckedInput(ctx, "Out");
  const Dims& d = out.dims();
  const int64_t rank = std::max<int64_t>(out.rank(), 1);
  int64_t axis = ctx.op().GetInt("axis", -1);
  PD_CHECK(axis >= -rank && axis < rank, "softmax_grad: axis ", axis, " is out of range for ",
           DimsToString(d));
  if (axis < 0) axis += rank;
  const float* y = out.data<float>();
  const float* dy = ctx.In("Out@GRAD").data<float>();
  float* dx = ctx.Out("X@GRAD")->mutable_data<float>();
  if (out.numel() == 0) return;
  const int64_t n = d.empty() ? 1 : d[axis];
  const int64_t inner = DimProduct(d, axis + 1, d.size()), outer = out.numel() / (n * inner);
  LaunchSoftmaxGrad(y, dy, dx, outer, n, inner, c.cuda_stream());
  CheckLaunch(ctx);
}

// Test mode scales by a constant and reads no Mask (the forward left it without data).
void DropoutGradKernel(OpContext& ctx) {
  CudaContext& c = Ctx(ctx);
  const Tensor& dout = InputOfType(ctx, "Out@GRAD", DType::kFP32);
  const float p = ctx.op().GetFloat("dropout_prob", 0.5f);
  const bool is_test = ctx.op().GetBool("is_test", false);
  const bool upscale = DropoutUpscales(ctx);
  const int64_t n = dout.numel();
  const uint8_t* mask = nullptr;
  float f = upscale ? 1.0f : 1.0f - p;
  if (!is_test) {
    const Tensor& m = InputOfType(ctx, "Mask", DType::kUInt8);
    PD_CHECK(m.numel() == n, "dropout_grad: Mask ", DimsToString(m.dims()), " and Out@GRAD ",
             DimsToString(dout.dims()), " differ");
    mask = m.data<uint8_t>();
    f = upscale ? 1.0f / (1.0f - p) : 1.0f;
  }
  const float* dy = dout.data<float>();
  float* dx = ctx.Out("X@GRAD")->mutable_data<float>();
  if (!is_test && upscale && p >= 1.0f) {
    if (n > 0) PD_CUDA_CHECK(cudaMemsetAsync(dx, 0, n * sizeof(float), c.cuda_stream()));
    return;
  }
  LaunchDropoutGrad(mask, dy, dx, f, n, c.cuda_stream());
  CheckLaunch(ctx);
}

}  // namespace

void RegisterActivationGradKernels(OpRegistry& r) {
  r.AddKernel("relu_grad", DeviceType::kGPU, DType::kFP32, ActGradKernel<ActGradKind::kRelu>);
  r.AddKernel("relu6_grad", DeviceType::kGPU, DType::kFP32, ActGradKernel<ActGradKind::kRelu6>);
  r.AddKernel("sigmoid_grad", DeviceType::kGPU, DType::kFP32,
              ActGradKernel<ActGradKind::kSigmoid>);
  r.AddKernel("hard_sigmoid_grad", DeviceType::kGPU, DType::kFP32,
              ActGradKernel<ActGradKind::kHardSigmoid>);
  r.AddKernel("hard_swish_grad", DeviceType::kGPU, DType::kFP32,
              ActGradKernel<ActGradKind::kHardSwish>);
  r.AddKernel("softmax_grad", DeviceType::kGPU, DType::kFP32, SoftmaxGradKernel);
  r.AddKernel("dropout_grad", DeviceType::kGPU, DType::kFP32, DropoutGradKernel);
  for (const char* type :
       {"relu_grad", "relu6_grad", "sigmoid_grad", "hard_sigmoid_grad", "hard_swish_grad"})
    r.SetLayoutRule(type, DeviceType::kGPU, ActGradRule());
}

}  // namespace pd::cuda
