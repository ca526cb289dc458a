// batch_norm: inference with the running statistics, and training with batch statistics (Paddle's
// batch_norm_kernel), channel axis 1 (NCHW) or last (NHWC).
#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels/channel_view.h"
#include "kernels/cpu_features.h"
#include "kernels/kernel_util.h"
#include "kernels/parallel.h"
#include "kernels/register.h"
#include "kernels/row_sums.h"
#include "kernels/window.h"

namespace pd {
namespace {

ChannelView ChannelViewOf(const OpContext& ctx) {
  const Tensor& x = InputOfType(ctx, "X", DType::kFP32);
  PD_CHECK(x.rank() >= 2, "batch_norm: X must have rank >= 2, got ", DimsToString(x.dims()));
  return ChannelViewOf(x, IsChannelsLast(ctx, "data_layout"));
}

const float* ChannelParam(const OpContext& ctx, const char* slot, int64_t c) {
  const Tensor& t = InputOfType(ctx, slot, DType::kFP32);
  PD_CHECK(t.numel() == c, "batch_norm: ", slot, " ", DimsToString(t.dims()), " must hold ", c,
           " values");
  return t.data<float>();
}

float* ChannelOut(OpContext& ctx, const char* slot, int64_t c) {
  if (!ctx.HasOutput(slot)) return nullptr;
  Tensor* t = ctx.Out(slot);
  t->Resize({c});
  return t->mutable_data<float>();
}

void BatchNormInferShape(OpContext& ctx) {
  const int64_t c = ChannelViewOf(ctx).c;
  ctx.Out("Y")->Resize(ctx.In("X").dims());
  ctx.Out("Y")->set_layout(ctx.In("X").layout());  // plain, or channels-last (NormLayouts)
  ShareLoD(ctx, "X", "Y");
  for (const char* slot : {"MeanOut", "VarianceOut", "SavedMean", "SavedVariance"})
    if (ctx.HasOutput(slot)) ctx.Out(slot)->Resize({c});
}

// Channels in each thread's part: enough that a part outweighs starting the thread.
int64_t MinChannelsPerThread(const ChannelView& v) {
  return kMinElementsPerThread / std::max<int64_t>(v.outer * v.inner, 1) + 1;
}

// Batch mean and biased variance of channels [c0, c1), over outer and inner: each row of inner
// values summed in float lanes (row_sums.h), the rows in double.
PD_KERNEL_ISAS void ChannelMoments(const float* x, const ChannelView& v, int64_t c0, int64_t c1,
                                   float* mean, float* var) {
  const double count = static_cast<double>(v.outer * v.inner);
  if (v.inner == 1) {
    // Channels side by side (a training step's layout): one pass over x, its sums running
    // across the channels (ChannelsLastSums), of d = x − k and of d², k each channel's first
    // value. Shifted so, the variance E[d²] − E[d]² is no difference of two large numbers: k
    // lies within the channel's spread. A second pass for the squared deviations from the mean
    // cost a third of the op on tensors that do not fit in cache.
    const float* __restrict k = x + c0;
    std::vector<double> sum(c1 - c0), sq(c1 - c0);
    double* const totals[2] = {sum.data(), sq.data()};
    ChannelsLastSums(
        v, c0, c1,
        [&](int64_t o, float* __restrict part, int64_t width) {
          const float* __restrict row = x + o * v.c + c0;
          float* __restrict squares = part + width;
          for (int64_t j = 0; j < width; ++j) {
            const float d = row[j] - k[j];
            part[j] += d;
            squares[j] += d * d;
          }
        },
        totals);
    for (int64_t c = c0; c < c1; ++c) {
      const double shift = sum[c - c0] / count;
      mean[c] = static_cast<float>(k[c - c0] + shift);
      var[c] = static_cast<float>(std::max(0.0, sq[c - c0] / count - shift * shift));
    }
    return;
  }
  for (int64_t c = c0; c < c1; ++c) {
    double sum = 0, sq = 0;
    for (int64_t o = 0; o < v.outer; ++o) sum += RowSum(x + (o * v.c + c) * v.inner, v.inner);
    mean[c] = static_cast<float>(sum / count);
    for (int64_t o = 0; o < v.outer; ++o)
      sq += RowSquaredDeviations(x + (o * v.c + c) * v.inner, v.inner, mean[c]);
    var[c] = static_cast<float>(sq / count);
  }
}

// Per-channel batch moments. Channels are independent, so they are split over the threads; each
// channel still sums in the same order, whatever the thread count.
void BatchMoments(const float* x, const ChannelView& v, int threads, std::vector<float>* mean,
                  std::vector<float>* var) {
  ParallelFor(v.c, threads, MinChannelsPerThread(v), [&](int64_t c0, int64_t c1) {
    ChannelMoments(x, v, c0, c1, mean->data(), var->data());
  });
}

// y = x·a + b for channels [c0, c1), then max(y, 0) as relu has it when relu is set (a training
// program's batch_norm → relu, passes/relu_fuse.cc).
PD_KERNEL_ISAS void NormalizeChannels(const float* __restrict x, const ChannelView& v,
                                      const float* a, const float* b, int64_t c0, int64_t c1,
                                      bool relu, float* __restrict y) {
  // Both loops per variant: the select stays out of the plain one.
  const auto rows = [&](auto act) {
    if (v.inner == 1) {  // one pass across each row's channels
      for (int64_t o = 0; o < v.outer; ++o)
        for (int64_t c = c0; c < c1; ++c) y[o * v.c + c] = act(x[o * v.c + c] * a[c] + b[c]);
      return;
    }
    for (int64_t o = 0; o < v.outer; ++o)
      for (int64_t c = c0; c < c1; ++c) {
        const float* xp = x + (o * v.c + c) * v.inner;
        float* yp = y + (o * v.c + c) * v.inner;
        const float ac = a[c], bc = b[c];
        for (int64_t i = 0; i < v.inner; ++i) yp[i] = act(xp[i] * ac + bc);
      }
  };
  if (relu) {
    rows([](float t) { return t > 0.0f ? t : 0.0f; });  // kernels/activation.cc's Relu
  } else {
    rows([](float t) { return t; });
  }
}

// y = x·a + b per channel (then relu), split over channels as the moments are.
void Normalize(const float* x, const ChannelView& v, const std::vector<float>& a,
               const std::vector<float>& b, bool relu, int threads, float* y) {
  ParallelFor(v.c, threads, MinChannelsPerThread(v), [&](int64_t c0, int64_t c1) {
    NormalizeChannels(x, v, a.data(), b.data(), c0, c1, relu, y);
  });
}

void BatchNormKernel(OpContext& ctx) {
  const OpView& op = ctx.op();
  const ChannelView v = ChannelViewOf(ctx);
  const float eps = op.GetFloat("epsilon", 1e-5f);
  const float momentum = op.GetFloat("momentum", 0.9f);
  const bool global_stats =
      (op.GetBool("is_test", false) && !op.GetBool("trainable_statistics", false)) ||
      op.GetBool("use_global_stats", false);
  const float* scale = ChannelParam(ctx, "Scale", v.c);
  const float* bias = ChannelParam(ctx, "Bias", v.c);
  const float* run_mean = ChannelParam(ctx, "Mean", v.c);
  const float* run_var = ChannelParam(ctx, "Variance", v.c);
  const float* x = ctx.In("X").data<float>();

  std::vector<float> mean(run_mean, run_mean + v.c), var(run_var, run_var + v.c);
  if (!global_stats) BatchMoments(x, v, ctx.config().num_threads, &mean, &var);
  // y = x·a + b with a = scale/sqrt(var+eps), b = bias − mean·a, as Paddle folds it.
  std::vector<float> a(v.c), b(v.c), inv_std(v.c);
  for (int64_t c = 0; c < v.c; ++c) {
    inv_std[c] = 1.0f / std::sqrt(var[c] + eps);
    a[c] = scale[c] * inv_std[c];
    b[c] = bias[c] - mean[c] * a[c];
  }
  // Running statistics are read before any output is written: MeanOut and VarianceOut are usually
  // the same variables as Mean and Variance.
  std::vector<float> mean_out(v.c), var_out(v.c);
  for (int64_t c = 0; c < v.c; ++c) {
    mean_out[c] = global_stats ? run_mean[c] : run_mean[c] * momentum + mean[c] * (1 - momentum);
    var_out[c] = global_stats ? run_var[c] : run_var[c] * momentum + var[c] * (1 - momentum);
  }

  float* y = ctx.Out("Y")->mutable_data_for_overwrite<float>();
  Normalize(x, v, a, b, op.GetBool("fuse_with_relu", false), ctx.config().num_threads, y);
  if (float* p = ChannelOut(ctx, "MeanOut", v.c)) std::copy(mean_out.begin(), mean_out.end(), p);
  if (float* p = ChannelOut(ctx, "VarianceOut", v.c)) std::copy(var_out.begin(), var_out.end(), p);
  // SavedMean/SavedVariance feed the grad op: the batch mean and inverse std in training; inference
  // leaves them zero.
  if (float* p = ChannelOut(ctx, "SavedMean", v.c))
    for (int64_t c = 0; c < v.c; ++c) p[c] = global_stats ? 0.0f : mean[c];
  if (float* p = ChannelOut(ctx, "SavedVariance", v.c))
    for (int64_t c = 0; c < v.c; ++c) p[c] = global_stats ? 0.0f : inv_std[c];
}

// A channels-last X (a convolution's output in the layout its primitive chose) is read as it is
// and Y written so, for the ReLU and convolution after it; other layouts are made plain.
bool NormLayouts(const OpContext& ctx) {
  const Tensor& x = ctx.In("X");
  return x.layout() == 0 || (StoredChannelsLast(x) && !IsChannelsLast(ctx, "data_layout"));
}

}  // namespace

void RegisterNormKernels(OpRegistry& r) {
  r.Add("batch_norm", BatchNormInferShape, "X");
  r.AddKernel("batch_norm", DeviceType::kCPU, DType::kFP32, BatchNormKernel);
  r.SetLayoutRule("batch_norm", DeviceType::kCPU,
                  [](const OpView&) -> LayoutCheck { return NormLayouts; });
}

}  // namespace pd
