// shuffle_channel: with C channels in g groups, output channel j * g + i is input channel
// i * (C / g) + j, i.e. X viewed as [N, g, C/g, H, W] with the two group axes swapped. Paddle
// models write it as reshape2 → transpose2 → reshape2, which passes/shuffle_channel_fuse.cc turns
// into this op. It also runs channels-last (a conv's acdb output) so that ShuffleNet's blocks never
// leave that layout.
#include <algorithm>
#include <cstring>

#include "framework/op_registry.h"
#include "kernels/dnnl_util.h"
#include "kernels/kernel_util.h"
#include "kernels/parallel.h"
#include "kernels/register.h"
#include "kernels/shuffle_channel.h"

namespace pd {
namespace {

int64_t Groups(const OpContext& ctx, const Tensor& x) {
  const int64_t g = ctx.op().GetInt("group", 1);
  PD_CHECK(x.rank() == 4, "shuffle_channel: X must be 4-D, got ", DimsToString(x.dims()));
  PD_CHECK(g >= 1 && x.dim(1) % g == 0, "shuffle_channel: group ", g, " does not divide the ",
           x.dim(1), " channels");
  return g;
}

void ShuffleChannelInferShape(OpContext& ctx) {
  CheckNotInPlace(ctx, "Out", {"X"});
  const Tensor& x = InputOfType(ctx, "X", DType::kFP32);
  Groups(ctx, x);
  ctx.Out("Out")->Resize(x.dims());
  ShareLoD(ctx, "X", "Out");
}

void ShuffleChannelKernel(OpContext& ctx) {
  const Tensor& x = ctx.In("X");
  ShuffleChannels(x, Groups(ctx, x), ctx.config().num_threads, ctx.Out("Out"));
}

}  // namespace

void ShuffleChannels(const Tensor& x, int64_t g, int threads, Tensor* out) {
  const int64_t per = x.dim(1) / g, spatial = x.dim(2) * x.dim(3);
  // Plain: N rows of C planes of H*W values. Channels-last: N*H*W rows of C single values.
  const bool channels_last = x.layout() == ChannelsLastLayout();
  PD_CHECK(channels_last || x.layout() == 0, "shuffle_channel: unexpected layout ", x.layout());
  const int64_t rows = channels_last ? x.dim(0) * spatial : x.dim(0);
  const int64_t inner = channels_last ? 1 : spatial, row = x.dim(1) * inner;
  const float* src = x.data<float>();
  out->set_layout(x.layout());
  float* dst = out->mutable_data_for_overwrite<float>();
  ParallelFor(rows, threads, 64 * 1024 / std::max<int64_t>(row, 1) + 1,
              [&](int64_t begin, int64_t end) {
                for (int64_t r = begin; r < end; ++r) {
                  const float* s = src + r * row;
                  float* d = dst + r * row;
                  if (inner == 1 && g == 2) {
                    // ShuffleNet's case: two halves interleaved (a loop the compiler vectorizes).
                    const float* lo = s;
                    const float* hi = s + per;
                    for (int64_t i = 0; i < per; ++i) {
                      d[2 * i] = lo[i];
                      d[2 * i + 1] = hi[i];
                    }
                  } else if (inner == 1 && per == 2) {
                    // Its inverse (the gradient): even channels first, then the odd ones.
                    for (int64_t i = 0; i < g; ++i) {
                      d[i] = s[2 * i];
                      d[g + i] = s[2 * i + 1];
                    }
                  } else if (inner == 1) {
                    for (int64_t j = 0; j < g; ++j)
                      for (int64_t i = 0; i < per; ++i) d[i * g + j] = s[j * per + i];
                  } else {
                    for (int64_t i = 0; i < per; ++i)
                      for (int64_t j = 0; j < g; ++j)
                        std::memcpy(d + (i * g + j) * inner, s + (j * per + i) * inner,
                                    static_cast<size_t>(inner) * sizeof(float));
                  }
                }
              });
}

void RegisterShuffleChannelKernels(OpRegistry& r) {
  r.Add("shuffle_channel", ShuffleChannelInferShape, "X");
  r.AddKernel("shuffle_channel", DeviceType::kCPU, DType::kFP32, ShuffleChannelKernel);
  r.SetLayoutRule("shuffle_channel", DeviceType::kCPU,
                  [](const OpView&) -> LayoutCheck { return AllChannelsLast; });
}

}  // namespace pd
