// mul_grad, fc_grad and matmul_v2_grad on cuBLAS, computing what kernels/math_grad.cc and
// matmul_grad.cc compute, GEMM for GEMM: with A = op(X), B = op(Y) per batch, dA = dOut · Bᵀ and
// dB = Aᵀ · dOut, written in the stored (possibly transposed) layout of X and Y. A side that was
// broadcast along batch dims gets its per-batch products summed: one GEMM over the flattened
// batch where the layout allows, else the products into scratch memory and a fixed-order sum.
// mul_grad and matmul_v2_grad read their inputs as bfloat16 where marked, as their forward ops.
#include <algorithm>
#include <string>
#include <vector>

#include "cuda/blas_grad_launch.h"
#include "cuda/gemm.h"
#include "cuda/register.h"
#include "kernels/kernel_util.h"

namespace pd::cuda {
namespace {

// One GEMM C [m, n] = op(A) · op(B).
void Gemm(CudaContext& cu, int64_t m, int64_t n, int64_t k, Operand a, Operand b, float* c) {
  Gemms(cu, m, n, k, 1.0f, a, {0}, b, {0}, c);
}

Tensor Scratch(const CudaContext& cu, int64_t numel) {
  Tensor t;
  t.set_place(cu.place());
  t.Resize({numel});
  t.mutable_data<float>();
  return t;
}

// mul_grad: X flattened to [m, k] and Y to [k, n] as the forward did; dX = dOut · Yᵀ,
// dY = Xᵀ · dOut.
void MulGradKernel(OpContext& ctx) {
  CudaContext& cu = Ctx(ctx);
  const Tensor& x = InputOfType(ctx, "X", DType::kFP32);
  const Tensor& y = InputOfType(ctx, "Y", DType::kFP32);
  const Tensor& dout = InputOfType(ctx, "Out@GRAD", DType::kFP32);
  const int64_t xn = ctx.op().GetInt("x_num_col_dims", 1);
  const int64_t yn = ctx.op().GetInt("y_num_col_dims", 1);
  const int64_t m = DimProduct(x.dims(), 0, xn), k = DimProduct(x.dims(), xn, x.dims().size());
  const int64_t n = DimProduct(y.dims(), yn, y.dims().size());
  PD_CHECK(DimProduct(y.dims(), 0, yn) == k && dout.numel() == m * n, "mul_grad: X ",
           DimsToString(x.dims()), ", Y ", DimsToString(y.dims()), " and Out@GRAD ",
           DimsToString(dout.dims()), " do not fit together");
  // A marked op reads X, Y and Out@GRAD as bfloat16 (cuda/gemm.h).
  const bool bf16 = ProductRunsBf16(ctx, cu);
  Tensor x_bf16, y_bf16, dout_bf16;
  const void* d = ProductData(dout, bf16, cu, &dout_bf16);
  if (ctx.HasOutput("X@GRAD"))
    Gemm(cu, m, k, n, {d, n, false, bf16}, {ProductData(y, bf16, cu, &y_bf16), n, true, bf16},
         ctx.Out("X@GRAD")->mutable_data<float>());
  if (ctx.HasOutput("Y@GRAD"))
    Gemm(cu, k, n, m, {ProductData(x, bf16, cu, &x_bf16), k, true, bf16}, {d, n, false, bf16},
         ctx.Out("Y@GRAD")->mutable_data<float>());
}

// fc_grad (the unfused mul + elementwise_add [+ relu] in one): dPre = dOut, masked by Out > 0
// with relu; dInput = dPre · Wᵀ, dW = Inputᵀ · dPre, dBias = dPre summed over the rows.
void FcGradKernel(OpContext& ctx) {
  CudaContext& cu = Ctx(ctx);
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
  const int64_t n = w.dims()[1];
  const float* dpre = dout.data<float>();
  Tensor masked;
  if (act == "relu") {
    const Tensor& out = InputOfType(ctx, "Out", DType::kFP32);
    PD_CHECK(out.numel() == m * n, "fc_grad: Out ", DimsToString(out.dims()),
             " does not match Out@GRAD");
    masked = Scratch(cu, m * n);
    LaunchReluMask(dpre, out.data<float>(), masked.data_mut<float>(), m * n, cu.cuda_stream());
    CheckLaunch(ctx);
    dpre = masked.data<float>();
  }
  if (ctx.HasOutput("Input@GRAD"))
    Gemm(cu, m, k, n, {dpre, n, false}, {w.data<float>(), n, true},
         ctx.Out("Input@GRAD")->mutable_data<float>());
  if (ctx.HasOutput("W@GRAD"))
    Gemm(cu, k, n, m, {x.data<float>(), k, true}, {dpre, n, false},
         ctx.Out("W@GRAD")->mutable_data<float>());
  if (ctx.HasOutput("Bias@GRAD")) {
    PD_CHECK(ctx.In("Bias").numel() == n, "fc_grad: Bias must hold ", n, " values");
    LaunchColumnSum(dpre, ctx.Out("Bias@GRAD")->mutable_data<float>(), m, n, cu.cuda_stream());
    CheckLaunch(ctx);
  }
}

// ---- matmul_v2_grad ----

// One side of the product: the stored matrix and its batch dims.
struct Side {
  int64_t rows, cols;
  Dims batch;
};

// A 1-D X is a row [1, k], a 1-D Y a column [k, 1], as in the forward.
Side Describe(const Dims& d, bool column) {
  if (d.size() == 1) return column ? Side{d[0], 1, {}} : Side{1, d[0], {}};
  return Side{d[d.size() - 2], d[d.size() - 1], Dims(d.begin(), d.end() - 2)};
}

// The output's batch dims (right-aligned broadcast of both sides') and each side's own sizes
// aligned to them (1 where it has none).
struct Batches {
  Dims out, x, y;
  int64_t count = 1;
};

Batches Broadcast(const Side& a, const Side& b, const Tensor& x, const Tensor& y) {
  const size_t xr = a.batch.size(), yr = b.batch.size(), r = std::max(xr, yr);
  Batches bt;
  for (size_t j = 0; j < r; ++j) {
    const int64_t xs = j + xr >= r ? a.batch[j + xr - r] : 1;
    const int64_t ys = j + yr >= r ? b.batch[j + yr - r] : 1;
    PD_CHECK(xs == ys || xs == 1 || ys == 1, "matmul_v2_grad: batch dims of X ",
             DimsToString(x.dims()), " and Y ", DimsToString(y.dims()), " do not broadcast");
    bt.out.push_back(std::max(xs, ys));
    bt.x.push_back(xs);
    bt.y.push_back(ys);
    bt.count *= bt.out.back();
  }
  return bt;
}

// Per output batch index (row-major), the element offset of the side's matrix.
std::vector<int64_t> Offsets(const Dims& out, const Dims& mine, int64_t matrix) {
  const size_t r = out.size();
  std::vector<int64_t> strides(r);
  int64_t s = 1;
  for (size_t j = r; j-- > 0;) {
    strides[j] = mine[j] == 1 ? 0 : s;
    s *= mine[j];
  }
  std::vector<int64_t> off(static_cast<size_t>(Numel(out)));
  std::vector<int64_t> idx(r, 0);
  for (int64_t& o : off) {
    int64_t at = 0;
    for (size_t j = 0; j < r; ++j) at += idx[j] * strides[j];
    o = at * matrix;
    for (size_t j = r; j-- > 0;) {
      if (++idx[j] < out[j]) break;
      idx[j] = 0;
    }
  }
  return off;
}

// How a side's gradient sums the per-batch products: dims where it was broadcast are reduced.
BatchSum SumPlan(const OpContext& ctx, const Dims& out, const Dims& mine) {
  BatchSum plan;
  int64_t stride = 1;
  std::vector<int64_t> strides(out.size());
  for (size_t j = out.size(); j-- > 0;) {
    strides[j] = stride;
    stride *= out[j];
  }
  for (size_t j = 0; j < out.size(); ++j) {
    if (out[j] == 1) continue;
    const bool reduced = mine[j] == 1;
    int& used = reduced ? plan.reduced : plan.kept;
    PD_CHECK(used < kMaxBatchDims, ctx.op().type(), ": more than ", kMaxBatchDims,
             " batch dims");
    (reduced ? plan.reduced_size : plan.kept_size)[used] = out[j];
    (reduced ? plan.reduced_stride : plan.kept_stride)[used] = strides[j];
    ++used;
  }
  return plan;
}

// The per-batch products of one side's gradient, P_i = op(L_i) · op(R_i) of [rows, cols] with
// inner dim k, summed into grad over the batch dims the side was broadcast along.
void SideGrad(OpContext& ctx, float* grad, int64_t grad_numel, const Dims& out_batch,
              const Dims& mine, int64_t rows, int64_t cols, int64_t k, Operand l,
              const std::vector<int64_t>& l_off, Operand r, const std::vector<int64_t>& r_off) {
  CudaContext& cu = Ctx(ctx);
  if (grad_numel == 0) return;
  if (k == 0 || l_off.empty()) {  // nothing summed
    PD_CUDA_CHECK(cudaMemsetAsync(grad, 0, grad_numel * sizeof(float), cu.cuda_stream()));
    return;
  }
  const BatchSum plan = SumPlan(ctx, out_batch, mine);
  if (plan.reduced == 0) {
    Gemms(cu, rows, cols, k, 1.0f, l, l_off, r, r_off, grad);
    return;
  }
  Tensor parts = Scratch(cu, static_cast<int64_t>(l_off.size()) * rows * cols);
  Gemms(cu, rows, cols, k, 1.0f, l, l_off, r, r_off, parts.data_mut<float>());
  LaunchBatchSum(plan, parts.data<float>(), grad, grad_numel / (rows * cols), rows * cols,
                 cu.cuda_stream());
  CheckLaunch(ctx);
}

// X's matrices one after another in output batch order.
bool Consecutive(const std::vector<int64_t>& off, int64_t matrix) {
  for (size_t i = 0; i < off.size(); ++i)
    if (off[i] != static_cast<int64_t>(i) * matrix) return false;
  return true;
}

void MatmulV2GradKernel(OpContext& ctx) {
  CudaContext& cu = Ctx(ctx);
  const Tensor& x = InputOfType(ctx, "X", DType::kFP32);
  const Tensor& y = InputOfType(ctx, "Y", DType::kFP32);
  const Tensor& dout = InputOfType(ctx, "Out@GRAD", DType::kFP32);
  const bool tx = ctx.op().GetBool("trans_x", false), ty = ctx.op().GetBool("trans_y", false);
  PD_CHECK(x.rank() >= 1 && y.rank() >= 1, "matmul_v2_grad: X ", DimsToString(x.dims()),
           " and Y ", DimsToString(y.dims()), " must have at least one dim");
  const Side a = Describe(x.dims(), false), b = Describe(y.dims(), true);
  const int64_t m = tx ? a.cols : a.rows, k = tx ? a.rows : a.cols;
  const int64_t kb = ty ? b.cols : b.rows, n = ty ? b.rows : b.cols;
  PD_CHECK(k == kb, "matmul_v2_grad: X ", DimsToString(x.dims()), " and Y ",
           DimsToString(y.dims()), " do not multiply");
  const Batches bt = Broadcast(a, b, x, y);
  PD_CHECK(dout.numel() == bt.count * m * n, "matmul_v2_grad: Out@GRAD ",
           DimsToString(dout.dims()), " does not fit X ", DimsToString(x.dims()), " times Y ",
           DimsToString(y.dims()));
  const int64_t a_size = a.rows * a.cols, b_size = b.rows * b.cols;
  const std::vector<int64_t> a_off = Offsets(bt.out, bt.x, a_size);
  const std::vector<int64_t> b_off = Offsets(bt.out, bt.y, b_size);
  std::vector<int64_t> d_off(a_off.size());
  for (size_t i = 0; i < d_off.size(); ++i) d_off[i] = static_cast<int64_t>(i) * m * n;
  // A marked op reads X, Y and Out@GRAD as bfloat16 (cuda/gemm.h).
  const bool bf16 = ProductRunsBf16(ctx, cu);
  Tensor x_bf16, y_bf16, dout_bf16;
  const void* dp = ProductData(dout, bf16, cu, &dout_bf16);
  const Operand d{dp, n, false, bf16}, dt{dp, n, true, bf16};
  const void* xp = ProductData(x, bf16 && ctx.HasOutput("Y@GRAD"), cu, &x_bf16);
  const void* yp = ProductData(y, bf16 && ctx.HasOutput("X@GRAD"), cu, &y_bf16);
  if (ctx.HasOutput("X@GRAD")) {
    float* dx = ctx.Out("X@GRAD")->mutable_data<float>();
    if (!tx) {  // dX [m, k] = dOut · op(Y)ᵀ
      SideGrad(ctx, dx, x.numel(), bt.out, bt.x, m, k, n, d, d_off, {yp, b.cols, !ty, bf16}, b_off);
    } else {  // dX [k, m] = op(Y) · dOutᵀ
      SideGrad(ctx, dx, x.numel(), bt.out, bt.x, k, m, n, {yp, b.cols, ty, bf16}, b_off, dt, d_off);
    }
  }
  if (ctx.HasOutput("Y@GRAD")) {
    float* dy = ctx.Out("Y@GRAD")->mutable_data<float>();
    // One Y shared by X's consecutive matrices (a linear layer on a batch): the sum over the
    // batch is the inner sum of one GEMM over X and dOut flattened to [count·m, ·].
    const bool flat = !tx && b_size == y.numel() && Consecutive(a_off, a_size) &&
                      bt.count > 1 && y.numel() > 0;
    if (flat && !ty) {  // dY [k, n] = Xᵀ · dOut
      Gemm(cu, k, n, bt.count * m, {xp, a.cols, true, bf16}, d, dy);
    } else if (flat) {  // dY [n, k] = dOutᵀ · X
      Gemm(cu, n, k, bt.count * m, dt, {xp, a.cols, false, bf16}, dy);
    } else if (!ty) {  // dY [k, n] = op(X)ᵀ · dOut
      SideGrad(ctx, dy, y.numel(), bt.out, bt.y, k, n, m, {xp, a.cols, !tx, bf16}, a_off, d, d_off);
    } else {  // dY [n, k] = dOutᵀ · op(X)
      SideGrad(ctx, dy, y.numel(), bt.out, bt.y, n, k, m, dt, d_off, {xp, a.cols, tx, bf16}, a_off);
    }
  }
}

}  // namespace

void RegisterBlasGradKernels(OpRegistry& r) {
  r.AddKernel("mul_grad", DeviceType::kGPU, DType::kFP32, MulGradKernel);
  r.AddKernel("fc_grad", DeviceType::kGPU, DType::kFP32, FcGradKernel);
  r.AddKernel("matmul_v2_grad", DeviceType::kGPU, DType::kFP32, MatmulV2GradKernel);
}

}  // namespace pd::cuda
