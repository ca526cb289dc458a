#include "kernels/conv_shape.h"

#include <array>
#include <string>

#include "kernels/kernel_util.h"

namespace pd {
namespace {

// Output extent of a transposed conv along one axis: output_size wins, else output_padding is added
// to the inferred size (Paddle's ConvTransposeInferMeta).
int64_t TransposedExtent(const OpContext& ctx, const ConvShape& s, int i, int64_t in) {
  const Window2d& w = s.win;
  const int64_t inferred =
      (in - 1) * w.stride[i] - w.pad_begin[i] - w.pad_end[i] + w.dilation[i] * (w.k[i] - 1) + 1;
  const auto size = ctx.op().GetInts("output_size", {});
  const auto extra = ctx.op().GetInts("output_padding", {});
  if (!size.empty()) {
    PD_CHECK(size.size() == 2, ctx.op().type(), ": output_size must have 2 values");
    PD_CHECK(size[i] >= inferred && size[i] < inferred + w.stride[i], ctx.op().type(),
             ": output_size ", size[i], " must be in [", inferred, ", ", inferred + w.stride[i],
             ")");
    return size[i];
  }
  if (!extra.empty()) {
    PD_CHECK(extra.size() == 2, ctx.op().type(), ": output_padding must have 2 values");
    PD_CHECK(extra[i] >= 0 && extra[i] < w.stride[i], ctx.op().type(), ": output_padding ",
             extra[i], " must be below the stride ", w.stride[i]);
    return inferred + extra[i];
  }
  return inferred;
}

}  // namespace

ConvShape ConvShapeOf(const OpContext& ctx, bool transpose) {
  const std::string& type = ctx.op().type();
  const Tensor& x = InputOfType(ctx, "Input", DType::kFP32);
  const Tensor& f = InputOfType(ctx, "Filter", DType::kFP32);
  ConvShape s;
  s.transpose = transpose;
  s.in = ImageOf(ctx, x, IsChannelsLast(ctx, "data_format"));
  s.groups = ctx.op().GetInt("groups", 1);
  PD_CHECK(f.rank() == 4, type, ": Filter must be 4-D, got ", DimsToString(f.dims()));
  PD_CHECK(s.groups >= 1 && s.in.c % s.groups == 0, type, ": groups ", s.groups,
           " does not divide the ", s.in.c, " input channels");
  int64_t out_c;
  if (transpose) {  // Filter [C_in, C_out / groups, kh, kw]
    PD_CHECK(f.dim(0) == s.in.c, type, ": Filter ", DimsToString(f.dims()), " does not match ",
             s.in.c, " input channels");
    out_c = f.dim(1) * s.groups;
  } else {  // Filter [C_out, C_in / groups, kh, kw]
    PD_CHECK(f.dim(1) * s.groups == s.in.c && f.dim(0) % s.groups == 0, type, ": Filter ",
             DimsToString(f.dims()), " does not match ", s.in.c, " input channels in ", s.groups,
             " groups");
    out_c = f.dim(0);
  }
  s.win.k = {f.dim(2), f.dim(3)};
  s.win.stride = Pair(ctx, "strides", 1);
  s.win.dilation = Pair(ctx, "dilations", 1);
  PD_CHECK(s.win.dilation[0] >= 1 && s.win.dilation[1] >= 1, type, ": dilations must be >= 1");
  const std::array<int64_t, 2> in{s.in.h, s.in.w};
  ResolvePadding(ctx, in, &s.win);
  std::array<int64_t, 2> out{};
  for (int i = 0; i < 2; ++i) {
    if (transpose) {
      out[i] = TransposedExtent(ctx, s, i, in[i]);
    } else {
      const int64_t span = in[i] + s.win.pad_begin[i] + s.win.pad_end[i] -
                           (s.win.dilation[i] * (s.win.k[i] - 1) + 1);
      PD_CHECK(span >= 0, type, ": the window is larger than the padded input ",
               DimsToString(x.dims()));
      out[i] = span / s.win.stride[i] + 1;
    }
    PD_CHECK(out[i] > 0, type, ": empty output for input ", DimsToString(x.dims()));
  }
  s.out = {s.in.n, out_c, out[0], out[1], s.in.nhwc};
  return s;
}

}  // namespace pd
