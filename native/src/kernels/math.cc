// Dense math: mul, matmul, matmul_v2 and fc (float32 GEMMs through OpenBLAS; the first three
// read bfloat16 where marked so, kernels/bf16.h), and scale (float32, int64, int32; the element
// type is kept). The elementwise family is elementwise.cc.
#include <algorithm>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include "framework/op_registry.h"
#include "kernels/bf16.h"
#include "kernels/blas.h"
#include "kernels/gemm_plan.h"
#include "kernels/kernel_util.h"
#include "kernels/register.h"
#include "kernels/vec_math.h"

namespace pd {
namespace {

// ---------------------------------------------------------------------------------------------
// GEMM plans shared by mul, matmul and matmul_v2.

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

void MulInferShape(OpContext& ctx) {
  CheckGemmInputs(ctx);
  GemmInferShape(ctx, MulPlan(ctx));
}
// Out = alpha·op(X)·op(Y) over the plan, with X and Y read as bfloat16 where the op is marked
// so (kernels/bf16.h).
void RunProduct(OpContext& ctx, const GemmPlan& p, float alpha) {
  const bool bf16 = WantsBf16(ctx.op());
  const Tensor &x = ctx.In("X"), &y = ctx.In("Y");
  std::vector<float> x_bf16, y_bf16;
  RunGemmPlan(p, ctx.config().num_threads, alpha,
              Bf16Rounded(x.data<float>(), x.numel(), bf16, &x_bf16),
              Bf16Rounded(y.data<float>(), y.numel(), bf16, &y_bf16),
              ctx.Out("Out")->mutable_data<float>());
}

void MulKernel(OpContext& ctx) { RunProduct(ctx, MulPlan(ctx), 1.0f); }

void MatmulInferShape(OpContext& ctx) {
  CheckGemmInputs(ctx);
  PD_CHECK(ctx.op().GetInt("head_number", 1) == 1,
           "matmul: head_number > 1 (a fused multi-head form) is not supported");
  GemmInferShape(ctx, MatmulPlan(ctx));
}
void MatmulKernel(OpContext& ctx) {
  RunProduct(ctx, MatmulPlan(ctx), ctx.op().GetFloat("alpha", 1.0f));
}

void MatmulV2InferShape(OpContext& ctx) {
  CheckGemmInputs(ctx);
  GemmInferShape(ctx, MatmulV2Plan(ctx));
}
void MatmulV2Kernel(OpContext& ctx) { RunProduct(ctx, MatmulV2Plan(ctx), 1.0f); }

// ---------------------------------------------------------------------------------------------
// fc: Input flattened at in_num_col_dims, times W [K, N], plus Bias [N], then the activation
// (what the fc fusion pass makes of mul + elementwise_add [+ relu]).

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
