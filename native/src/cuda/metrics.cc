// top_k, top_k_v2 and accuracy on the GPU, as kernels/metrics.cc computes them, so that a
// training step's metrics need no copy of the probabilities to the host mid-step. k comes from
// Out's dims, which the shared shape inference set (reading a K input on the host).
#include "cuda/host_inputs.h"
#include "cuda/metrics_launch.h"
#include "cuda/op_util.h"
#include "cuda/register.h"

namespace pd::cuda {
namespace {

void TopKKernel(OpContext& ctx) {
  CudaContext& cu = Ctx(ctx);
  const Tensor& x = ctx.In("X");
  Tensor* out = ctx.Out("Out");
  const int64_t n = x.dims().back(), k = out->dims().back(), rows = n ? x.numel() / n : 0;
  LaunchTopK(x.data<float>(), rows, n, k, out->mutable_data<float>(),
             ctx.Out("Indices")->mutable_data<int64_t>(), cu.cuda_stream());
  CheckLaunch(ctx);
}

void AccuracyKernel(OpContext& ctx) {
  CudaContext& cu = Ctx(ctx);
  const Tensor& idx = ctx.In("Indices");
  const Tensor& label = ctx.In("Label");
  const int64_t rows = idx.dim(0), k = idx.dim(1);
  float* accuracy = ctx.Out("Accuracy")->mutable_data<float>();
  int32_t* correct = ctx.HasOutput("Correct") ? ctx.Out("Correct")->mutable_data<int32_t>() : nullptr;
  int32_t* total = ctx.HasOutput("Total") ? ctx.Out("Total")->mutable_data<int32_t>() : nullptr;
  switch (label.dtype()) {
    case DType::kInt64:
      LaunchAccuracy(idx.data<int64_t>(), label.data<int64_t>(), rows, k, accuracy, correct, total,
                     cu.cuda_stream());
      break;
    case DType::kInt32:
      LaunchAccuracy(idx.data<int64_t>(), label.data<int32_t>(), rows, k, accuracy, correct, total,
                     cu.cuda_stream());
      break;
    default:
      Fail("accuracy: Label must hold int64 or int32, not ", DTypeName(label.dtype()));
  }
  CheckLaunch(ctx);
}

}  // namespace

void RegisterMetricKernels(OpRegistry& r) {
  for (const char* type : {"top_k", "top_k_v2"}) {
    ReadOnHostForInferShape(r, type, {"K"});
    r.AddKernel(type, DeviceType::kGPU, DType::kFP32, TopKKernel);
  }
  r.AddKernel("accuracy", DeviceType::kGPU, DType::kInt64, AccuracyKernel);
}

}  // namespace pd::cuda
