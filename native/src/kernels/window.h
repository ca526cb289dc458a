// Sliding-window geometry that conv2d, conv2d_transpose and pool2d share: Paddle's padding forms,
// padding_algorithm, and where the channel axis sits.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "framework/op_registry.h"

namespace pd {

// One 2-D window; index 0 is height, 1 is width.
struct Window2d {
  std::array<int64_t, 2> k{1, 1}, stride{1, 1}, dilation{1, 1};
  std::array<int64_t, 2> pad_begin{0, 0}, pad_end{0, 0};  // top/left, bottom/right
};

// A 4-D image tensor's dims by meaning.
struct ImageDims {
  int64_t n, c, h, w;
  bool nhwc;
  Dims ToDims() const { return nhwc ? Dims{n, h, w, c} : Dims{n, c, h, w}; }
};

// "NHWC" is channels-last; "NCHW" and the older "AnyLayout" mean channels-first.
inline bool IsChannelsLast(const OpContext& ctx, const char* attr) {
  const std::string f = ctx.op().GetString(attr, "NCHW");
  PD_CHECK(f == "NCHW" || f == "NHWC" || f == "AnyLayout", ctx.op().type(), ": ", attr, " '", f,
           "' is not supported");
  return f == "NHWC";
}

inline ImageDims ImageOf(const OpContext& ctx, const Tensor& t, bool nhwc) {
  PD_CHECK(t.rank() == 4, ctx.op().type(), ": expected a 4-D input, got ", DimsToString(t.dims()));
  const Dims& d = t.dims();
  return nhwc ? ImageDims{d[0], d[3], d[1], d[2], true} : ImageDims{d[0], d[1], d[2], d[3], false};
}

// Two attribute values [h, w], defaulting to def.
inline std::array<int64_t, 2> Pair(const OpContext& ctx, const char* attr, int64_t def) {
  auto v = ctx.op().GetInts(attr, {def, def});
  PD_CHECK(v.size() == 2, ctx.op().type(), ": ", attr, " must have 2 values, got ", v.size());
  return {v[0], v[1]};
}

// Fills w's paddings from the paddings attribute (2 values [ph, pw] or 4 [top, bottom, left,
// right]) and padding_algorithm, as Paddle's UpdatePaddingAndDilation: SAME pads so that out =
// ceil(in / stride), the odd cell going to the end, and forces dilation 1; VALID pads nothing. w.k
// and w.stride must be set; in is the input's [h, w].
inline void ResolvePadding(const OpContext& ctx, const std::array<int64_t, 2>& in, Window2d* w) {
  const std::string algo = ctx.op().GetString("padding_algorithm", "EXPLICIT");
  auto p = ctx.op().GetInts("paddings", {0, 0});
  if (p.size() == 2) p = {p[0], p[0], p[1], p[1]};
  PD_CHECK(p.size() == 4, ctx.op().type(), ": paddings must have 2 or 4 values, got ", p.size());
  for (int i = 0; i < 2; ++i) {
    PD_CHECK(w->stride[i] > 0, ctx.op().type(), ": strides must be positive");
    if (algo == "SAME") {
      const int64_t out = (in[i] + w->stride[i] - 1) / w->stride[i];
      const int64_t sum = std::max<int64_t>((out - 1) * w->stride[i] + w->k[i] - in[i], 0);
      w->pad_begin[i] = sum / 2;
      w->pad_end[i] = sum - sum / 2;
      w->dilation[i] = 1;
    } else if (algo == "VALID") {
      w->pad_begin[i] = w->pad_end[i] = 0;
    } else {
      PD_CHECK(algo == "EXPLICIT", ctx.op().type(), ": unknown padding_algorithm '", algo, "'");
      w->pad_begin[i] = p[2 * i];
      w->pad_end[i] = p[2 * i + 1];
    }
  }
}

}  // namespace pd
