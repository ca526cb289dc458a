// Dense math: mul, matmul and matmul_v2 (float32 GEMMs through OpenBLAS), elementwise_add with
// Paddle's axis broadcasting, and scale (float32, int64, int32; the element type is kept).
#include <algorithm>
#include <limits>
#include <type_traits>
#include <vector>

#include "framework/op_registry.h"
#include "kernels/blas.h"
#include "kernels/kernel_util.h"
#include "kernels/register.h"

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

void RunGemmPlan(const GemmPlan& p, float alpha, const float* a, const float* b, float* c) {
  const int64_t c_size = p.m * p.n;
  for (size_t i = 0; i < p.a_offsets.size(); ++i) {
    float* ci = c + static_cast<int64_t>(i) * c_size;
    if (c_size == 0) continue;
    if (p.k == 0) {  // an empty sum; BLAS also rejects the zero leading dimension
      std::fill(ci, ci + c_size, 0.0f);
      continue;
    }
    Sgemm(p.trans_a, p.trans_b, p.m, p.n, p.k, alpha, a + p.a_offsets[i], p.trans_a ? p.m : p.k,
          b + p.b_offsets[i], p.trans_b ? p.k : p.n, 0.0f, ci, p.n);
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
  RunGemmPlan(MulPlan(ctx), 1.0f, ctx.In("X").data<float>(), ctx.In("Y").data<float>(),
              ctx.Out("Out")->mutable_data<float>());
}

void MatmulInferShape(OpContext& ctx) {
  CheckGemmInputs(ctx);
  PD_CHECK(ctx.op().GetInt("head_number", 1) == 1,
           "matmul: head_number > 1 (a fused multi-head form) is not supported");
  GemmInferShape(ctx, MatmulPlan(ctx));
}
void MatmulKernel(OpContext& ctx) {
  RunGemmPlan(MatmulPlan(ctx), ctx.op().GetFloat("alpha", 1.0f), ctx.In("X").data<float>(),
              ctx.In("Y").data<float>(), ctx.Out("Out")->mutable_data<float>());
}

void MatmulV2InferShape(OpContext& ctx) {
  CheckGemmInputs(ctx);
  GemmInferShape(ctx, MatmulV2Plan(ctx));
}
void MatmulV2Kernel(OpContext& ctx) {
  RunGemmPlan(MatmulV2Plan(ctx), 1.0f, ctx.In("X").data<float>(), ctx.In("Y").data<float>(),
              ctx.Out("Out")->mutable_data<float>());
}

// ---------------------------------------------------------------------------------------------
// elementwise_add

// How X and Y map onto the output. Output dims of size 1 are dropped and neighbouring dims
// along which X and Y vary (or stay fixed) alike are merged, so the innermost loop is as long
// as possible and contiguous in every operand that varies along it.
struct BroadcastPlan {
  Dims out;
  std::vector<int64_t> size, x_step, y_step;  // merged dims, outermost first
};

// Paddle's rule. Equal ranks: numpy broadcasting. Otherwise the lower-rank operand, with its
// trailing 1s dropped, is placed at dims [axis, axis + rank) of the other and padded with 1s;
// axis -1 means the rank difference, other negative values count back from it.
BroadcastPlan PlanBroadcast(const Dims& xd, const Dims& yd, int64_t axis) {
  const size_t r = std::max(xd.size(), yd.size());
  Dims xa = xd, ya = yd;
  if (xd.size() != yd.size()) {
    const bool x_big = xd.size() > yd.size();
    const Dims& small = x_big ? yd : xd;
    const int64_t diff = static_cast<int64_t>(r - small.size());
    const int64_t at = axis < 0 ? diff + axis + 1 : axis;
    Dims trimmed = small;
    while (!trimmed.empty() && trimmed.back() == 1) trimmed.pop_back();
    PD_CHECK(at >= 0 && at + static_cast<int64_t>(trimmed.size()) <= static_cast<int64_t>(r),
             "elementwise_add: axis ", axis, " cannot place ", x_big ? "Y " : "X ",
             DimsToString(small), " inside ", x_big ? "X " : "Y ", DimsToString(x_big ? xd : yd));
    Dims aligned(r, 1);
    std::copy(trimmed.begin(), trimmed.end(), aligned.begin() + at);
    (x_big ? ya : xa) = std::move(aligned);
  }
  BroadcastPlan p;
  p.out.resize(r);
  std::vector<int> kinds;  // bit 0: X varies along the dim, bit 1: Y does
  for (size_t i = 0; i < r; ++i) {
    PD_CHECK(xa[i] == ya[i] || xa[i] == 1 || ya[i] == 1, "elementwise_add: X ", DimsToString(xd),
             " and Y ", DimsToString(yd), " (axis ", axis, ") do not broadcast: ", xa[i],
             " against ", ya[i], " at output dim ", i);
    p.out[i] = xa[i] == 1 ? ya[i] : xa[i];
    if (p.out[i] == 1) continue;
    const int kind = (xa[i] != 1 ? 1 : 0) | (ya[i] != 1 ? 2 : 0);
    if (!kinds.empty() && kinds.back() == kind) {
      p.size.back() *= p.out[i];
    } else {
      kinds.push_back(kind);
      p.size.push_back(p.out[i]);
    }
  }
  p.x_step.resize(p.size.size());
  p.y_step.resize(p.size.size());
  int64_t xs = 1, ys = 1;
  for (size_t j = p.size.size(); j-- > 0;) {
    p.x_step[j] = (kinds[j] & 1) ? xs : 0;
    p.y_step[j] = (kinds[j] & 2) ? ys : 0;
    if (kinds[j] & 1) xs *= p.size[j];
    if (kinds[j] & 2) ys *= p.size[j];
  }
  return p;
}

BroadcastPlan AddPlan(const OpContext& ctx) {
  return PlanBroadcast(ctx.In("X").dims(), ctx.In("Y").dims(), ctx.op().GetInt("axis", -1));
}

void AddInferShape(OpContext& ctx) {
  const Tensor& x = InputWithData(ctx, "X");
  const Tensor& y = InputOfType(ctx, "Y", x.dtype());
  Dims out = AddPlan(ctx).out;
  // Writing in place is safe only into an operand that already has the output's shape: each
  // element is then read just before it is overwritten.
  const Tensor* o = ctx.Out("Out");
  PD_CHECK((o != &x || x.dims() == out) && (o != &y || y.dims() == out),
           "elementwise_add: in-place output must have the broadcast shape ", DimsToString(out));
  ctx.Out("Out")->Resize(std::move(out));
  ShareLoD(ctx, "X", "Out");
}

template <typename T>
void AddKernel(OpContext& ctx) {
  const Tensor& x = ctx.In("X");
  const Tensor& y = ctx.In("Y");
  Tensor* out = ctx.Out("Out");
  const T* xp = x.data<T>();
  const T* yp = y.data<T>();
  T* op = out->mutable_data<T>();
  const int64_t total = out->numel();
  if (x.dims() == y.dims()) {
    for (int64_t i = 0; i < total; ++i) op[i] = xp[i] + yp[i];
    return;
  }
  if (total == 0) return;
  const BroadcastPlan p = AddPlan(ctx);
  if (p.size.empty()) {  // every dim is 1
    op[0] = xp[0] + yp[0];
    return;
  }
  const size_t outer_dims = p.size.size() - 1;
  const int64_t inner = p.size.back();
  const bool x_inner = p.x_step.back() != 0, y_inner = p.y_step.back() != 0;
  std::vector<int64_t> idx(outer_dims, 0);
  int64_t xo = 0, yo = 0;
  for (int64_t row = 0; row < total / inner; ++row) {
    T* dst = op + row * inner;
    const T* xr = xp + xo;
    const T* yr = yp + yo;
    if (x_inner && y_inner) {
      for (int64_t i = 0; i < inner; ++i) dst[i] = xr[i] + yr[i];
    } else if (x_inner) {
      const T b = *yr;
      for (int64_t i = 0; i < inner; ++i) dst[i] = xr[i] + b;
    } else {
      const T a = *xr;
      for (int64_t i = 0; i < inner; ++i) dst[i] = a + yr[i];
    }
    for (size_t j = outer_dims; j-- > 0;) {  // odometer over the outer dims
      xo += p.x_step[j];
      yo += p.y_step[j];
      if (++idx[j] < p.size[j]) break;
      xo -= p.x_step[j] * p.size[j];
      yo -= p.y_step[j] * p.size[j];
      idx[j] = 0;
    }
  }
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
  r.AddKernel("mul", Place::kCPU, DType::kFP32, MulKernel);
  r.Add("matmul", MatmulInferShape, "X");
  r.AddKernel("matmul", Place::kCPU, DType::kFP32, MatmulKernel);
  r.Add("matmul_v2", MatmulV2InferShape, "X");
  r.AddKernel("matmul_v2", Place::kCPU, DType::kFP32, MatmulV2Kernel);

  r.Add("elementwise_add", AddInferShape, "X");
  r.AddKernel("elementwise_add", Place::kCPU, DType::kFP32, AddKernel<float>);
  r.AddKernel("elementwise_add", Place::kCPU, DType::kInt64, AddKernel<int64_t>);
  r.AddKernel("elementwise_add", Place::kCPU, DType::kInt32, AddKernel<int32_t>);

  r.Add("scale", ScaleInferShape, "X");
  r.AddKernel("scale", Place::kCPU, DType::kFP32, ScaleKernel<float>);
  r.AddKernel("scale", Place::kCPU, DType::kInt64, ScaleKernel<int64_t>);
  r.AddKernel("scale", Place::kCPU, DType::kInt32, ScaleKernel<int32_t>);
}

}  // namespace pd
