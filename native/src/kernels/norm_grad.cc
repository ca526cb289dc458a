// batch_norm_grad. With batch statistics (training): x̂ = (x − mean)·inv_std from SavedMean and
// SavedVariance (which holds the inverse std, as Paddle's CPU kernel saves it),
//   dBias = Σ dy,  dScale = Σ dy·x̂,  dX = scale·inv_std/N · (N·dy − dBias − x̂·dScale).
// With the running statistics (use_global_stats or is_test): the normalisation is an affine map,
//   dX = dy·scale·inv_std with inv_std = 1/sqrt(Variance + epsilon).
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

bool UsesRunningStats(const OpView& op) {
  return op.GetBool("use_global_stats", false) || op.GetBool("is_test", false);
}

// Paddle's BatchNormGradMaker: the running statistics go in only when they normalised.
void BatchNormGradMaker(GradOpBuilder& g) {
  auto op = g.Add("batch_norm_grad");
  op.In("X", g.Input("X"))
      .In("Scale", g.Input("Scale"))
      .In("Bias", g.Input("Bias"))
      .In("SavedMean", g.Output("SavedMean"))
      .In("SavedVariance", g.Output("SavedVariance"))
      .In("MeanOut", g.Output("MeanOut"))
      .In("VarianceOut", g.Output("VarianceOut"))
      .In("ReserveSpace", g.Output("ReserveSpace"))
      .In("Y@GRAD", g.OutputGrad("Y"))
      .Out("X@GRAD", g.InputGrad("X"))
      .Out("Scale@GRAD", g.InputGrad("Scale"))
      .Out("Bias@GRAD", g.InputGrad("Bias"));
  if (UsesRunningStats(OpView(&g.forward()))) {
    op.In("Mean", g.Input("Mean")).In("Variance", g.Input("Variance"));
  }
}

void BatchNormGradInferShape(OpContext& ctx) {
  const Tensor& x = InputOfType(ctx, "X", DType::kFP32);
  if (ctx.HasOutput("X@GRAD")) {
    ctx.Out("X@GRAD")->Resize(x.dims());
    ctx.Out("X@GRAD")->set_layout(x.layout());  // plain, or channels-last (NormGradLayouts)
    ShareLoD(ctx, "X", "X@GRAD");
  }
  for (const char* slot : {"Scale", "Bias"}) {
    const std::string grad = std::string(slot) + "@GRAD";
    if (ctx.HasOutput(grad)) ctx.Out(grad)->Resize(ctx.In(slot).dims());
  }
}

std::vector<float> Channels(const OpContext& ctx, const char* slot, int64_t c) {
  const Tensor& t = InputOfType(ctx, slot, DType::kFP32);
  PD_CHECK(t.numel() == c, "batch_norm_grad: ", slot, " ", DimsToString(t.dims()), " must hold ",
           c, " values");
  return std::vector<float>(t.data<float>(), t.data<float>() + c);
}

// What the gradient of one channel reads.
struct ChannelGradInputs {
  const float *x, *dy, *scale, *mean, *inv_std;
};

// dBias and dScale of channels [c0, c1): each row summed in float lanes (row_sums.h), the rows
// in double, in the same order whatever the split.
PD_KERNEL_ISAS void ChannelParamGrads(const ChannelGradInputs& in, const ChannelView& v,
                                      int64_t c0, int64_t c1, double* dbias, double* dscale) {
  if (v.inner == 1) {  // channels side by side: one pass, sums running across them
    std::fill(dbias + c0, dbias + c1, 0.0);
    std::fill(dscale + c0, dscale + c1, 0.0);
    double* const totals[2] = {dbias + c0, dscale + c0};
    ChannelsLastSums(
        v, c0, c1,
        [&](int64_t o, float* __restrict part, int64_t width) {
          const float* __restrict dy = in.dy + o * v.c + c0;
          const float* __restrict x = in.x + o * v.c + c0;
          const float* __restrict mean = in.mean + c0;
          float* __restrict dscale_part = part + width;
          for (int64_t j = 0; j < width; ++j) {
            part[j] += dy[j];
            dscale_part[j] += dy[j] * (x[j] - mean[j]);
          }
        },
        totals);
    for (int64_t c = c0; c < c1; ++c) dscale[c] *= in.inv_std[c];
    return;
  }
  for (int64_t c = c0; c < c1; ++c) {
    double db = 0, ds = 0;
    for (int64_t o = 0; o < v.outer; ++o) {
      const int64_t base = (o * v.c + c) * v.inner;
      db += RowSum(in.dy + base, v.inner);
      ds += RowWeightedDeviations(in.dy + base, in.x + base, v.inner, in.mean[c]);
    }
    dbias[c] = db;
    dscale[c] = ds * in.inv_std[c];
  }
}

