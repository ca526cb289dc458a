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

struct Side {
  int64_t rows, cols;  // the stored matrix
  Dims batch;          // its batch dims
};

Side Describe(const Dims& d, bool column) {
  if (d.size() == 1) return column ? Side{d[0], 1, {}} : Side{1, d[0], {}};
  return Side{d[d.size() - 2], d[d.size() - 1], Dims(d.begin(), d.end() - 2)};
}

void MatmulV2GradKernel(OpContext& ctx) {
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
  // Output batch dims, right-aligned broadcast; per batch index the offset of X's and Y's
  // matrices.
  const size_t xr = a.batch.size(), yr = b.batch.size(), r = std::max(xr, yr);
  Dims batch(r);
  for (size_t j = 0; j < r; ++j) {
    const int64_t xs = j + xr >= r ? a.batch[j + xr - r] : 1;
    const int64_t ys = j + yr >= r ? b.batch[j + yr - r] : 1;
    PD_CHECK(xs == ys || xs == 1 || ys == 1, "matmul_v2_grad: batch dims of X ",
             DimsToString(x.dims()), " and Y ", DimsToString(y.dims()), " do not broadcast");
    batch[j] = std::max(xs, ys);
  }
  const int64_t count = DimProduct(batch, 0, r);
  PD_CHECK(dout.numel() == count * m * n, "matmul_v2_grad: Out@GRAD ", DimsToString(dout.dims()),
           " does not fit X ", DimsToString(x.dims()), " times Y ", DimsToString(y.dims()));
  const int64_t a_size = a.rows * a.cols, b_size = b.rows * b.cols;
  std::vector<int64_t> a_off(count), b_off(count);
  {
    std::vector<int64_t> idx(r, 0);
    for (int64_t i = 0; i < count; ++i) {
      int64_t ao = 0, bo = 0, as = 1, bs = 1;
      for (size_t j = r; j-- > 0;) {
        const int64_t xs = j + xr >= r ? a.batch[j + xr - r] : 1;
        const int64_t ys = j + yr >= r ? b.batch[j + yr - r] : 1;
        if (xs != 1) ao += idx[j] * as;
        if (ys != 1) bo += idx[j] * bs;
        as *= xs;
        bs *= ys;
      }
      a_off[i] = ao * a_size;
      b_off[i] = bo * b_size;
      for (size_t j = r; j-- > 0;) {
        if (++idx[j] < batch[j]) break;
        idx[j] = 0;
      }
    }
  }
  const int threads = ctx.config().num_threads;
  // A marked op (kernels/bf16.h) reads X, Y and Out@GRAD as bfloat16, as Paddle's AMP does.
  const bool bf16 = WantsBf16(ctx.op());
  std::vector<float> x_bf16, y_bf16, dout_bf16;
  const float* xp = Bf16Rounded(x.data<float>(), x.numel(), bf16 && ctx.HasOutput("Y@GRAD"),
                                &x_bf16);
  const float* yp = Bf16Rounded(y.data<float>(), y.numel(), bf16 && ctx.HasOutput("X@GRAD"),
                                &y_bf16);
  const float* dop = Bf16Rounded(dout.data<float>(), dout.numel(), bf16, &dout_bf16);
  const int64_t lda = a.cols, ldb = b.cols;  // row strides of the stored X and Y
  if (ctx.HasOutput("X@GRAD")) {
    float* dx = ctx.Out("X@GRAD")->mutable_data<float>();
    std::fill(dx, dx + x.numel(), 0.0f);
    for (int64_t i = 0; i < count; ++i) {
      const float* d = dop + i * m * n;
      if (!tx) {  // dX [m, k] = dOut [m, n] · op(Y)ᵀ
        Sgemm(false, !ty, m, k, n, 1.0f, d, n, yp + b_off[i], ldb, 1.0f, dx + a_off[i], lda,
              threads);
      } else {  // dX [k, m] = op(Y) [k, n] · dOutᵀ
        Sgemm(ty, true, k, m, n, 1.0f, yp + b_off[i], ldb, d, n, 1.0f, dx + a_off[i], lda,
              threads);
      }
    }
  }
  if (ctx.HasOutput("Y@GRAD")) {
    float* dy = ctx.Out("Y@GRAD")->mutable_data<float>();
    std::fill(dy, dy + y.numel(), 0.0f);
    for (int64_t i = 0; i < count; ++i) {
      const float* d = dop + i * m * n;
      if (!ty) {  // dY [k, n] = op(X)ᵀ · dOut
        Sgemm(!tx, false, k, n, m, 1.0f, xp + a_off[i], lda, d, n, 1.0f, dy + b_off[i], ldb,
              threads);
      } else {  // dY [n, k] = dOutᵀ · op(X)
        Sgemm(true, tx, n, k, m, 1.0f, d, n, xp + a_off[i], lda, 1.0f, dy + b_off[i], ldb,
              threads);
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
