// The binary elementwise family: elementwise_add, _sub, _mul, _div, _max, _min, _pow with
// Paddle's axis broadcasting (kernels/broadcast.h). float32 everywhere; int64 and int32 where
// integer models use them (not pow, whose integer rounding rules we have no case for).
#include <cmath>
#include <cstdint>
#include <string>
#include <type_traits>

#include "framework/op_registry.h"
#include "kernels/broadcast.h"
#include "kernels/cpu_features.h"
#include "kernels/elementwise_same_shape.h"
#include "kernels/kernel_util.h"
#include "kernels/layout_rules.h"
#include "kernels/parallel.h"
#include "kernels/register.h"
#include "kernels/vec_math.h"

namespace pd {
namespace {

BroadcastPlan Plan(const OpContext& ctx) {
  return PlanBroadcast(ctx.op().type(), ctx.In("X").dims(), ctx.In("Y").dims(),
                       ctx.op().GetInt("axis", -1));
}

void BinaryInferShape(OpContext& ctx) {
  const Tensor& x = InputWithData(ctx, "X");
  const Tensor& y = InputOfType(ctx, "Y", x.dtype());
  Dims out = Plan(ctx).out;
  // Writing in place is safe only into an operand that already has the output's shape: each
  // element is then read just before it is overwritten.
  const Tensor* o = ctx.Out("Out");
  PD_CHECK((o != &x || x.dims() == out) && (o != &y || y.dims() == out), ctx.op().type(),
           ": in-place output must have the broadcast shape ", DimsToString(out));
  ctx.Out("Out")->Resize(std::move(out));
  ShareLoD(ctx, "X", "Out");
}

// Integer add, sub and mul wrap instead of overflowing (signed overflow is undefined
// behaviour); floats compute the plain expression.
template <typename T, bool = std::is_integral_v<T>>
struct WideOf {
  using type = T;
};
template <typename T>
struct WideOf<T, true> {
  using type = std::make_unsigned_t<T>;
};
template <typename T>
using Wide = typename WideOf<T>::type;

struct AddOp {
  template <typename T>
  PD_ALWAYS_INLINE T operator()(T a, T b) const {
    return static_cast<T>(static_cast<Wide<T>>(a) + static_cast<Wide<T>>(b));
  }
};
struct SubOp {
  template <typename T>
  PD_ALWAYS_INLINE T operator()(T a, T b) const {
    return static_cast<T>(static_cast<Wide<T>>(a) - static_cast<Wide<T>>(b));
  }
};
struct MulOp {
  template <typename T>
  PD_ALWAYS_INLINE T operator()(T a, T b) const {
    return static_cast<T>(static_cast<Wide<T>>(a) * static_cast<Wide<T>>(b));
  }
};
// elementwise_add with fuse_activation "relu" (a training program's add → relu,
// passes/relu_fuse.cc): the sum's relu as kernels/activation.cc's Relu takes it.
struct AddReluOp {
  template <typename T>
  PD_ALWAYS_INLINE T operator()(T a, T b) const {
    const T sum = AddOp{}(a, b);
    return sum > T(0) ? sum : T(0);
  }
};
// Paddle's maximum/minimum are plain comparisons: a NaN in X yields Y's element.
struct MaxOp {
  template <typename T>
  PD_ALWAYS_INLINE T operator()(T a, T b) const { return a > b ? a : b; }
};
struct MinOp {
  template <typename T>
  PD_ALWAYS_INLINE T operator()(T a, T b) const { return a < b ? a : b; }
};
struct PowOp {
  float operator()(float a, float b) const { return std::pow(a, b); }
};
// DivKernel rejects an integer zero divisor first.
struct DivOp {
  template <typename T>
  PD_ALWAYS_INLINE T operator()(T a, T b) const { return a / b; }
};

// Same-shape float operands on each instruction set; the operators are always inlined, as GCC
// will not inline a baseline function into one built for AVX2 or AVX-512. Measured on one
// thread of a Xeon with AVX-512 (bench/vector_isa.cc), elementwise_add on 1024 floats took
// 0.12 us on the baseline build, 0.066 on AVX2 and 0.042 on AVX-512; from 64K floats (L2) on,
// bandwidth bounds all three alike (7.4 to 8.1 us; 320 us on 800K floats).
template <typename F>
PD_ALWAYS_INLINE void SameShapeLoop(const float* x, const float* y, float* out, int64_t n) {
  const F f;
  for (int64_t i = 0; i < n; ++i) out[i] = f(x[i], y[i]);
}

#ifdef PD_HAVE_AVX2_VARIANT
template <typename F>
PD_TARGET_AVX2 void SameShapeAvx2(const float* x, const float* y, float* out, int64_t n) {
  SameShapeLoop<F>(x, y, out, n);
}
template <typename F>
PD_TARGET_AVX512 void SameShapeAvx512(const float* x, const float* y, float* out, int64_t n) {
  SameShapeLoop<F>(x, y, out, n);
}
#endif

template <typename F>
void SameShapeOn(VectorIsa isa, const float* x, const float* y, float* out, int64_t n) {
  switch (isa) {
#ifdef PD_HAVE_AVX2_VARIANT
    case VectorIsa::kAvx2: return SameShapeAvx2<F>(x, y, out, n);
    case VectorIsa::kAvx512: return SameShapeAvx512<F>(x, y, out, n);
#endif
    default: return SameShapeLoop<F>(x, y, out, n);
  }
}

template <typename T, typename F>
void BinaryKernel(OpContext& ctx) {
  if constexpr (std::is_same_v<F, AddOp>) {
    if (AddFusesRelu(ctx)) return BinaryKernel<T, AddReluOp>(ctx);
  }
  const Tensor& x = ctx.In("X");
  const Tensor& y = ctx.In("Y");
  Tensor* out = ctx.Out("Out");
  const T* xp = x.data<T>();
  const T* yp = y.data<T>();
  const int layout = x.layout();  // read first: out may be x
  T* op = out->mutable_data_for_overwrite<T>();  // every element is written below
  if (x.dims() == y.dims()) {
    // Equal dims: element by element, in whatever layout X and Y share (the executor hands
    // blocked operands over only when they match, SameLayoutUnpadded in kernels/layout_rules.h).
    out->set_layout(layout);
    const int64_t n = out->numel();
    // pow calls the library per element: no instruction set makes that faster.
    if constexpr (std::is_same_v<T, float> && !std::is_same_v<F, PowOp>) {
      ParallelForElements(n, ctx.config().num_threads, [&](int64_t begin, int64_t end) {
        SameShapeOn<F>(WidestVectorIsa(), xp + begin, yp + begin, op + begin, end - begin);
      });
    } else {
      F f;
      for (int64_t i = 0; i < n; ++i) op[i] = f(xp[i], yp[i]);
    }
    return;
  }
  ApplyBroadcast(Plan(ctx), xp, yp, op, F{});
}

// Integer division truncates toward zero like C++ (and Paddle's CPU kernel); a zero divisor is
// an error rather than a crash.
template <typename T>
void DivKernel(OpContext& ctx) {
  if constexpr (std::is_integral_v<T>) {
    const Tensor& y = ctx.In("Y");
    const T* yp = y.data<T>();
    for (int64_t i = 0; i < y.numel(); ++i) {
      PD_CHECK(yp[i] != 0, ctx.op().type(), ": integer division by zero (Y[", i, "])");
    }
  }
  BinaryKernel<T, DivOp>(ctx);
}

template <typename F>
void RegisterBinary(OpRegistry& r, const char* type, bool integers) {
  r.Add(type, BinaryInferShape, "X");
  r.AddKernel(type, DeviceType::kCPU, DType::kFP32, BinaryKernel<float, F>);
  r.SetLayoutRule(type, DeviceType::kCPU, ElementwiseLayoutRule);
  if (integers) {
    r.AddKernel(type, DeviceType::kCPU, DType::kInt64, BinaryKernel<int64_t, F>);
    r.AddKernel(type, DeviceType::kCPU, DType::kInt32, BinaryKernel<int32_t, F>);
  }
}

}  // namespace

void ElementwiseSameShapeOn(VectorIsa isa, const std::string& op_type, const float* x,
                            const float* y, float* out, int64_t n) {
  if (op_type == "elementwise_add") return SameShapeOn<AddOp>(isa, x, y, out, n);
  if (op_type == "elementwise_sub") return SameShapeOn<SubOp>(isa, x, y, out, n);
  if (op_type == "elementwise_mul") return SameShapeOn<MulOp>(isa, x, y, out, n);
  if (op_type == "elementwise_div") return SameShapeOn<DivOp>(isa, x, y, out, n);
  if (op_type == "elementwise_max") return SameShapeOn<MaxOp>(isa, x, y, out, n);
  if (op_type == "elementwise_min") return SameShapeOn<MinOp>(isa, x, y, out, n);
  Fail("ElementwiseSameShapeOn: no vectorized loop for ", op_type);
}

void RegisterElementwiseKernels(OpRegistry& r) {
  RegisterBinary<AddOp>(r, "elementwise_add", true);
  RegisterBinary<SubOp>(r, "elementwise_sub", true);
  RegisterBinary<MulOp>(r, "elementwise_mul", true);
  RegisterBinary<MaxOp>(r, "elementwise_max", true);
  RegisterBinary<MinOp>(r, "elementwise_min", true);
  RegisterBinary<PowOp>(r, "elementwise_pow", false);
  r.SetLayoutRule("elementwise_pow", DeviceType::kCPU, nullptr);  // plain inputs, as ever
  r.Add("elementwise_div", BinaryInferShape, "X");
  r.AddKernel("elementwise_div", DeviceType::kCPU, DType::kFP32, DivKernel<float>);
  r.AddKernel("elementwise_div", DeviceType::kCPU, DType::kInt64, DivKernel<int64_t>);
  r.AddKernel("elementwise_div", DeviceType::kCPU, DType::kInt32, DivKernel<int32_t>);
}

}  // namespace pd
