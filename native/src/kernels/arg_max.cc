// arg_max: index of the largest element along axis (the first one on ties), as int64 (dtype 3,
// the default) or int32 (dtype 2). flatten: over all elements. keepdims keeps the reduced dim
// as 1.
#include <cstdint>
#include <vector>

#include "framework/op_registry.h"
#include "kernels/kernel_util.h"
#include "kernels/register.h"

namespace pd {
namespace {

struct ArgPlan {
  int64_t outer, n, inner;  // X viewed as [outer, n, inner], reduced over n
  Dims out;
};

ArgPlan PlanArgMax(const OpContext& ctx) {
  const Dims& d = ctx.In("X").dims();
  const int rank = static_cast<int>(d.size());
  const bool keep = ctx.op().GetBool("keepdims", false);
  ArgPlan p;
  if (ctx.op().GetBool("flatten", false)) {
    p = {1, Numel(d), 1, keep ? Dims(rank, 1) : Dims{}};
    return p;
  }
  if (rank == 0) return {1, 1, 1, {}};
  const int64_t axis = ctx.op().GetInt("axis", -1);
  const int64_t a = axis < 0 ? axis + rank : axis;
  PD_CHECK(a >= 0 && a < rank, "arg_max: axis ", axis, " is out of range for X ",
           DimsToString(d));
  p.outer = DimProduct(d, 0, a);
  p.n = d[a];
  p.inner = DimProduct(d, a + 1, rank);
  PD_CHECK(p.n > 0, "arg_max: X ", DimsToString(d), " is empty along axis ", a);
  p.out = d;
  if (keep) {
    p.out[a] = 1;
  } else {
    p.out.erase(p.out.begin() + a);
  }
  return p;
}

DType OutType(const OpContext& ctx) {
  const int64_t t = ctx.op().GetInt("dtype", 3);
  if (t == 2) return DType::kInt32;
  PD_CHECK(t == 3 || t == -1, "arg_max: dtype ", t, " is neither int32 (2) nor int64 (3)");
  return DType::kInt64;
}

void ArgMaxInferShape(OpContext& ctx) {
  InputWithData(ctx, "X");
  OutType(ctx);
  ctx.Out("Out")->Resize(PlanArgMax(ctx).out);
}

template <typename T, typename I>
void ArgMaxLoop(const ArgPlan& p, const T* x, I* out) {
  for (int64_t o = 0; o < p.outer; ++o) {
    const T* base = x + o * p.n * p.inner;
    I* dst = out + o * p.inner;
    for (int64_t i = 0; i < p.inner; ++i) {
      int64_t best = 0;
      for (int64_t k = 1; k < p.n; ++k) {
        if (base[k * p.inner + i] > base[best * p.inner + i]) best = k;
      }
      dst[i] = static_cast<I>(best);
    }
  }
}

template <typename T>
void ArgMaxKernel(OpContext& ctx) {
  const ArgPlan p = PlanArgMax(ctx);
  const T* x = ctx.In("X").data<T>();
  Tensor* out = ctx.Out("Out");
  if (OutType(ctx) == DType::kInt32) {
    ArgMaxLoop(p, x, out->mutable_data<int32_t>());
  } else {
    ArgMaxLoop(p, x, out->mutable_data<int64_t>());
  }
}

}  // namespace

void RegisterArgMaxKernels(OpRegistry& r) {
  r.Add("arg_max", ArgMaxInferShape, "X");
  r.AddKernel("arg_max", DeviceType::kCPU, DType::kFP32, ArgMaxKernel<float>);
  r.AddKernel("arg_max", DeviceType::kCPU, DType::kInt64, ArgMaxKernel<int64_t>);
  r.AddKernel("arg_max", DeviceType::kCPU, DType::kInt32, ArgMaxKernel<int32_t>);
}

}  // namespace pd
