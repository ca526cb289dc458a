// batch_norm with running statistics (inference: is_test, or use_global_stats), the form the
// conv_bn_fuse pass leaves unfused, and in training mode with batch statistics
// (kernels/norm.cc's semantics; the statistics come from norm_train.cu).
#include "cuda/dense_launch.h"
#include "cuda/layout.h"
#include "cuda/norm_train_launch.h"
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

float* ChannelOut(OpContext& ctx, const char* slot, int64_t c) {
  if (!ctx.HasOutput(slot)) return nullptr;
  Tensor* t = ctx.Out(slot);
  t->Resize({c});
  return t->mutable_data<float>();
}

struct BatchNormArgs {
  FloatData x;  // bfloat16 in training alone (the inference kernel takes float32)
  const float *scale, *bias, *mean, *var;
  float eps;
  bool relu;  // fuse_with_relu: max(y, 0), a training program's batch_norm → relu fused
  ChannelShape s;
  int y_layout;  // Y stored as X is (cuda/layout.h)
};

void BatchNormInference(OpContext& ctx, const BatchNormArgs& a, cudaStream_t stream) {
  const int64_t c = a.s.channels;
  // The running statistics pass through; written before Y in case an output aliases them.
  if (float* p = ChannelOut(ctx, "MeanOut", c); p != nullptr && p != a.mean)
    PD_CUDA_CHECK(cudaMemcpyAsync(p, a.mean, c * sizeof(float), cudaMemcpyDeviceToDevice, stream));
  if (float* p = ChannelOut(ctx, "VarianceOut", c); p != nullptr && p != a.var)
    PD_CUDA_CHECK(cudaMemcpyAsync(p, a.var, c * sizeof(float), cudaMemcpyDeviceToDevice, stream));
  if (float* p = ChannelOut(ctx, "SavedMean", c))
    PD_CUDA_CHECK(cudaMemcpyAsync(p, a.mean, c * sizeof(float), cudaMemcpyDeviceToDevice, stream));
  if (float* p = ChannelOut(ctx, "SavedVariance", c)) LaunchInverseStd(a.var, p, a.eps, c, stream);
  float* y = static_cast<float*>(OutputIn(ctx.Out("Y"), a.y_layout));  // written in full
  LaunchBatchNormInference(static_cast<const float*>(a.x.data), y, a.scale, a.bias, a.mean,
                           a.var, a.eps, a.relu, a.s.outer, c, a.s.inner, stream);
}

void BatchNormTrain(OpContext& ctx, CudaContext& cu, const BatchNormArgs& a) {
  const int64_t c = a.s.channels;
  const Place place = cu.place();
  Tensor scratch, channel_scratch;
  scratch.set_place(place);
  scratch.Resize({ChannelSumScratch(a.s)});
  channel_scratch.set_place(place);
  channel_scratch.Resize({2 * c});
  BatchNormTrainOut out{};
  out.mean_out = ChannelOut(ctx, "MeanOut", c);
  out.var_out = ChannelOut(ctx, "VarianceOut", c);
  out.saved_mean = ChannelOut(ctx, "SavedMean", c);
  out.saved_inv_std = ChannelOut(ctx, "SavedVariance", c);
  out.y = OutputIn(ctx.Out("Y"), a.y_layout);  // written in full
  LaunchBatchNormTrain(a.x, a.scale, a.bias, a.mean, a.var, a.eps,
                       ctx.op().GetFloat("momentum", 0.9f), a.relu, a.s,
                       scratch.mutable_data<double>(), channel_scratch.mutable_data<float>(), out,
                       cu.cuda_stream());
}

void BatchNormKernel(OpContext& ctx) {
  CudaContext& cu = Ctx(ctx);
  const OpView& op = ctx.op();
  const bool global_stats =
      (op.GetBool("is_test", false) && !op.GetBool("trainable_statistics", false)) ||
      op.GetBool("use_global_stats", false);
  const Tensor& x = ctx.In("X");
  PD_CHECK(x.dtype() == DType::kFP32, "batch_norm: X must be float32");
  Tensor* y = ctx.Out("Y");
  PD_CHECK(x.rank() >= 2, "batch_norm: X must have at least 2 dims, got ", DimsToString(x.dims()));
  const std::string layout = op.GetString("data_layout", "NCHW");
  const bool nhwc = layout == "NHWC";
  const Dims& d = x.dims();
  const int64_t c = nhwc ? d.back() : d[1];
  BatchNormArgs a{};
  // A channels-last input (cuda/layout.h) is read as it is stored, its channel innermost, and Y
  // is written so; an op declared NHWC takes a plain copy of one. Training reads a bfloat16
  // input as it is stored too and writes Y in bfloat16 (as autocast's batch norm does), unless
  // Y is X's own tensor; the rest takes a float32 copy.
  Tensor plain;
  const bool stored_last = IsGpuChannelsLast(x) && !nhwc;
  const bool read_bf16 = IsGpuBf16(x) && !global_stats && y != &x;
  a.x = nhwc || (IsGpuBf16(x) && !read_bf16)
            ? FloatData{InLayout(x, stored_last, &plain, cu.cuda_stream()), false}
            : StoredFloats(x);
  a.s = {nhwc || stored_last ? x.numel() / c : d[0], c,
         nhwc || stored_last ? 1 : x.numel() / (d[0] * c)};
  a.y_layout = (stored_last ? kGpuChannelsLast : 0) | (a.x.bf16 ? kGpuBf16 : 0);
  a.eps = op.GetFloat("epsilon", 1e-5f);
  a.relu = op.GetBool("fuse_with_relu", false);
  a.scale = ChannelParam(ctx, "Scale", c);
  a.bias = ChannelParam(ctx, "Bias", c);
  a.mean = ChannelParam(ctx, "Mean", c);
  a.var = ChannelParam(ctx, "Variance", c);
  if (global_stats) {
    BatchNormInference(ctx, a, cu.cuda_stream());
  } else {
    BatchNormTrain(ctx, cu, a);
  }
  CheckLaunch(ctx);
}

}  // namespace

void RegisterNormKernels(OpRegistry& r) {
  r.AddKernel("batch_norm", DeviceType::kGPU, DType::kFP32, BatchNormKernel);
  r.SetLayoutRule("batch_norm", DeviceType::kGPU, AnyLayoutRule());
}

}  // namespace pd::cuda
