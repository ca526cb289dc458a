// fill_constant (seeds loss@GRAD, initialises learning rates and accumulators) and sum (adds up
// the contributions to a gradient that several ops write).
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "kernels/kernel_util.h"
#include "kernels/layout_rules.h"
#include "kernels/parallel.h"
#include "kernels/register.h"

namespace pd {
namespace {

void FillInferShape(OpContext& ctx) {
  PD_CHECK(!ctx.HasInput("ShapeTensor") && !ctx.HasInput("ShapeTensorList") &&
               !ctx.HasInput("ValueTensor"),
           "fill_constant: shape and value from tensors are not supported");
  Dims dims = ctx.op().GetInts("shape", {});
  ctx.Out("Out")->Resize(dims);
}

template <typename T>
void Fill(Tensor* out, double v) {
  T* p = out->mutable_data<T>();
  std::fill(p, p + out->numel(), static_cast<T>(v));
}

void FillKernel(OpContext& ctx) {
  const std::string text = ctx.op().GetString("str_value", "");
  const double v = text.empty() ? ctx.op().GetFloat("value", 0.0f) : std::strtod(text.c_str(), nullptr);
  Tensor* out = ctx.Out("Out");
  // dtype is Paddle's VarType code (framework.proto): 5 FP32, 6 FP64, 2 INT32, 3 INT64.
  switch (ctx.op().GetInt("dtype", 5)) {
    case 5: return Fill<float>(out, v);
    case 6: return Fill<double>(out, v);
    case 2: return Fill<int32_t>(out, v);
    case 3: return Fill<int64_t>(out, v);
    default:
      Fail("fill_constant: dtype ", ctx.op().GetInt("dtype", 5), " is not supported");
  }
}

void SumInferShape(OpContext& ctx) {
  const auto& xs = ctx.Ins("X");
  PD_CHECK(!xs.empty(), "sum: no inputs");
  for (const Tensor* x : xs) {
    PD_CHECK(x->initialized() && x->dtype() == DType::kFP32, "sum: every input must hold float32");
    PD_CHECK(x->numel() == xs[0]->numel(), "sum: inputs ", DimsToString(xs[0]->dims()), " and ",
             DimsToString(x->dims()), " differ in size");
  }
  ctx.Out("Out")->Resize(xs[0]->dims());
  ctx.Out("Out")->set_layout(xs[0]->layout());  // the inputs share it (SameLayoutUnpadded)
  ShareLoD(ctx, "X", "Out");
}

// out[i] = x0[i] + x1[i] + ... for i in [begin, end), added in that order. A block's inputs are
// all read before its outputs are written, so out may be one of the inputs (Paddle accumulates
// in place).
void SumRange(const std::vector<const float*>& xs, int64_t begin, int64_t end, float* out) {
  constexpr int64_t kBlock = 2048;  // a block of partial sums stays in L1
  float acc[kBlock];
  for (int64_t b = begin; b < end; b += kBlock) {
    const int64_t len = std::min(kBlock, end - b);
    std::memcpy(acc, xs[0] + b, static_cast<size_t>(len) * sizeof(float));
    for (size_t k = 1; k < xs.size(); ++k) {
      const float* p = xs[k] + b;
      for (int64_t i = 0; i < len; ++i) acc[i] += p[i];
    }
    std::memcpy(out + b, acc, static_cast<size_t>(len) * sizeof(float));
  }
}

void SumKernel(OpContext& ctx) {
  std::vector<const float*> xs;
  for (const Tensor* x : ctx.Ins("X")) xs.push_back(x->data<float>());
  const int64_t n = ctx.Ins("X")[0]->numel();
  // The inputs' pointers are taken first: mutable_data leaves an input's buffer alone (it takes a
  // fresh one when the buffer is shared, and Out already holds n floats when it is an input).
  float* out = ctx.Out("Out")->mutable_data_for_overwrite<float>();
  ParallelForElements(n, ctx.config().num_threads,
                      [&](int64_t begin, int64_t end) { SumRange(xs, begin, end, out); });
}

}  // namespace

void RegisterFillKernels(OpRegistry& r) {
  r.Add("fill_constant", FillInferShape, "");
  r.AddKernel("fill_constant", DeviceType::kCPU, DType::kUndefined, FillKernel);
  r.Add("sum", SumInferShape, "");
  r.AddKernel("sum", DeviceType::kCPU, DType::kUndefined, SumKernel);
  r.SetLayoutRule("sum", DeviceType::kCPU, ElementwiseLayoutRule);  // element for element
}

}  // namespace pd
