#include "kernels/gemm_plan.h"

#include <algorithm>
#include <string>

#include "kernels/kernel_util.h"

namespace pd {
namespace {

// Paddle's matrix descriptor: the last two dims are the stored matrix, the product of the
// leading ones is the batch (0 for a plain matrix, which then broadcasts over the other's).
struct MatDesc {
  int64_t batch, rows, cols;
};

MatDesc Describe(const Dims& d) {
  const size_t r = d.size();
  return {r > 2 ? DimProduct(d, 0, r - 2) : 0, d[r - 2], d[r - 1]};
}

std::string TransposeNote(bool t) { return t ? " (transposed)" : ""; }

}  // namespace

// mul: X flattened to [prod(dims[:x_num_col_dims]), rest], Y likewise, one GEMM.
GemmPlan MulPlan(const OpContext& ctx) {
  const Dims& xd = ctx.In("X").dims();
  const Dims& yd = ctx.In("Y").dims();
  const int64_t xn = ctx.op().GetInt("x_num_col_dims", 1);
  const int64_t yn = ctx.op().GetInt("y_num_col_dims", 1);
  PD_CHECK(xn >= 1 && xn < static_cast<int64_t>(xd.size()), "mul: x_num_col_dims is ", xn,
           " but X has shape ", DimsToString(xd), "; it must be in [1, rank(X))");
  PD_CHECK(yn >= 1 && yn < static_cast<int64_t>(yd.size()), "mul: y_num_col_dims is ", yn,
           " but Y has shape ", DimsToString(yd), "; it must be in [1, rank(Y))");
  GemmPlan p;
  p.m = DimProduct(xd, 0, xn);
  p.k = DimProduct(xd, xn, xd.size());
  const int64_t ky = DimProduct(yd, 0, yn);
  p.n = DimProduct(yd, yn, yd.size());
  PD_CHECK(p.k == ky, "mul: X ", DimsToString(xd), " flattens to [", p.m, ", ", p.k, "] and Y ",
           DimsToString(yd), " to [", ky, ", ", p.n, "]; the inner sizes differ");
  p.out.assign(xd.begin(), xd.begin() + xn);
  p.out.insert(p.out.end(), yd.begin() + yn, yd.end());
  return p;
}

// matmul (v1): a rank-1 X is a row [1,K], a rank-1 Y a column [K,1]; transpose flags apply to
// them too. Batches must be equal, or one side a plain matrix.
GemmPlan MatmulPlan(const OpContext& ctx) {
  const Dims& xd = ctx.In("X").dims();
  const Dims& yd = ctx.In("Y").dims();
  PD_CHECK(!xd.empty() && !yd.empty(), "matmul: X ", DimsToString(xd), " and Y ", DimsToString(yd),
           " must both have rank >= 1");
  GemmPlan p;
  p.trans_a = ctx.op().GetBool("transpose_X", false);
  p.trans_b = ctx.op().GetBool("transpose_Y", false);
  const MatDesc a = Describe(xd.size() == 1 ? Dims{1, xd[0]} : xd);
  const MatDesc b = Describe(yd.size() == 1 ? Dims{yd[0], 1} : yd);
  p.m = p.trans_a ? a.cols : a.rows;
  p.k = p.trans_a ? a.rows : a.cols;
  const int64_t kb = p.trans_b ? b.cols : b.rows;
  p.n = p.trans_b ? b.rows : b.cols;
  PD_CHECK(p.k == kb, "matmul: X ", DimsToString(xd), TransposeNote(p.trans_a), " and Y ",
           DimsToString(yd), TransposeNote(p.trans_b), " do not multiply: ", p.k,
           " columns against ", kb, " rows");
  PD_CHECK(a.batch == b.batch || a.batch == 0 || b.batch == 0, "matmul: X ", DimsToString(xd),
           " has batch ", a.batch, " but Y ", DimsToString(yd), " has batch ", b.batch);
  if (a.batch != 0 || b.batch != 0) {
    p.out = a.batch != 0 ? xd : yd;
    p.out[p.out.size() - 2] = p.m;
    p.out[p.out.size() - 1] = p.n;
  } else {
    p.out = {p.m, p.n};
  }
  if (xd.size() == 1 && p.out[p.out.size() - 2] == 1) p.out.erase(p.out.end() - 2);
  if (yd.size() == 1 && p.out.back() == 1) p.out.pop_back();
  if (p.out.empty()) p.out = {1};

  if (a.batch != 0 && b.batch == 0 && !p.trans_a) {
    p.m *= a.batch;  // a stack of matrices times one matrix is one taller GEMM
  } else if (a.batch != 0 || b.batch != 0) {
    const int64_t batch = std::max(a.batch, b.batch);
    p.a_offsets.resize(batch);
    p.b_offsets.resize(batch);
    for (int64_t i = 0; i < batch; ++i) {
      p.a_offsets[i] = a.batch != 0 ? i * a.rows * a.cols : 0;
      p.b_offsets[i] = b.batch != 0 ? i * b.rows * b.cols : 0;
    }
  }
  return p;
}

// matmul_v2: numpy.matmul. A rank-1 operand is a vector whose dim is dropped from the output
// (its transpose flag is ignored); batch dims broadcast numpy-style.
GemmPlan MatmulV2Plan(const OpContext& ctx) {
  const Dims& xd = ctx.In("X").dims();
  const Dims& yd = ctx.In("Y").dims();
  PD_CHECK(!xd.empty() && !yd.empty(), "matmul_v2: X ", DimsToString(xd), " and Y ",
           DimsToString(yd), " must both have rank >= 1");
  const bool x_vec = xd.size() == 1, y_vec = yd.size() == 1;
  GemmPlan p;
  p.trans_a = !x_vec && ctx.op().GetBool("trans_x", false);
  p.trans_b = !y_vec && ctx.op().GetBool("trans_y", false);
  const Dims xm = x_vec ? Dims{1, xd[0]} : xd;
  const Dims ym = y_vec ? Dims{yd[0], 1} : yd;
  const MatDesc a = Describe(xm), b = Describe(ym);
  p.m = p.trans_a ? a.cols : a.rows;
  p.k = p.trans_a ? a.rows : a.cols;
  const int64_t kb = p.trans_b ? b.cols : b.rows;
  p.n = p.trans_b ? b.rows : b.cols;
  PD_CHECK(p.k == kb, "matmul_v2: X ", DimsToString(xd), TransposeNote(p.trans_a), " and Y ",
           DimsToString(yd), TransposeNote(p.trans_b), " do not multiply: ", p.k,
           " columns against ", kb, " rows");

  // Batch dims, right-aligned; each side's stride per output batch dim (0 where it broadcasts).
  const size_t xr = xm.size() - 2, yr = ym.size() - 2, r = std::max(xr, yr);
  Dims batch(r);
  std::vector<int64_t> a_step(r, 0), b_step(r, 0);
  int64_t a_stride = a.rows * a.cols, b_stride = b.rows * b.cols;
  for (size_t j = r; j-- > 0;) {
    const int64_t xs = j + xr >= r ? xm[j + xr - r] : 1;
    const int64_t ys = j + yr >= r ? ym[j + yr - r] : 1;
    PD_CHECK(xs == ys || xs == 1 || ys == 1, "matmul_v2: batch dims of X ", DimsToString(xd),
             " and Y ", DimsToString(yd), " do not broadcast (", xs, " vs ", ys, ")");
    batch[j] = xs == 1 ? ys : xs;
    if (xs != 1) a_step[j] = a_stride;
    if (ys != 1) b_step[j] = b_stride;
    a_stride *= xs;
    b_stride *= ys;
  }
  p.out = batch;
  if (!x_vec) p.out.push_back(p.m);
  if (!y_vec) p.out.push_back(p.n);

  const int64_t count = DimProduct(batch, 0, r);
  const int64_t x_count = DimProduct(xm, 0, xr);
  if (count > 1 && DimProduct(ym, 0, yr) == 1 && x_count == count && !p.trans_a) {
    p.m *= count;  // X's matrices are contiguous and all share Y: one taller GEMM
  } else if (count != 1) {
    p.a_offsets.assign(count, 0);
    p.b_offsets.assign(count, 0);
    std::vector<int64_t> idx(r, 0);
    int64_t ao = 0, bo = 0;
    for (int64_t i = 0; i < count; ++i) {
      p.a_offsets[i] = ao;
      p.b_offsets[i] = bo;
      for (size_t j = r; j-- > 0;) {  // odometer over the batch dims
        ao += a_step[j];
        bo += b_step[j];
        if (++idx[j] < batch[j]) break;
        ao -= a_step[j] * batch[j];
        bo -= b_step[j] * batch[j];
        idx[j] = 0;
      }
    }
  }
  return p;
}

GemmPlan FcPlan(const OpContext& ctx) {
  const Dims& xd = ctx.In("Input").dims();
  const Dims& wd = ctx.In("W").dims();
  const int64_t xn = ctx.op().GetInt("in_num_col_dims", 1);
  PD_CHECK(xn >= 1 && xn < static_cast<int64_t>(xd.size()), "fc: in_num_col_dims is ", xn,
           " but Input has shape ", DimsToString(xd), "; it must be in [1, rank(Input))");
  PD_CHECK(wd.size() == 2, "fc: W must be a matrix, got ", DimsToString(wd));
  // Padded weights ([K+4, N+4], a oneDNN layout trick) never reach saved models we load.
  PD_CHECK(!ctx.op().GetBool("padding_weights", false), "fc: padding_weights is not supported");
  GemmPlan p;
  p.m = DimProduct(xd, 0, xn);
  p.k = DimProduct(xd, xn, xd.size());
  p.n = wd[1];
  PD_CHECK(p.k == wd[0], "fc: Input ", DimsToString(xd), " flattens to [", p.m, ", ", p.k,
           "] but W is ", DimsToString(wd));
  p.out.assign(xd.begin(), xd.begin() + xn);
  p.out.push_back(p.n);
  return p;
}

}  // namespace pd