// dX of channels [c0, c1) from their dBias and dScale. With k = scale·inv_std the formula above is
// dX = k·dy + b·(x − mean) + d, b = −k·inv_std·dScale/N, d = −k·dBias/N: per-channel
// coefficients (taken in double, applied in float) and two multiply-adds per element.
PD_KERNEL_ISAS void ChannelInputGrads(const ChannelGradInputs& in, const ChannelView& v,
                                      int64_t c0, int64_t c1, bool running, const double* dbias,
                                      const double* dscale, float* __restrict dx) {
  const double n = static_cast<double>(v.outer * v.inner);
  std::vector<float> k(c1 - c0), b(c1 - c0), d(c1 - c0);
  for (int64_t c = c0; c < c1; ++c) {
    const double kc = static_cast<double>(in.scale[c]) * in.inv_std[c];
    k[c - c0] = static_cast<float>(kc);
    b[c - c0] = running ? 0.0f : static_cast<float>(-kc * in.inv_std[c] * dscale[c] / n);
    d[c - c0] = running ? 0.0f : static_cast<float>(-kc * dbias[c] / n);
  }
  const auto grad = [&](int64_t e, int64_t j) {  // element e of channel c0 + j
    if (running) return in.dy[e] * k[j];
    return k[j] * in.dy[e] + (b[j] * (in.x[e] - in.mean[c0 + j]) + d[j]);
  };
  if (v.inner == 1) {  // one pass across each row's channels
    for (int64_t o = 0; o < v.outer; ++o)
      for (int64_t c = c0; c < c1; ++c) dx[o * v.c + c] = grad(o * v.c + c, c - c0);
    return;
  }
  for (int64_t o = 0; o < v.outer; ++o)
    for (int64_t c = c0; c < c1; ++c) {
      const int64_t base = (o * v.c + c) * v.inner;
      for (int64_t i = 0; i < v.inner; ++i) dx[base + i] = grad(base + i, c - c0);
    }
}

// Channels are independent: each thread takes a range of them, sums their dBias and dScale and
// then writes their dX.
void BatchNormGradChannels(OpContext& ctx, const ChannelView& v, bool running,
                           const ChannelGradInputs& in) {
  std::vector<double> dbias(v.c, 0.0), dscale(v.c, 0.0);
  float* dx =
      ctx.HasOutput("X@GRAD") ? ctx.Out("X@GRAD")->mutable_data_for_overwrite<float>() : nullptr;
  const int64_t min_channels = kMinElementsPerThread / std::max<int64_t>(v.outer * v.inner, 1) + 1;
  ParallelFor(v.c, ctx.config().num_threads, min_channels, [&](int64_t c0, int64_t c1) {
    ChannelParamGrads(in, v, c0, c1, dbias.data(), dscale.data());
    if (dx) ChannelInputGrads(in, v, c0, c1, running, dbias.data(), dscale.data(), dx);
  });
  if (ctx.HasOutput("Bias@GRAD")) {
    float* p = ctx.Out("Bias@GRAD")->mutable_data<float>();
    for (int64_t c = 0; c < v.c; ++c) p[c] = static_cast<float>(dbias[c]);
  }
  if (ctx.HasOutput("Scale@GRAD")) {
    float* p = ctx.Out("Scale@GRAD")->mutable_data<float>();
    for (int64_t c = 0; c < v.c; ++c) p[c] = static_cast<float>(dscale[c]);
  }
}

void BatchNormGradKernel(OpContext& ctx) {
  const OpView& op = ctx.op();
  const Tensor& x = ctx.In("X");
  const Tensor& dy_t = InputOfType(ctx, "Y@GRAD", DType::kFP32);
  PD_CHECK(dy_t.dims() == x.dims(), "batch_norm_grad: Y@GRAD ", DimsToString(dy_t.dims()),
           " must have X's shape ", DimsToString(x.dims()));
  const ChannelView v = ChannelViewOf(x, IsChannelsLast(ctx, "data_layout"));
  const std::vector<float> scale = Channels(ctx, "Scale", v.c);
  const bool running = UsesRunningStats(op);
  std::vector<float> mean, inv_std;
  if (running) {
    mean = Channels(ctx, "Mean", v.c);
    inv_std = Channels(ctx, "Variance", v.c);
    const float eps = op.GetFloat("epsilon", 1e-5f);
    for (float& s : inv_std) s = 1.0f / std::sqrt(s + eps);
  } else {
    mean = Channels(ctx, "SavedMean", v.c);
    inv_std = Channels(ctx, "SavedVariance", v.c);
  }
  BatchNormGradChannels(ctx, v, running, {x.data<float>(), dy_t.data<float>(), scale.data(),
                                         mean.data(), inv_std.data()});
}

// X and Y@GRAD both plain or both channels-last (the forward's layout, NormLayouts in norm.cc);
// dX is written in theirs.
bool NormGradLayouts(const OpContext& ctx) {
  const Tensor& x = ctx.In("X");
  const Tensor& dy = ctx.In("Y@GRAD");
  if (x.layout() == 0 && dy.layout() == 0) return true;
  return StoredChannelsLast(x) && StoredChannelsLast(dy) && !IsChannelsLast(ctx, "data_layout");
}

}  // namespace

void RegisterNormGradKernels(OpRegistry& r) {
  r.SetGradMaker("batch_norm", BatchNormGradMaker);
  r.Add("batch_norm_grad", BatchNormGradInferShape, "Y@GRAD");
  r.AddKernel("batch_norm_grad", DeviceType::kCPU, DType::kFP32, BatchNormGradKernel);
  r.SetLayoutRule("batch_norm_grad", DeviceType::kCPU,
                  [](const OpView&) -> LayoutCheck { return NormGradLayouts; });
}

}  // namespace pd
