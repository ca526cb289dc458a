// mul, matmul, matmul_v2 and fc on cuBLAS. The GEMM shapes come from kernels/gemm_plan.h, the
// CPU kernels' own plans, so flattening, transposes and batch broadcasting agree with them.
// cuBLAS is column-major: a row-major C = op(A)·op(B) is computed as Cᵀ = op(B)ᵀ·op(A)ᵀ.
#include "cuda/dense_launch.h"
#include "cuda/op_util.h"
#include "cuda/register.h"
#include "kernels/gemm_plan.h"

namespace pd::cuda {
namespace {

// The common stride of offsets, or -1 when they are not evenly spaced.
int64_t EvenStride(const std::vector<int64_t>& offsets) {
  if (offsets.size() < 2) return 0;
  const int64_t step = offsets[1] - offsets[0];
  for (size_t i = 2; i < offsets.size(); ++i)
    if (offsets[i] - offsets[i - 1] != step) return -1;
  return step;
}

void RunGemm(CudaContext& cu, const GemmPlan& p, float alpha, const float* a, const float* b,
             float* c) {
  const int64_t c_size = p.m * p.n;
  const size_t count = p.a_offsets.size();
  if (c_size == 0) return;
  if (p.k == 0) {  // an empty sum
    PD_CUDA_CHECK(cudaMemsetAsync(c, 0, count * c_size * sizeof(float), cu.cuda_stream()));
    return;
  }
  PD_CHECK(p.m <= INT32_MAX && p.n <= INT32_MAX && p.k <= INT32_MAX,
           "GEMM of [", p.m, ", ", p.k, "] x [", p.k, ", ", p.n, "] is too large for cuBLAS");
  const cublasOperation_t ta = p.trans_a ? CUBLAS_OP_T : CUBLAS_OP_N;
  const cublasOperation_t tb = p.trans_b ? CUBLAS_OP_T : CUBLAS_OP_N;
  const int m = int(p.m), n = int(p.n), k = int(p.k);
  const int lda = p.trans_a ? m : k, ldb = p.trans_b ? k : n;
  const float beta = 0.0f;
  const int64_t sa = EvenStride(p.a_offsets), sb = EvenStride(p.b_offsets);
  if (count == 1) {
    PD_CUBLAS_CHECK(cublasSgemm(cu.cublas(), tb, ta, n, m, k, &alpha, b + p.b_offsets[0], ldb,
                                a + p.a_offsets[0], lda, &beta, c, n));
  } else if (sa >= 0 && sb >= 0) {
    PD_CUBLAS_CHECK(cublasSgemmStridedBatched(cu.cublas(), tb, ta, n, m, k, &alpha,
                                              b + p.b_offsets[0], ldb, sb, a + p.a_offsets[0],
                                              lda, sa, &beta, c, n, c_size, int(count)));
  } else {
    for (size_t i = 0; i < count; ++i)
      PD_CUBLAS_CHECK(cublasSgemm(cu.cublas(), tb, ta, n, m, k, &alpha, b + p.b_offsets[i], ldb,
                                  a + p.a_offsets[i], lda, &beta, c + i * c_size, n));
  }
}

void MulKernel(OpContext& ctx) {
  RunGemm(Ctx(ctx), MulPlan(ctx), 1.0f, ctx.In("X").data<float>(), ctx.In("Y").data<float>(),
          ctx.Out("Out")->mutable_data<float>());
}

void MatmulKernel(OpContext& ctx) {
  RunGemm(Ctx(ctx), MatmulPlan(ctx), ctx.op().GetFloat("alpha", 1.0f), ctx.In("X").data<float>(),
          ctx.In("Y").data<float>(), ctx.Out("Out")->mutable_data<float>());
}

void MatmulV2Kernel(OpContext& ctx) {
  RunGemm(Ctx(ctx), MatmulV2Plan(ctx), 1.0f, ctx.In("X").data<float>(),
          ctx.In("Y").data<float>(), ctx.Out("Out")->mutable_data<float>());
}

// fc: the GEMM, then bias and the activation in one pass.
void FcKernel(OpContext& ctx) {
  CudaContext& cu = Ctx(ctx);
  const GemmPlan p = FcPlan(ctx);
  const std::string act = ctx.op().GetString("activation_type", "");
  PD_CHECK(act.empty() || act == "relu", "fc: activation_type '", act, "' is not supported");
  float* y = ctx.Out("Out")->mutable_data<float>();
  RunGemm(cu, p, 1.0f, ctx.In("Input").data<float>(), ctx.In("W").data<float>(), y);
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
