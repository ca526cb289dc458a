// Host side of the element-wise binary ops and scale on the GPU: the CPU kernels' shape rules
// (kernels/broadcast.h) picked apart into launch parameters for elementwise.cu.
#include <cmath>
#include <limits>
#include <type_traits>

#include "cuda/host_inputs.h"
#include "cuda/launchers.h"
#include "cuda/layout.h"
#include "cuda/op_util.h"
#include "cuda/register.h"
#include "kernels/broadcast.h"
#include "kernels/kernel_util.h"

namespace pd::cuda {
namespace {

template <typename T, BinaryOp kOp>
void BinaryKernel(OpContext& ctx) {
  CudaContext& c = Ctx(ctx);
  const Tensor& x = ctx.In("X");
  const Tensor& y = ctx.In("Y");
  Tensor* out = ctx.Out("Out");
  const T* xp = x.data<T>();  // read before Out's allocation: Out may be X
  const T* yp = y.data<T>();
  const BinaryOp op = kOp == BinaryOp::kAdd && AddFusesRelu(ctx) ? BinaryOp::kAddRelu : kOp;
  const bool same = x.dims() == y.dims();
  const BroadcastPlan plan =
      same ? BroadcastPlan{} : PlanBroadcast(ctx.op().type(), x.dims(), y.dims(),
                                             ctx.op().GetInt("axis", -1));
  // Equal dims: element by element, in X's order; in bfloat16 where both operands are (the
  // residual add of two bfloat16 activations, as autocast adds them), else float32.
  const bool out_bf16 = IsGpuBf16(x) && IsGpuBf16(y);
  const int layout = same ? (x.layout() & ~kGpuBf16) | (out_bf16 ? kGpuBf16 : 0) : 0;
  // Every element is written.
  T* outp = out_bf16 ? static_cast<T*>(OutputIn(out, layout))
                     : out->mutable_data_for_overwrite<T>();
  out->set_layout(layout);
  const int64_t n = out->numel();
  if (n == 0) return;
  // A bfloat16 operand: elementwise_add alone (AddRule: equal dims, neither one Out).
  if constexpr (std::is_same_v<T, float>) {
    if (IsGpuBf16(x) || IsGpuBf16(y)) {
      LaunchAddStored(StoredFloats(x), StoredFloats(y), op == BinaryOp::kAddRelu, outp,
                      out_bf16, n, c.cuda_stream());
      CheckLaunch(ctx);
      return;
    }
  }
  if (same) {
    LaunchBinarySame<T>(op, xp, yp, outp, n, c.cuda_stream());
  } else {
    PD_CHECK(plan.size.size() <= static_cast<size_t>(kMaxBroadcastDims), ctx.op().type(),
             ": broadcasting X ", DimsToString(x.dims()), " with Y ", DimsToString(y.dims()),
             " needs more than ", kMaxBroadcastDims, " loops");
    BroadcastShape sh;
    sh.rank = static_cast<int>(plan.size.size());
    for (int d = 0; d < sh.rank; ++d) {
      sh.size[d] = plan.size[d];
      sh.x_step[d] = plan.x_step[d];
      sh.y_step[d] = plan.y_step[d];
    }
    LaunchBinaryBroadcast<T>(op, sh, xp, yp, outp, n, c.cuda_stream());
  }
  CheckLaunch(ctx);
}

template <BinaryOp kOp>
void AddBinary(OpRegistry& r, const char* type, bool integers) {
  r.AddKernel(type, DeviceType::kGPU, DType::kFP32, BinaryKernel<float, kOp>);
  r.SetLayoutRule(type, DeviceType::kGPU, ElementwiseRuleIfWanted());
  if (integers) {
    r.AddKernel(type, DeviceType::kGPU, DType::kInt64, BinaryKernel<int64_t, kOp>);
    r.AddKernel(type, DeviceType::kGPU, DType::kInt32, BinaryKernel<int32_t, kOp>);
  }
}

// scale and bias in the element type, checked as the CPU kernel does (kernels/math.cc).
template <typename T>
T ToElement(float v, const char* what) {
  if constexpr (std::is_integral_v<T>) {
    PD_CHECK(v == v && v > static_cast<float>(std::numeric_limits<T>::min()) &&
                 v < static_cast<float>(std::numeric_limits<T>::max()),
             "scale: ", what, " ", v, " does not fit the tensor's integer type");
  }
  return static_cast<T>(v);
}

template <typename T>
void ScaleKernel(OpContext& ctx) {
  CudaContext& c = Ctx(ctx);
  float scale_attr = ctx.op().GetFloat("scale", 1.0f);
  if (ctx.HasInput("ScaleTensor")) {
    HostInputs host(ctx, {"ScaleTensor"});  // one number, read once per run
    scale_attr = static_cast<float>(ScalarInput(ctx, "ScaleTensor"));
  }
  const T scale = ToElement<T>(scale_attr, "scale");
  const T bias = ToElement<T>(ctx.op().GetFloat("bias", 0.0f), "bias");
  const bool bias_after = ctx.op().GetBool("bias_after_scale", true);
  const Tensor& x = ctx.In("X");
  Tensor* out = ctx.Out("Out");
  if (scale == T(1) && bias == T(0)) {
    // The identity (save_inference_model's trailing scale(1, 0)): share X's buffer, as the CPU.
    if (out != &x) out->ShareDataWith(x);
    return;
  }
  const T* xp = x.data<T>();
  T* op = out->mutable_data<T>();
  LaunchScale<T>(xp, op, out->numel(), scale, bias, bias_after, c.cuda_stream());
  CheckLaunch(ctx);
}

}  // namespace

// Integer division stays on the CPU, whose kernel reports a zero divisor instead of leaving
// garbage; elementwise_pow has a float kernel only, as on the CPU.
void RegisterElementwiseKernels(OpRegistry& r) {
  AddBinary<BinaryOp::kAdd>(r, "elementwise_add", true);
  r.SetLayoutRule("elementwise_add", DeviceType::kGPU, AddRule());
  AddBinary<BinaryOp::kSub>(r, "elementwise_sub", true);
  AddBinary<BinaryOp::kMul>(r, "elementwise_mul", true);
  AddBinary<BinaryOp::kMax>(r, "elementwise_max", true);
  AddBinary<BinaryOp::kMin>(r, "elementwise_min", true);
  AddBinary<BinaryOp::kDiv>(r, "elementwise_div", false);
  AddBinary<BinaryOp::kPow>(r, "elementwise_pow", false);
  r.AddKernel("scale", DeviceType::kGPU, DType::kFP32, ScaleKernel<float>);
  r.AddKernel("scale", DeviceType::kGPU, DType::kInt64, ScaleKernel<int64_t>);
  r.AddKernel("scale", DeviceType::kGPU, DType::kInt32, ScaleKernel<int32_t>);
}

}  // namespace pd::cuda
