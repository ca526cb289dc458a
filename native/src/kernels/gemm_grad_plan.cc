#include "kernels/gemm_grad_plan.h"

#include <algorithm>
#include <string>

#include "kernels/gemm_plan.h"
#include "kernels/kernel_util.h"

namespace pd {

FlatGradShape MulGradShape(const OpContext& ctx) {
  const Tensor& x = InputOfType(ctx, "X", DType::kFP32);
  const Tensor& y = InputOfType(ctx, "Y", DType::kFP32);
  const Tensor& dout = InputOfType(ctx, "Out@GRAD", DType::kFP32);
  const int64_t xn = ctx.op().GetInt("x_num_col_dims", 1);
  const int64_t yn = ctx.op().GetInt("y_num_col_dims", 1);
  const FlatGradShape s{DimProduct(x.dims(), 0, xn), DimProduct(x.dims(), xn, x.dims().size()),
                        DimProduct(y.dims(), yn, y.dims().size())};
  PD_CHECK(DimProduct(y.dims(), 0, yn) == s.k && dout.numel() == s.m * s.n, "mul_grad: X ",
           DimsToString(x.dims()), ", Y ", DimsToString(y.dims()), " and Out@GRAD ",
           DimsToString(dout.dims()), " do not fit together");
  return s;
}

FlatGradShape FcGradShape(const OpContext& ctx) {
  const Tensor& x = InputOfType(ctx, "Input", DType::kFP32);
  const Tensor& w = InputOfType(ctx, "W", DType::kFP32);
  const Tensor& dout = InputOfType(ctx, "Out@GRAD", DType::kFP32);
  const std::string act = ctx.op().GetString("activation_type", "");
  PD_CHECK(act.empty() || act == "relu", "fc_grad: activation_type '", act,
           "' is not supported (only \"\" and \"relu\")");
  PD_CHECK(!ctx.op().GetBool("padding_weights", false),
           "fc_grad: padding_weights is not supported");
  const int64_t xn = ctx.op().GetInt("in_num_col_dims", 1);
  const int64_t m = DimProduct(x.dims(), 0, xn), k = DimProduct(x.dims(), xn, x.dims().size());
  PD_CHECK(w.rank() == 2 && w.dims()[0] == k && dout.numel() == m * w.dims()[1],
           "fc_grad: Input ", DimsToString(x.dims()), ", W ", DimsToString(w.dims()),
           " and Out@GRAD ", DimsToString(dout.dims()), " do not fit together");
  return {m, k, w.dims()[1]};
}

MatmulV2GradPlan PlanMatmulV2Grad(const OpContext& ctx) {
  const Tensor& x = InputOfType(ctx, "X", DType::kFP32);
  const Tensor& y = InputOfType(ctx, "Y", DType::kFP32);
  const Tensor& dout = InputOfType(ctx, "Out@GRAD", DType::kFP32);
  const Dims& xd = x.dims();
  const Dims& yd = y.dims();
  PD_CHECK(!xd.empty() && !yd.empty(), "matmul_v2_grad: X ", DimsToString(xd), " and Y ",
           DimsToString(yd), " must have at least one dim");
  MatmulV2GradPlan p;
  p.trans_x = ctx.op().GetBool("trans_x", false);
  p.trans_y = ctx.op().GetBool("trans_y", false);
  const size_t xr = xd.size() == 1 ? 0 : xd.size() - 2, yr = yd.size() == 1 ? 0 : yd.size() - 2;
  p.x_rows = xd.size() == 1 ? 1 : xd[xr];
  p.x_cols = xd.back();
  p.y_rows = yd.size() == 1 ? yd[0] : yd[yr];
  p.y_cols = yd.size() == 1 ? 1 : yd.back();
  p.m = p.trans_x ? p.x_cols : p.x_rows;
  p.k = p.trans_x ? p.x_rows : p.x_cols;
  const int64_t kb = p.trans_y ? p.y_cols : p.y_rows;
  p.n = p.trans_y ? p.y_rows : p.y_cols;
  PD_CHECK(p.k == kb, "matmul_v2_grad: X ", DimsToString(xd), " and Y ", DimsToString(yd),
           " do not multiply");
  const size_t r = std::max(xr, yr);
  for (size_t j = 0; j < r; ++j) {
    const int64_t xs = j + xr >= r ? xd[j + xr - r] : 1;
    const int64_t ys = j + yr >= r ? yd[j + yr - r] : 1;
    PD_CHECK(xs == ys || xs == 1 || ys == 1, "matmul_v2_grad: batch dims of X ",
             DimsToString(xd), " and Y ", DimsToString(yd), " do not broadcast");
    p.batch.push_back(std::max(xs, ys));
    p.x_batch.push_back(xs);
    p.y_batch.push_back(ys);
    p.count *= p.batch.back();
  }
  PD_CHECK(dout.numel() == p.count * p.m * p.n, "matmul_v2_grad: Out@GRAD ",
           DimsToString(dout.dims()), " does not fit X ", DimsToString(xd), " times Y ",
           DimsToString(yd));
  p.x_offsets = BatchOffsets(p.batch, p.x_batch, p.x_matrix());
  p.y_offsets = BatchOffsets(p.batch, p.y_batch, p.y_matrix());
  return p;
}

}  // namespace pd
