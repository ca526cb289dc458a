// batch_norm_grad with kernels/norm_grad.cc's semantics: with batch statistics x̂ comes from
// SavedMean and SavedVariance (the inverse std); with the running ones (use_global_stats or
// is_test) from Mean and 1/√(Variance + ε), and X@GRAD is the affine map's. Any of the three
// outputs may be absent.
#include "cuda/dense_launch.h"
#include "cuda/layout.h"
#include "cuda/norm_train_launch.h"
#include "cuda/op_util.h"
#include "cuda/register.h"
#include "kernels/channel_view.h"
#include "kernels/kernel_util.h"
#include "kernels/window.h"

namespace pd::cuda {
namespace {

const float* Channels(const OpContext& ctx, const char* slot, int64_t c) {
  const Tensor& t = InputOfType(ctx, slot, DType::kFP32);
  PD_CHECK(t.numel() == c, "batch_norm_grad: ", slot, " ", DimsToString(t.dims()), " must hold ",
           c, " values");
  return t.data<float>();
}

// The kernels below write each output they are given in full.
float* OutputOrNull(OpContext& ctx, const char* slot) {
  return ctx.HasOutput(slot) ? ctx.Out(slot)->mutable_data_for_overwrite<float>() : nullptr;
}

void BatchNormGradKernel(OpContext& ctx) {
  CudaContext& cu = Ctx(ctx);
  const cudaStream_t stream = cu.cuda_stream();
  const OpView& op = ctx.op();
  const Tensor& x = InputOfType(ctx, "X", DType::kFP32);
  const Tensor& dy = InputOfType(ctx, "Y@GRAD", DType::kFP32);  // or bfloat16 (NormGradRule)
  PD_CHECK(x.rank() >= 2, "batch_norm_grad: X must have rank >= 2, got ", DimsToString(x.dims()));
  PD_CHECK(dy.dims() == x.dims(), "batch_norm_grad: Y@GRAD ", DimsToString(dy.dims()),
           " must have X's shape ", DimsToString(x.dims()));
  // A channels-last X (cuda/layout.h; Y@GRAD then too, the layout rule sees to it) is read as
  // it is stored, its channel innermost, and X@GRAD is written so. A bfloat16 X (the forward
  // read it so) and Y@GRAD are read as stored too; X@GRAD is stored as Y@GRAD is.
  const bool stored_last = IsGpuChannelsLast(x);
  const ChannelView v = ChannelViewOf(x, IsChannelsLast(ctx, "data_layout"));
  const ChannelShape s = stored_last ? ChannelShape{x.numel() / x.dim(1), x.dim(1), 1}
                                     : ChannelShape{v.outer, v.c, v.inner};
  const float* scale = Channels(ctx, "Scale", s.channels);
  const bool running = op.GetBool("use_global_stats", false) || op.GetBool("is_test", false);
  const Place place = cu.place();
  // The inputs' buffers before any output is taken: an X@GRAD named as Y@GRAD (in place) and
  // shared with another tensor gets a buffer of its own when taken.
  const FloatData xp = StoredFloats(x);
  const FloatData dyp = StoredFloats(dy);
  Tensor inv_std_t;
  const float *mean, *inv_std;
  if (running) {
    mean = Channels(ctx, "Mean", s.channels);
    inv_std_t.set_place(place);
    inv_std_t.Resize({s.channels});
    float* p = inv_std_t.mutable_data<float>();
    LaunchInverseStd(Channels(ctx, "Variance", s.channels), p, op.GetFloat("epsilon", 1e-5f),
                     s.channels, stream);
    inv_std = p;
  } else {
    mean = Channels(ctx, "SavedMean", s.channels);
    inv_std = Channels(ctx, "SavedVariance", s.channels);
  }
  void* dx = ctx.HasOutput("X@GRAD")
                 ? OutputIn(ctx.Out("X@GRAD"),
                            (stored_last ? kGpuChannelsLast : 0) | (dyp.bf16 ? kGpuBf16 : 0))
                 : nullptr;
  float* dbias_out = OutputOrNull(ctx, "Bias@GRAD");
  float* dscale_out = OutputOrNull(ctx, "Scale@GRAD");
  // X@GRAD with batch statistics needs the channel sums in double; the running form needs them
  // only for Scale@GRAD and Bias@GRAD.
  const bool sums_for_dx = dx != nullptr && !running;
  Tensor scratch;
  scratch.set_place(place);
  scratch.Resize({ChannelSumScratch(s) + 2 * s.channels});
  double* dbias = nullptr;
  double* dscale = nullptr;
  if (sums_for_dx || dbias_out != nullptr || dscale_out != nullptr) {
    double* p = scratch.mutable_data<double>();
    if (sums_for_dx) {
      dbias = p;
      dscale = p + s.channels;
    }
    LaunchBatchNormGradSums(xp, dyp, mean, inv_std, s,
                            p + 2 * s.channels, dbias, dscale, dbias_out, dscale_out, stream);
  }
  if (dx != nullptr)
    LaunchBatchNormGradInput(xp, dyp, scale, mean, inv_std, dbias,
                             dscale, running, s, dx, stream);
  CheckLaunch(ctx);
}

}  // namespace

void RegisterNormGradKernels(OpRegistry& r) {
  r.AddKernel("batch_norm_grad", DeviceType::kGPU, DType::kFP32, BatchNormGradKernel);
  r.SetLayoutRule("batch_norm_grad", DeviceType::kGPU, NormGradRule());
}

}  // namespace pd::cuda
