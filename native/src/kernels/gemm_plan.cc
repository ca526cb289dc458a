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

std::vector<int64_t> BatchOffsets(const Dims& out, const Dims& mine, int64_t matrix) {
  const size_t r = out.size();
  std::vector<int64_t> strides(r);
  int64_t s = 1;
  for (size_t j = r; j-- > 0;) {
    strides[j] = mine[j] == 1 ? 0 : s;
    s *= mine[j];
  }
  std::vector<int64_t> off(static_cast<size_t>(DimProduct(out, 0, r)));
  std::vector<int64_t> idx(r, 0);
  for (int64_t& o : off) {
    int64_t at = 0;
    for (size_t j = 0; j < r; ++j) at += idx[j] * strides[j];
    o = at * matrix;
    for (size_t j = r; j-- > 0;) {  // odometer over the batch dims
      if (++idx[j] < out[j]) break;
      idx[j] = 0;
    }
  }
  return off;
}

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

  // Batch dims, right-aligned, and each side's aligned to them (1 where it has none).
  const size_t xr = xm.size() - 2, yr = ym.size() - 2, r = std::max(xr, yr);
  Dims batch(r), x_batch(r), y_batch(r);
  for (size_t j = 0; j < r; ++j) {
    const int64_t xs = j + xr >= r ? xm[j + xr - r] : 1;
    const int64_t ys = j + yr >= r ? ym[j + yr - r] : 1;
    PD_CHECK(xs == ys || xs == 1 || ys == 1, "matmul_v2: batch dims of X ", DimsToString(xd),
             " and Y ", DimsToString(yd), " do not broadcast (", xs, " vs ", ys, ")");
    batch[j] = xs == 1 ? ys : xs;
    x_batch[j] = xs;
    y_batch[j] = ys;
  }
  p.out = batch;
  if (!x_vec) p.out.push_back(p.m);
  if (!y_vec) p.out.push_back(p.n);

  const int64_t count = DimProduct(batch, 0, r);
  const int64_t x_count = DimProduct(xm, 0, xr);
  if (count > 1 && DimProduct(ym, 0, yr) == 1 && x_count == count && !p.trans_a) {
    p.m *= count;  // X's matrices are contiguous and all share Y: one taller GEMM
  } else if (count != 1) {
    p.a_offsets = BatchOffsets(batch, x_batch, a.rows * a.cols);
    p.b_offsets = BatchOffsets(batch, y_batch, b.rows * b.cols);
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
