// Host side of the activations on the GPU: each op's attributes, with the CPU's defaults
// (kernels/activation.cc), packed for activation.cu; and dropout at inference, which is a
// multiplication by a constant (kernels/dropout.cc).
#include <string>

#include "cuda/launchers.h"
#include "cuda/op_util.h"
#include "cuda/register.h"

namespace pd::cuda {
namespace {

ActParams Params(ActKind kind, const OpView& op) {
  ActParams p;
  switch (kind) {
    case ActKind::kRelu6: p.a = op.GetFloat("threshold", 6.0f); break;
    case ActKind::kLeakyRelu: p.a = op.GetFloat("alpha", 0.02f); break;
    case ActKind::kSwish: p.a = op.GetFloat("beta", 1.0f); break;
    case ActKind::kHardSwish:
      p.a = op.GetFloat("threshold", 6.0f);
      p.b = op.GetFloat("scale", 6.0f);
      p.c = op.GetFloat("offset", 3.0f);
      break;
    case ActKind::kHardSigmoid:
      p.a = op.GetFloat("slope", 0.2f);
      p.b = op.GetFloat("offset", 0.5f);
      break;
    default: break;
  }
  return p;
}

template <ActKind kKind>
void ActKernel(OpContext& ctx) {
  CudaContext& c = Ctx(ctx);
  const Tensor& x = ctx.In("X");
  const float* in = x.data<float>();  // read first: Out may be X
  float* out = ctx.Out("Out")->mutable_data<float>();
  LaunchActivation(kKind, Params(kKind, ctx.op()), in, out, x.numel(), c.cuda_stream());
  CheckLaunch(ctx);
}

// is_test: Out = X (upscale_in_train) or X * (1 - dropout_prob); Mask keeps its dims, no data.
// Training draws random masks, which only the CPU kernel does: the op fails here rather than
// computing something else.
void DropoutKernel(OpContext& ctx) {
  CudaContext& c = Ctx(ctx);
  PD_CHECK(ctx.op().GetBool("is_test", false),
           "dropout: training (is_test false) is not supported on the GPU; run on the CPU");
  const float p = ctx.op().GetFloat("dropout_prob", 0.5f);
  const bool upscale =
      ctx.op().GetString("dropout_implementation", "downgrade_in_infer") == "upscale_in_train";
  const Tensor& x = ctx.In("X");
  Tensor* out = ctx.Out("Out");
  const float* in = x.data<float>();
  float* o = out->mutable_data<float>();
  ActParams params;
  params.a = upscale ? 1.0f : 1.0f - p;
  LaunchActivation(ActKind::kMulConst, params, in, o, x.numel(), c.cuda_stream());
  CheckLaunch(ctx);
}

}  // namespace

void RegisterActivationKernels(OpRegistry& r) {
  r.AddKernel("relu", DeviceType::kGPU, DType::kFP32, ActKernel<ActKind::kRelu>);
  r.AddKernel("relu6", DeviceType::kGPU, DType::kFP32, ActKernel<ActKind::kRelu6>);
  r.AddKernel("leaky_relu", DeviceType::kGPU, DType::kFP32, ActKernel<ActKind::kLeakyRelu>);
  r.AddKernel("sigmoid", DeviceType::kGPU, DType::kFP32, ActKernel<ActKind::kSigmoid>);
  r.AddKernel("tanh", DeviceType::kGPU, DType::kFP32, ActKernel<ActKind::kTanh>);
  r.AddKernel("swish", DeviceType::kGPU, DType::kFP32, ActKernel<ActKind::kSwish>);
  r.AddKernel("hard_swish", DeviceType::kGPU, DType::kFP32, ActKernel<ActKind::kHardSwish>);
  r.AddKernel("hard_sigmoid", DeviceType::kGPU, DType::kFP32, ActKernel<ActKind::kHardSigmoid>);
  r.AddKernel("sqrt", DeviceType::kGPU, DType::kFP32, ActKernel<ActKind::kSqrt>);
  r.AddKernel("dropout", DeviceType::kGPU, DType::kFP32, DropoutKernel);
}

}  // namespace pd::cuda
