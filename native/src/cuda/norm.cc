// batch_norm with running statistics (inference: is_test, or use_global_stats), the form the
// conv_bn_fuse pass leaves unfused. Training-mode batch norm on the GPU belongs to the CUDA
// training kernels and fails here with that reason.
#include "cuda/dense_launch.h"
#include "cuda/op_util.h"
#include "cuda/register.h"

namespace pd::cuda {
namespace {

const float* ChannelParam(OpContext& ctx, const char* slot, int64_t c) {
  const Tensor& t = ctx.In(slot);
  PD_CHECK(t.dtype() == DType::kFP32 && t.numel() == c, "batch_norm: ", slot, " ",
           DimsToString(t.dims()), " must hold ", c, " floats");
  return t.data<float>();
}

void BatchNormKernel(OpContext& ctx) {
  CudaContext& cu = Ctx(ctx);
  const OpView& op = ctx.op();
  const bool global_stats =
      (op.GetBool("is_test", false) && !op.GetBool("trainable_statistics", false)) ||
      op.GetBool("use_global_stats", false);
  PD_CHECK(global_stats, "batch_norm: training mode (batch statistics) does not run on the GPU "
                         "yet; inference programs have is_test set");
  const Tensor& x = ctx.In("X");
  PD_CHECK(x.rank() >= 2, "batch_norm: X must have at least 2 dims, got ", DimsToString(x.dims()));
  const std::string layout = op.GetString("data_layout", "NCHW");
  const bool nhwc = layout == "NHWC";
  const Dims& d = x.dims();
  const int64_t c = nhwc ? d.back() : d[1];
  const int64_t outer = nhwc ? x.numel() / c : d[0];
  const int64_t inner = nhwc ? 1 : x.numel() / (d[0] * c);
  const float eps = op.GetFloat("epsilon", 1e-5f);
  const float* scale = ChannelParam(ctx, "Scale", c);
  const float* bias = ChannelParam(ctx, "Bias", c);
  const float* mean = ChannelParam(ctx, "Mean", c);
  const float* var = ChannelParam(ctx, "Variance", c);
  const cudaStream_t stream = cu.cuda_stream();
  // The running statistics pass through; written before Y in case an output aliases them.
  const auto channel_out = [&](const char* slot) -> float* {
    if (!ctx.HasOutput(slot)) return nullptr;
    Tensor* t = ctx.Out(slot);
    t->Resize({c});
    return t->mutable_data<float>();
  };
  if (float* p = channel_out("MeanOut"); p != nullptr && p != mean)
    PD_CUDA_CHECK(cudaMemcpyAsync(p, mean, c * sizeof(float), cudaMemcpyDeviceToDevice, stream));
  if (float* p = channel_out("VarianceOut"); p != nullptr && p != var)
    PD_CUDA_CHECK(cudaMemcpyAsync(p, var, c * sizeof(float), cudaMemcpyDeviceToDevice, stream));
  if (float* p = channel_out("SavedMean"))
    PD_CUDA_CHECK(cudaMemcpyAsync(p, mean, c * sizeof(float), cudaMemcpyDeviceToDevice, stream));
  if (float* p = channel_out("SavedVariance")) LaunchInverseStd(var, p, eps, c, stream);
  float* y = ctx.Out("Y")->mutable_data<float>();
  LaunchBatchNormInference(x.data<float>(), y, scale, bias, mean, var, eps, outer, c, inner,
                           stream);
  CheckLaunch(ctx);
}

}  // namespace

void RegisterNormKernels(OpRegistry& r) {
  r.AddKernel("batch_norm", DeviceType::kGPU, DType::kFP32, BatchNormKernel);
}

}  // namespace pd::cuda
