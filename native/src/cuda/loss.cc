// Host side of the losses and mean on the GPU, with the CPU kernels' checks and shapes
// (kernels/loss.cc, whose shape inference has already run). Labels stay on the device: a label
// out of range yields NaN there instead of the CPU's error (grad_launch.h).
#include <algorithm>

#include "cuda/grad_launch.h"
#include "cuda/op_util.h"
#include "cuda/register.h"
#include "kernels/kernel_util.h"
#include "kernels/loss_rows.h"

namespace pd::cuda {
namespace {

const Tensor& Label(const OpContext& ctx) {
  const Tensor& label = InputWithData(ctx, "Label");
  PD_CHECK(label.dtype() == DType::kInt64 || label.dtype() == DType::kInt32, ctx.op().type(),
           ": Label must be int64 or int32");
  return label;
}

// Calls f with the label's element pointer, typed.
template <typename F>
void WithLabel(const Tensor& label, F&& f) {
  if (label.dtype() == DType::kInt64) {
    f(label.data<int64_t>());
  } else {
    f(label.data<int32_t>());
  }
}

void SwceKernel(OpContext& ctx) {
  CudaContext& c = Ctx(ctx);
  const Tensor& logits = ctx.In("Logits");
  const Tensor& label = Label(ctx);
  const LossRows r = SoftmaxCrossEntropyRows(ctx, logits);
  const int64_t ignore = ctx.op().GetInt("ignore_index", -100);
  const float* x = logits.data<float>();
  float* sm = ctx.Out("Softmax")->mutable_data<float>();
  float* loss = ctx.Out("Loss")->mutable_data<float>();
  WithLabel(label, [&](auto* l) {
    LaunchSoftmaxCrossEntropy(x, l, sm, loss, r.rows, r.classes, ignore, c.cuda_stream());
  });
  CheckLaunch(ctx);
}

void SwceGradKernel(OpContext& ctx) {
  CudaContext& c = Ctx(ctx);
  const Tensor& sm = InputOfType(ctx, "Softmax", DType::kFP32);
  const Tensor& label = Label(ctx);
  const float* dloss = InputOfType(ctx, "Loss@GRAD", DType::kFP32).data<float>();
  const LossRows r = SoftmaxCrossEntropyRows(ctx, sm);
  const int64_t ignore = ctx.op().GetInt("ignore_index", -100);
  const float* s = sm.data<float>();
  float* dx = ctx.Out("Logits@GRAD")->mutable_data<float>();
  WithLabel(label, [&](auto* l) {
    LaunchSoftmaxCrossEntropyGrad(s, l, dloss, dx, r.rows, r.classes, ignore, c.cuda_stream());
  });
  CheckLaunch(ctx);
}

// XShape carries X's dims for the gradient and no data, as on the CPU.
void CrossEntropy2Kernel(OpContext& ctx) {
  CudaContext& c = Ctx(ctx);
  const Tensor& x = ctx.In("X");
  const Tensor& label = Label(ctx);
  const int64_t classes = x.dims().back(), rows = classes ? x.numel() / classes : 0;
  const int64_t ignore = ctx.op().GetInt("ignore_index", -100);
  const float* p = x.data<float>();
  float* y = ctx.Out("Y")->mutable_data<float>();
  float* match = ctx.HasOutput("MatchX") ? ctx.Out("MatchX")->mutable_data<float>() : nullptr;
  WithLabel(label, [&](auto* l) {
    LaunchCrossEntropy2(p, l, y, match, rows, classes, ignore, c.cuda_stream());
  });
  CheckLaunch(ctx);
}

void CrossEntropyGrad2Kernel(OpContext& ctx) {
  CudaContext& c = Ctx(ctx);
  const Tensor& label = Label(ctx);
  const float* match = InputOfType(ctx, "MatchX", DType::kFP32).data<float>();
  const float* dy = InputOfType(ctx, "Y@GRAD", DType::kFP32).data<float>();
  Tensor* dx_t = ctx.Out("X@GRAD");
  const int64_t classes = dx_t->dims().back(), rows = classes ? dx_t->numel() / classes : 0;
  const int64_t ignore = ctx.op().GetInt("ignore_index", -100);
  float* dx = dx_t->mutable_data<float>();
  WithLabel(label, [&](auto* l) {
    LaunchCrossEntropyGrad2(match, l, dy, dx, rows, classes, ignore, c.cuda_stream());
  });
  CheckLaunch(ctx);
}

// Shape inference has allowed only the mean over all elements (mean, or reduce_mean over every
// dim); the result is one float.
void MeanKernel(OpContext& ctx) {
  CudaContext& c = Ctx(ctx);
  const Tensor& x = ctx.In("X");
  const float* p = x.data<float>();
  float* out = ctx.Out("Out")->mutable_data<float>();
  const int64_t n = x.numel();
  if (n == 0) {
    PD_CUDA_CHECK(cudaMemsetAsync(out, 0, sizeof(float), c.cuda_stream()));
    return;
  }
  Tensor scratch;
  scratch.set_place(c.place());
  scratch.Resize({MeanScratch(n)});
  LaunchMean(p, out, n, scratch.mutable_data<double>(), c.cuda_stream());
  CheckLaunch(ctx);
}

void MeanGradKernel(OpContext& ctx) {
  CudaContext& c = Ctx(ctx);
  const Tensor& x = ctx.In("X");
  const float* dout = InputOfType(ctx, "Out@GRAD", DType::kFP32).data<float>();
  const float count = static_cast<float>(std::max<int64_t>(x.numel(), 1));
  float* dx = ctx.Out("X@GRAD")->mutable_data<float>();
  LaunchMeanGrad(dout, dx, count, x.numel(), c.cuda_stream());
  CheckLaunch(ctx);
}

}  // namespace

void RegisterLossKernels(OpRegistry& r) {
  r.AddKernel("softmax_with_cross_entropy", DeviceType::kGPU, DType::kFP32, SwceKernel);
  r.AddKernel("softmax_with_cross_entropy_grad", DeviceType::kGPU, DType::kFP32, SwceGradKernel);
  r.AddKernel("cross_entropy2", DeviceType::kGPU, DType::kFP32, CrossEntropy2Kernel);
  r.AddKernel("cross_entropy_grad2", DeviceType::kGPU, DType::kFP32, CrossEntropyGrad2Kernel);
  r.AddKernel("mean", DeviceType::kGPU, DType::kFP32, MeanKernel);
  r.AddKernel("reduce_mean", DeviceType::kGPU, DType::kFP32, MeanKernel);
  for (const char* type : {"mean_grad", "reduce_mean_grad"})
    r.AddKernel(type, DeviceType::kGPU, DType::kFP32, MeanGradKernel);
}

}  // namespace pd::cuda
