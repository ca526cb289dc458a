// mul, matmul, matmul_v2 and fc on cuBLAS (cuda/gemm.h). The GEMM shapes come from
// kernels/gemm_plan.h, the CPU kernels' own plans, so flattening, transposes and batch
// broadcasting agree with them. mul, matmul and matmul_v2 read their inputs as bfloat16 where
// training's mixed precision marks them, as on the CPU (kernels/bf16.h).
#include "cuda/dense_launch.h"
#include "cuda/gemm.h"
#include "cuda/register.h"
#include "kernels/gemm_plan.h"

namespace pd::cuda {
namespace {

// C = alpha·op(A)·op(B) over the plan, A and B float32 or both bfloat16.
void RunGemm(CudaContext& cu, const GemmPlan& p, float alpha, const void* a, const void* b,
             bool bf16, float* c) {
  Gemms(cu, p.m, p.n, p.k, alpha, {a, p.trans_a ? p.m : p.k, p.trans_a, bf16}, p.a_offsets,
        {b, p.trans_b ? p.k : p.n, p.trans_b, bf16}, p.b_offsets, c);
}

// Out = alpha·op(X)·op(Y) over the plan, in bfloat16 where the op is marked so.
void RunProduct(OpContext& ctx, const GemmPlan& p, float alpha) {
  CudaContext& cu = Ctx(ctx);
  const bool bf16 = ProductRunsBf16(ctx, cu);
  Tensor x_bf16, y_bf16;
  RunGemm(cu, p, alpha, ProductData(ctx.In("X"), bf16, cu, &x_bf16),
          ProductData(ctx.In("Y"), bf16, cu, &y_bf16), bf16, ctx.Out("Out")->mutable_data<float>());
}

void MulKernel(OpContext& ctx) { RunProduct(ctx, MulPlan(ctx), 1.0f); }

void MatmulKernel(OpContext& ctx) {
  RunProduct(ctx, MatmulPlan(ctx), ctx.op().GetFloat("alpha", 1.0f));
}

void MatmulV2Kernel(OpContext& ctx) { RunProduct(ctx, MatmulV2Plan(ctx), 1.0f); }

// fc: the GEMM, then bias and the activation in one pass.
void FcKernel(OpContext& ctx) {
  CudaContext& cu = Ctx(ctx);
  const GemmPlan p = FcPlan(ctx);
  const std::string act = ctx.op().GetString("activation_type", "");
  PD_CHECK(act.empty() || act == "relu", "fc: activation_type '", act, "' is not supported");
  float* y = ctx.Out("Out")->mutable_data<float>();
  RunGemm(cu, p, 1.0f, ctx.In("Input").data<float>(), ctx.In("W").data<float>(), false, y);
  const float* bias = ctx.HasInput("Bias") ? ctx.In("Bias").data<float>() : nullptr;
  if (bias != nullptr)
    PD_CHECK(ctx.In("Bias").numel() == p.n, "fc: Bias ", DimsToString(ctx.In("Bias").dims()),
             " must hold ", p.n, " values");
  LaunchBiasActivation(y, bias, nullptr, p.m, p.n, 1, act.empty() ? Act::kNone : Act::kRelu, 0,
                       0, cu.cuda_stream());
  CheckLaunch(ctx);
}

}  // namespace

void RegisterBlasKernels(OpRegistry& r) {
  r.AddKernel("mul", DeviceType::kGPU, DType::kFP32, MulKernel);
  r.AddKernel("matmul", DeviceType::kGPU, DType::kFP32, MatmulKernel);
  r.AddKernel("matmul_v2", DeviceType::kGPU, DType::kFP32, MatmulV2Kernel);
  r.AddKernel("fc", DeviceType::kGPU, DType::kFP32, FcKernel);
}

}  // namespace pd::cuda
