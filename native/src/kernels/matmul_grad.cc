// matmul_v2_grad (X, Y, Out@GRAD; trans_x, trans_y → X@GRAD, Y@GRAD). With A = op(X) [m, k] and
// B = op(Y) [k, n] per batch: dA = dOut · Bᵀ and dB = Aᵀ · dOut, so
//   dX = dOut · op(Y)ᵀ      (or op(Y) · dOutᵀ when trans_x),
//   dY = op(X)ᵀ · dOut      (or dOutᵀ · op(X) when trans_y);
// batch dims broadcast as in the forward, and a side's gradient is summed over the batch dims
// it was broadcast along. A 1-D X is a row [1, k] and a 1-D Y a column [k, 1], as in the forward.
#include <algorithm>
#include <vector>

#include "kernels/bf16.h"
#include "kernels/blas.h"
#include "kernels/gemm_grad_plan.h"
#include "kernels/kernel_util.h"
#include "kernels/register.h"

namespace pd {
namespace {

void MatmulV2GradMaker(GradOpBuilder& g) {
  g.Add("matmul_v2_grad")
      .In("X", g.Input("X"))
      .In("Y", g.Input("Y"))
      .In("Out@GRAD", g.OutputGrad("Out"))
      .Out("X@GRAD", g.InputGrad("X"))
      .Out("Y@GRAD", g.InputGrad("Y"));
}

void MatmulV2GradInferShape(OpContext& ctx) {
  for (const char* slot : {"X", "Y"}) {
    const std::string grad = std::string(slot) + "@GRAD";
    if (!ctx.HasOutput(grad)) continue;
    CheckNotInPlace(ctx, grad, {"X", "Y", "Out@GRAD"});
    ctx.Out(grad)->Resize(InputWithData(ctx, slot).dims());
    ShareLoD(ctx, slot, grad);
  }
}

void MatmulV2GradKernel(OpContext& ctx) {
  const MatmulV2GradPlan p = PlanMatmulV2Grad(ctx);
  const Tensor& x = ctx.In("X");
  const Tensor& y = ctx.In("Y");
  const Tensor& dout = ctx.In("Out@GRAD");
  const bool tx = p.trans_x, ty = p.trans_y;
  const int64_t m = p.m, k = p.k, n = p.n;
  const int threads = ctx.config().num_threads;
  // A marked op (kernels/bf16.h) reads X, Y and Out@GRAD as bfloat16, as Paddle's AMP does.
  const bool bf16 = WantsBf16(ctx.op());
  std::vector<float> x_bf16, y_bf16, dout_bf16;
  const float* xp = Bf16Rounded(x.data<float>(), x.numel(), bf16 && ctx.HasOutput("Y@GRAD"),
                                &x_bf16);
  const float* yp = Bf16Rounded(y.data<float>(), y.numel(), bf16 && ctx.HasOutput("X@GRAD"),
                                &y_bf16);
  const float* dop = Bf16Rounded(dout.data<float>(), dout.numel(), bf16, &dout_bf16);
  const int64_t lda = p.x_cols, ldb = p.y_cols;  // row strides of the stored X and Y
  if (ctx.HasOutput("X@GRAD")) {
    float* dx = ctx.Out("X@GRAD")->mutable_data<float>();
    std::fill(dx, dx + x.numel(), 0.0f);
    for (int64_t i = 0; i < p.count; ++i) {
      const float* d = dop + i * m * n;
      const float* yi = yp + p.y_offsets[i];
      float* dxi = dx + p.x_offsets[i];
      if (!tx) {  // dX [m, k] = dOut [m, n] · op(Y)ᵀ
        Sgemm(false, !ty, m, k, n, 1.0f, d, n, yi, ldb, 1.0f, dxi, lda, threads);
      } else {  // dX [k, m] = op(Y) [k, n] · dOutᵀ
        Sgemm(ty, true, k, m, n, 1.0f, yi, ldb, d, n, 1.0f, dxi, lda, threads);
      }
    }
  }
  if (ctx.HasOutput("Y@GRAD")) {
    float* dy = ctx.Out("Y@GRAD")->mutable_data<float>();
    std::fill(dy, dy + y.numel(), 0.0f);
    for (int64_t i = 0; i < p.count; ++i) {
      const float* d = dop + i * m * n;
      const float* xi = xp + p.x_offsets[i];
      float* dyi = dy + p.y_offsets[i];
      if (!ty) {  // dY [k, n] = op(X)ᵀ · dOut
        Sgemm(!tx, false, k, n, m, 1.0f, xi, lda, d, n, 1.0f, dyi, ldb, threads);
      } else {  // dY [n, k] = dOutᵀ · op(X)
        Sgemm(true, tx, n, k, m, 1.0f, d, n, xi, lda, 1.0f, dyi, ldb, threads);
      }
    }
  }
}

}  // namespace

void RegisterMatmulGradKernels(OpRegistry& r) {
  r.SetGradMaker("matmul_v2", MatmulV2GradMaker);
  r.Add("matmul_v2_grad", MatmulV2GradInferShape, "Out@GRAD");
  r.AddKernel("matmul_v2_grad", DeviceType::kCPU, DType::kFP32, MatmulV2GradKernel);
}

}  // namespace pd
