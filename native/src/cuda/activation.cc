// Host side of the activations on the GPU: each op's attributes, with the CPU's defaults
// (kernels/activation.cc), packed for activation.cu; and dropout (kernels/dropout.cc).
#include <string>
#include <vector>

#include "cuda/cuda_check.h"
#include "cuda/grad_launch.h"
#include "cuda/host_inputs.h"
#include "cuda/launchers.h"
#include "cuda/layout.h"
#include "cuda/op_util.h"
#include "cuda/register.h"
#include "kernels/dropout.h"

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
  const int layout = x.layout();       // element by element: Out keeps X's layout
  Tensor* out_t = ctx.Out("Out");
  float* out = out_t->mutable_data_for_overwrite<float>();  // written in full
  out_t->set_layout(layout);
  LaunchActivation(kKind, Params(kKind, ctx.op()), in, out, x.numel(), c.cuda_stream());
  CheckLaunch(ctx);
}

// is_test: Out = X (upscale_in_train) or X * (1 - dropout_prob); Mask keeps its dims, no data.
// Training: the CPU's mask for the same seed (kernels/dropout.h), drawn on the host and uploaded
// (the copy from pageable memory waits for the stream: dropout in training costs one wait),
// then Out = X * Mask (/ (1 - p) with upscale_in_train). A recorded run would repeat one mask
// (and read host memory long gone): training dropout refuses to be recorded, and its run goes
// op by op.
void DropoutKernel(OpContext& ctx) {
  CudaContext& c = Ctx(ctx);
  const float p = ctx.op().GetFloat("dropout_prob", 0.5f);
  PD_CHECK(p >= 0.0f && p <= 1.0f, "dropout: dropout_prob ", p, " is not in [0, 1]");
  const bool upscale = DropoutUpscales(ctx);
  const Tensor& x = ctx.In("X");
  const int64_t n = x.numel();
  const float* in = x.data<float>();
  float* o = ctx.Out("Out")->mutable_data<float>();
  if (ctx.op().GetBool("is_test", false)) {
    ActParams params;
    params.a = upscale ? 1.0f : 1.0f - p;
    LaunchActivation(ActKind::kMulConst, params, in, o, n, c.cuda_stream());
    CheckLaunch(ctx);
    return;
  }
  PD_CHECK(ctx.HasOutput("Mask"), "dropout: training (is_test false) needs the Mask output");
  PD_CHECK(!Recording(), "dropout: a training run draws its mask on the host at each step, "
           "which a recorded run cannot");
  uint8_t* mask = ctx.Out("Mask")->mutable_data<uint8_t>();
  std::vector<uint8_t> host(static_cast<size_t>(n), 0);
  if (p < 1.0f) {
    HostInputs seed_on_host(ctx, {"Seed"});
    DropoutMask(DropoutSeed(ctx), p, n, host.data());
  }
  if (n > 0)
    PD_CUDA_CHECK(cudaMemcpyAsync(mask, host.data(), n, cudaMemcpyHostToDevice, c.cuda_stream()));
  LaunchDropoutGrad(mask, in, o, p < 1.0f && upscale ? 1.0f / (1.0f - p) : 1.0f, n, c.cuda_stream());
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
  for (const char* type : {"relu", "relu6", "leaky_relu", "sigmoid", "tanh", "swish", "hard_swish",
                           "hard_sigmoid", "sqrt"})
    r.SetLayoutRule(type, DeviceType::kGPU, SameLayoutRuleIfWanted());
}

}  // namespace pd::cuda
