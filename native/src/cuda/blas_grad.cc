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
#include "kernels/gemm_grad_plan.h"
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
  const auto [m, k, n] = MulGradShape(ctx);
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
  const auto [m, k, n] = FcGradShape(ctx);
  const std::string act = ctx.op().GetString("activation_type", "");
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
  const MatmulV2GradPlan p = PlanMatmulV2Grad(ctx);
  const Tensor& x = ctx.In("X");
  const Tensor& y = ctx.In("Y");
  const Tensor& dout = ctx.In("Out@GRAD");
  const bool tx = p.trans_x, ty = p.trans_y;
  const int64_t m = p.m, k = p.k, n = p.n;
  const std::vector<int64_t>& a_off = p.x_offsets;
  const std::vector<int64_t>& b_off = p.y_offsets;
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
      SideGrad(ctx, dx, x.numel(), p.batch, p.x_batch, m, k, n, d, d_off,
               {yp, p.y_cols, !ty, bf16}, b_off);
    } else {  // dX [k, m] = op(Y) · dOutᵀ
      SideGrad(ctx, dx, x.numel(), p.batch, p.x_batch, k, m, n, {yp, p.y_cols, ty, bf16}, b_off,
               dt, d_off);
    }
  }
  if (ctx.HasOutput("Y@GRAD")) {
    float* dy = ctx.Out("Y@GRAD")->mutable_data<float>();
    // One Y shared by X's consecutive matrices (a linear layer on a batch): the sum over the
    // batch is the inner sum of one GEMM over X and dOut flattened to [count·m, ·].
    const bool flat = !tx && p.y_matrix() == y.numel() && Consecutive(a_off, p.x_matrix()) &&
                      p.count > 1 && y.numel() > 0;
    if (flat && !ty) {  // dY [k, n] = Xᵀ · dOut
      Gemm(cu, k, n, p.count * m, {xp, p.x_cols, true, bf16}, d, dy);
    } else if (flat) {  // dY [n, k] = dOutᵀ · X
      Gemm(cu, n, k, p.count * m, dt, {xp, p.x_cols, false, bf16}, dy);
    } else if (!ty) {  // dY [k, n] = op(X)ᵀ · dOut
      SideGrad(ctx, dy, y.numel(), p.batch, p.y_batch, k, n, m, {xp, p.x_cols, !tx, bf16}, a_off,
               d, d_off);
    } else {  // dY [n, k] = dOutᵀ · op(X)
      SideGrad(ctx, dy, y.numel(), p.batch, p.y_batch, n, k, m, dt, d_off,
               {xp, p.x_cols, tx, bf16}, a_off);
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
