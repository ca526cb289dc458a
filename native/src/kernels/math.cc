// Dense math: mul, matmul, matmul_v2 and fc (float32 GEMMs through OpenBLAS), and scale
// (float32, int64, int32; the element type is kept). The elementwise family is elementwise.cc.
#include <algorithm>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include "framework/op_registry.h"
#include "kernels/blas.h"
#include "kernels/kernel_util.h"
#include "kernels/register.h"
#include "kernels/vec_math.h"

namespace pd {
namespace {

// ---------------------------------------------------------------------------------------------
// GEMM plans shared by mul, matmul and matmul_v2.

// One or more GEMMs C_i = alpha * op(A_i) * op(B_i), op(A) [m,k], op(B) [k,n], C_i at i*m*n.
struct GemmPlan {
  Dims out;
  int64_t m = 0, n = 0, k = 0;
  bool trans_a = false, trans_b = false;
  std::vector<int64_t> a_offsets{0}, b_offsets{0};  // element offsets of each A_i and B_i
};

// C = alpha·A·B + beta·C for each A_i, B_i of the plan; beta is 0 or 1.
void RunGemmPlan(const GemmPlan& p, int threads, float alpha, const float* a, const float* b,
                 float* c, float beta = 0.0f) {
  const int64_t c_size = p.m * p.n;
  for (size_t i = 0; i < p.a_offsets.size(); ++i) {
    float* ci = c + static_cast<int64_t>(i) * c_size;
    if (c_size == 0) continue;
    if (p.k == 0) {  // an empty sum; BLAS also rejects the zero leading dimension
      if (beta == 0.0f) std::fill(ci, ci + c_size, 0.0f);
      continue;
    }
    Sgemm(p.trans_a, p.trans_b, p.m, p.n, p.k, alpha, a + p.a_offsets[i], p.trans_a ? p.m : p.k,
          b + p.b_offsets[i], p.trans_b ? p.k : p.n, beta, ci, p.n, threads);
  }
}

void GemmInferShape(OpContext& ctx, const GemmPlan& plan) {
  ctx.Out("Out")->Resize(plan.out);
  ShareLoD(ctx, "X", "Out");
}

void CheckGemmInputs(const OpContext& ctx) {
  CheckNotInPlace(ctx, "Out", {"X", "Y"});
  InputWithData(ctx, "X");
  InputOfType(ctx, "Y", DType::kFP32);
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

void MulInferShape(OpContext& ctx) {
  CheckGemmInputs(ctx);
  GemmInferShape(ctx, MulPlan(ctx));
}
void MulKernel(OpContext& ctx) {
  RunGemmPlan(MulPlan(ctx), ctx.config().num_threads, 1.0f, ctx.In("X").data<float>(),
              ctx.In("Y").data<float>(), ctx.Out("Out")->mutable_data<float>());
}

void MatmulInferShape(OpContext& ctx) {
  CheckGemmInputs(ctx);
  PD_CHECK(ctx.op().GetInt("head_number", 1) == 1,
           "matmul: head_number > 1 (a fused multi-head form) is not supported");
  GemmInferShape(ctx, MatmulPlan(ctx));
}
void MatmulKernel(OpContext& ctx) {
  RunGemmPlan(MatmulPlan(ctx), ctx.config().num_threads, ctx.op().GetFloat("alpha", 1.0f),
              ctx.In("X").data<float>(), ctx.In("Y").data<float>(),
              ctx.Out("Out")->mutable_data<float>());
}

void MatmulV2InferShape(OpContext& ctx) {
  CheckGemmInputs(ctx);
  GemmInferShape(ctx, MatmulV2Plan(ctx));
}
void MatmulV2Kernel(OpContext& ctx) {
  RunGemmPlan(MatmulV2Plan(ctx), ctx.config().num_threads, 1.0f, ctx.In("X").data<float>(),
              ctx.In("Y").data<float>(), ctx.Out("Out")->mutable_data<float>());
}

// ---------------------------------------------------------------------------------------------
// fc: Input flattened at in_num_col_dims, times W [K, N], plus Bias [N], then the activation
// (what the fc fusion pass makes of mul + elementwise_add [+ relu]).

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

bool FcRelu(const OpContext& ctx) {
  const std::string act = ctx.op().GetString("activation_type", "");
  PD_CHECK(act.empty() || act == "relu", "fc: activation_type '", act,
           "' is not supported (only \"\" and \"relu\")");
  return act == "relu";
}

void FcInferShape(OpContext& ctx) {
  CheckNotInPlace(ctx, "Out", {"Input", "W", "Bias"});
  InputOfType(ctx, "Input", DType::kFP32);
  InputOfType(ctx, "W", DType::kFP32);
  const GemmPlan p = FcPlan(ctx);
  if (ctx.HasInput("Bias")) {
    const Tensor& b = InputOfType(ctx, "Bias", DType::kFP32);
    PD_CHECK(b.numel() == p.n, "fc: Bias ", DimsToString(b.dims()), " must hold ", p.n,
             " values, one per output column");
  }
  FcRelu(ctx);
  ctx.Out("Out")->Resize(p.out);
  ShareLoD(ctx, "Input", "Out");
}

void FcKernel(OpContext& ctx) {
  const GemmPlan p = FcPlan(ctx);
  float* out = ctx.Out("Out")->mutable_data<float>();
  const float* bias = ctx.HasInput("Bias") ? ctx.In("Bias").data<float>() : nullptr;
  // With a bias, the output starts as the bias rows and the GEMM adds to them: one pass over
  // the output instead of BLAS clearing it and a second pass adding the bias.
  if (bias != nullptr) {
    for (int64_t i = 0; i < p.m; ++i) std::copy(bias, bias + p.n, out + i * p.n);
  }
  RunGemmPlan(p, ctx.config().num_threads, 1.0f, ctx.In("Input").data<float>(),
              ctx.In("W").data<float>(), out, bias != nullptr ? 1.0f : 0.0f);
  if (FcRelu(ctx)) ReluInPlace(out, p.m * p.n);
}

// ---------------------------------------------------------------------------------------------
// scale

void ScaleInferShape(OpContext& ctx) {
  ctx.Out("Out")->Resize(InputWithData(ctx, "X").dims());
  ShareLoD(ctx, "X", "Out");
}

// Paddle converts scale and bias to the element type before computing (an int64 tensor
// scaled by 1.5 is multiplied by 1).
template <typename T>
T ToElement(float v, const char* what) {
  if constexpr (std::is_integral_v<T>) {
    PD_CHECK(v == v && v > static_cast<float>(std::numeric_limits<T>::min()) &&
                 v < static_cast<float>(std::numeric_limits<T>::max()),
             "scale: ", what, " ", v, " does not fit the tensor's integer type");
  }
  return static_cast<T>(v);
}

// Integer arithmetic wraps instead of overflowing (signed overflow is undefined behaviour);
// floats compute exactly Paddle's expression.
template <typename T>
T Mul(T a, T b) {
  if constexpr (std::is_integral_v<T>) {
    using U = std::make_unsigned_t<T>;
    return static_cast<T>(static_cast<U>(a) * static_cast<U>(b));
  } else {
    return a * b;
  }
}
template <typename T>
T Add(T a, T b) {
  if constexpr (std::is_integral_v<T>) {
    using U = std::make_unsigned_t<T>;
    return static_cast<T>(static_cast<U>(a) + static_cast<U>(b));
  } else {
    return a + b;
  }
}

template <typename T>
void ScaleKernel(OpContext& ctx) {
  const float scale_attr = ctx.HasInput("ScaleTensor")
                               ? static_cast<float>(ScalarInput(ctx, "ScaleTensor"))
                               : ctx.op().GetFloat("scale", 1.0f);
  const T scale = ToElement<T>(scale_attr, "scale");
  const T bias = ToElement<T>(ctx.op().GetFloat("bias", 0.0f), "bias");
  const bool bias_after = ctx.op().GetBool("bias_after_scale", true);
  const Tensor& x = ctx.In("X");
  Tensor* out = ctx.Out("Out");
  if (scale == T(1) && bias == T(0)) {
    // The identity (e.g. the scale(1, 0) that save_inference_model appends): share, no copy.
    if (out != &x) out->ShareDataWith(x);
    return;
  }
  const T* xp = x.data<T>();
  T* op = out->mutable_data<T>();
  const int64_t n = out->numel();
  if (bias_after) {
    for (int64_t i = 0; i < n; ++i) op[i] = Add(Mul(xp[i], scale), bias);
  } else {
    for (int64_t i = 0; i < n; ++i) op[i] = Mul(Add(xp[i], bias), scale);
  }
}

}  // namespace

void RegisterMathKernels(OpRegistry& r) {
  r.Add("mul", MulInferShape, "X");
  r.AddKernel("mul", DeviceType::kCPU, DType::kFP32, MulKernel);
  r.Add("matmul", MatmulInferShape, "X");
  r.AddKernel("matmul", DeviceType::kCPU, DType::kFP32, MatmulKernel);
  r.Add("matmul_v2", MatmulV2InferShape, "X");
  r.AddKernel("matmul_v2", DeviceType::kCPU, DType::kFP32, MatmulV2Kernel);
  r.Add("fc", FcInferShape, "Input");
  r.AddKernel("fc", DeviceType::kCPU, DType::kFP32, FcKernel);

  r.Add("scale", ScaleInferShape, "X");
  r.AddKernel("scale", DeviceType::kCPU, DType::kFP32, ScaleKernel<float>);
  r.AddKernel("scale", DeviceType::kCPU, DType::kInt64, ScaleKernel<int64_t>);
  r.AddKernel("scale", DeviceType::kCPU, DType::kInt32, ScaleKernel<int32_t>);
}

}  // namespace pd
