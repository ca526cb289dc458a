#include "kernels/pool_shape.h"

#include <algorithm>
#include <array>
#include <string>

#include "kernels/kernel_util.h"

namespace pd {

PoolShape PoolShapeOf(const OpContext& ctx) {
  const OpView& op = ctx.op();
  const Tensor& x = InputOfType(ctx, "X", DType::kFP32);
  PoolShape s;
  s.in = ImageOf(ctx, x, IsChannelsLast(ctx, "data_format"));
  const std::string type = op.GetString("pooling_type", "max");
  PD_CHECK(type == "max" || type == "avg", op.type(), ": unknown pooling_type '", type, "'");
  s.max = type == "max";
  s.adaptive = op.GetBool("adaptive", false);
  s.exclusive = op.GetBool("exclusive", true);
  const bool global = op.GetBool("global_pooling", false);
  const bool ceil = op.GetBool("ceil_mode", false);
  const std::array<int64_t, 2> in{s.in.h, s.in.w};
  if (global) {
    s.win.k = in;
  } else {
    const auto k = op.GetInts("ksize", {});
    PD_CHECK(k.size() == 2 && k[0] > 0 && k[1] > 0, op.type(), ": ksize must be 2 positive values");
    s.win.k = {k[0], k[1]};
  }
  s.win.stride = Pair(ctx, "strides", 1);
  ResolvePadding(ctx, in, &s.win);
  std::array<int64_t, 2> out{};
  for (int i = 0; i < 2; ++i) {
    if (global || s.adaptive) s.win.pad_begin[i] = s.win.pad_end[i] = 0;
    if (s.adaptive) {
      out[i] = s.win.k[i];  // ksize is the output size
      continue;
    }
    const int64_t span = in[i] - s.win.k[i] + s.win.pad_begin[i] + s.win.pad_end[i];
    out[i] = (span + (ceil ? s.win.stride[i] - 1 : 0)) / s.win.stride[i] + 1;
    PD_CHECK(span >= 0 && out[i] > 0, op.type(), ": ksize ", s.win.k[i],
             " is larger than the padded input ", DimsToString(x.dims()));
  }
  s.out = {s.in.n, s.in.c, out[0], out[1], s.in.nhwc};
  return s;
}

Span WindowSpan(const PoolShape& s, int i, int64_t o, int64_t in, int64_t out) {
  if (s.adaptive) {
    const int64_t b = o * in / out, e = ((o + 1) * in + out - 1) / out;
    return {b, e, e - b};
  }
  const int64_t b = o * s.win.stride[i] - s.win.pad_begin[i];
  const int64_t e = std::min(b + s.win.k[i], in + s.win.pad_begin[i]);
  return {std::max<int64_t>(b, 0), std::min(e, in), e - b};
}

}  // namespace pd
