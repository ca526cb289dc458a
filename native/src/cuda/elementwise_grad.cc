// Host side of elementwise_add/sub/mul_grad, sum and fill_constant on the GPU, with the CPU
// kernels' rules (kernels/elementwise_grad.cc, kernels/fill.cc): an operand's gradient is
// Out@GRAD (times the other operand, for mul) summed over the dims the operand was broadcast
// along, the operand's dims lined up with the output's at `axis`.
#include <cstdlib>
#include <string>
#include <vector>

#include "cuda/grad_launch.h"
#include "cuda/launchers.h"
#include "cuda/layout.h"
#include "cuda/op_util.h"
#include "cuda/register.h"
#include "kernels/elementwise_grad_shape.h"
#include "kernels/kernel_util.h"

namespace pd::cuda {
namespace {

// The output's dims without its 1s, neighbours along which the operand varies (kept) or is
// broadcast (reduced) alike merged; outermost first, with their strides in the output.
struct Run {
  int64_t size, stride;
  bool kept;
};

std::vector<Run> Runs(const Dims& out, const Dims& aligned) {
  std::vector<Run> runs;
  int64_t stride = Numel(out);
  for (size_t d = 0; d < out.size(); ++d) {
    stride /= out[d];
    if (out[d] == 1) continue;
    const bool kept = aligned[d] != 1;
    if (!runs.empty() && runs.back().kept == kept) {
      runs.back().size *= out[d];
      runs.back().stride = stride;
    } else {
      runs.push_back({out[d], stride, kept});
    }
  }
  return runs;
}

ReducePlan PlanOf(const std::vector<Run>& runs, const std::string& op) {
  ReducePlan p;
  for (const Run& run : runs) {
    int& rank = run.kept ? p.kept_rank : p.reduced_rank;
    PD_CHECK(rank < kMaxReduceDims, op, ": the broadcast needs more than ", kMaxReduceDims,
             " loops on the GPU");
    (run.kept ? p.kept_size : p.reduced_size)[rank] = run.size;
    (run.kept ? p.kept_stride : p.reduced_stride)[rank] = run.stride;
    (run.kept ? p.kept : p.reduced) *= run.size;
    ++rank;
  }
  p.inner_kept = runs.empty() || runs.back().kept;
  return p;
}

float* Scratch(CudaContext& c, Tensor* t, int64_t floats) {
  if (floats == 0) return nullptr;
  t->set_place(c.place());
  t->Resize({floats});
  return t->mutable_data<float>();
}

// slot@GRAD[j] = the sum of dout[e] * (x ? x[e] : sign) over the output elements e that element
// j of the operand reached.
void OperandGrad(OpContext& ctx, const char* slot, const Tensor& dout, const float* x,
                 float sign) {
  const std::string grad = std::string(slot) + "@GRAD";
  if (!ctx.HasOutput(grad)) return;
  CudaContext& c = Ctx(ctx);
  const Dims& dims = ctx.In(slot).dims();
  const Dims aligned =
      dims == dout.dims() ? dims : AlignedDims(dout.dims(), dims, ctx.op().GetInt("axis", -1), slot);
  const float* dy = dout.data<float>();
  float* g = ctx.Out(grad)->mutable_data<float>();
  const int64_t n = Numel(dims);
  if (n == 0) return;
  if (dout.numel() == 0) {  // nothing reached the operand
    PD_CUDA_CHECK(cudaMemsetAsync(g, 0, n * sizeof(float), c.cuda_stream()));
    return;
  }
  const ReducePlan plan = PlanOf(Runs(dout.dims(), aligned), ctx.op().type());
  Tensor scratch;
  float* sp = Scratch(c, &scratch, ReduceGradScratch(plan));
  LaunchReduceGrad(plan, dy, x, sign, g, sp, c.cuda_stream());
  CheckLaunch(ctx);
}

// As on the CPU, an operand shaped like the output gets a view of dOut rather than a copy
// (a residual block's add: two copies of its gradient per step saved).
void AddGradKernel(OpContext& ctx) {
  const Tensor& dout = InputOfType(ctx, "Out@GRAD", DType::kFP32);
  for (const char* slot : {"X", "Y"}) {
    const std::string grad = std::string(slot) + "@GRAD";
    if (ctx.HasOutput(grad) && ctx.In(slot).dims() == dout.dims()) {
      ShareOutGrad(dout, ctx.Out(grad));
      continue;
    }
    OperandGrad(ctx, slot, dout, nullptr, 1.0f);
  }
}

void SubGradKernel(OpContext& ctx) {
  const Tensor& dout = InputOfType(ctx, "Out@GRAD", DType::kFP32);
  OperandGrad(ctx, "X", dout, nullptr, 1.0f);
  OperandGrad(ctx, "Y", dout, nullptr, -1.0f);
}

// dX = dOut·Y (Y spread to the output's shape), dY = dOut·X summed over Y's broadcast dims; X
// must have the output's shape, as on the CPU.
void MulGradKernel(OpContext& ctx) {
  CudaContext& c = Ctx(ctx);
  const Tensor& dout = InputOfType(ctx, "Out@GRAD", DType::kFP32);
  const Tensor& x = InputOfType(ctx, "X", DType::kFP32);
  const Tensor& y = InputOfType(ctx, "Y", DType::kFP32);
  PD_CHECK(x.dims() == dout.dims(), "elementwise_mul_grad: X ", DimsToString(x.dims()),
           " must have the output's shape ", DimsToString(dout.dims()));
  const bool same = y.dims() == dout.dims();
  const Dims y_aligned =
      same ? y.dims() : AlignedDims(dout.dims(), y.dims(), ctx.op().GetInt("axis", -1), "Y");
  const float* dy = dout.data<float>();
  const float* xp = x.data<float>();
  const float* yp = y.data<float>();
  if (ctx.HasOutput("X@GRAD")) {
    float* dx = ctx.Out("X@GRAD")->mutable_data<float>();
    const int64_t n = dout.numel();
    if (same) {
      LaunchBinarySame<float>(BinaryOp::kMul, dy, yp, dx, n, c.cuda_stream());
    } else if (n > 0) {
      const std::vector<Run> runs = Runs(dout.dims(), y_aligned);
      PD_CHECK(runs.size() <= static_cast<size_t>(kMaxBroadcastDims),
               "elementwise_mul_grad: the broadcast needs more than ", kMaxBroadcastDims,
               " loops on the GPU");
      BroadcastShape sh;
      sh.rank = static_cast<int>(runs.size());
      int64_t y_stride = 1;
      for (int d = sh.rank - 1; d >= 0; --d) {
        sh.size[d] = runs[d].size;
        sh.x_step[d] = runs[d].stride;
        sh.y_step[d] = runs[d].kept ? y_stride : 0;
        if (runs[d].kept) y_stride *= runs[d].size;
      }
      LaunchBinaryBroadcast<float>(BinaryOp::kMul, sh, dy, yp, dx, n, c.cuda_stream());
    }
    CheckLaunch(ctx);
  }
  OperandGrad(ctx, "Y", dout, xp, 1.0f);
}

// Two gradients of which either is bfloat16 (SumRule), added as they are stored; bfloat16 where
// both are.
void SumStored(OpContext& ctx) {
  CudaContext& c = Ctx(ctx);
  const auto& xs = ctx.Ins("X");
  const FloatData a = StoredFloats(*xs[0]), b = StoredFloats(*xs[1]);
  const bool out_bf16 = a.bf16 && b.bf16;
  const int layout = (xs[0]->layout() & ~kGpuBf16) | (out_bf16 ? kGpuBf16 : 0);
  const int64_t n = xs[0]->numel();
  Tensor* out = ctx.Out("Out");
  void* p = OutputIn(out, layout);  // written in full
  LaunchAddStored(a, b, false, p, out_bf16, n, c.cuda_stream());
  CheckLaunch(ctx);
}

// sum: the inputs' pointers are taken before Out's allocation, which leaves an input's buffer
// alone (Out may be one of the inputs: gradient accumulation in place).
void SumKernel(OpContext& ctx) {
  CudaContext& c = Ctx(ctx);
  const auto& xs = ctx.Ins("X");
  for (const Tensor* x : xs)
    if (IsGpuBf16(*x)) return SumStored(ctx);
  std::vector<const float*> ptrs;
  for (const Tensor* x : xs) ptrs.push_back(x->data<float>());
  const int64_t n = xs[0]->numel();
  const int layout = xs[0]->layout();  // every input in one layout (SumRule)
  float* out = ctx.Out("Out")->mutable_data_for_overwrite<float>();  // written in full
  ctx.Out("Out")->set_layout(layout);
  Tensor scratch;
  float* sp = ptrs.size() > static_cast<size_t>(kMaxSumInputs) ? Scratch(c, &scratch, n) : nullptr;
  LaunchSum(ptrs.data(), static_cast<int>(ptrs.size()), out, sp, n, c.cuda_stream());
  CheckLaunch(ctx);
}

template <typename T>
void Fill(CudaContext& c, Tensor* out, double v) {
  T* p = out->mutable_data<T>();
  LaunchFill<T>(p, static_cast<T>(v), out->numel(), c.cuda_stream());
}

void FillConstantKernel(OpContext& ctx) {
  CudaContext& c = Ctx(ctx);
  const std::string text = ctx.op().GetString("str_value", "");
  const double v =
      text.empty() ? ctx.op().GetFloat("value", 0.0f) : std::strtod(text.c_str(), nullptr);
  Tensor* out = ctx.Out("Out");
  // dtype is Paddle's VarType code (framework.proto): 5 FP32, 6 FP64, 2 INT32, 3 INT64.
  switch (ctx.op().GetInt("dtype", 5)) {
    case 5: Fill<float>(c, out, v); break;
    case 6: Fill<double>(c, out, v); break;
    case 2: Fill<int32_t>(c, out, v); break;
    case 3: Fill<int64_t>(c, out, v); break;
    default: Fail("fill_constant: dtype ", ctx.op().GetInt("dtype", 5), " is not supported");
  }
  CheckLaunch(ctx);
}

}  // namespace

// sum and fill_constant have no key input (any element type); sum's shape inference has
// already required float32 inputs.
void RegisterElementwiseGradKernels(OpRegistry& r) {
  r.AddKernel("elementwise_add_grad", DeviceType::kGPU, DType::kFP32, AddGradKernel);
  r.AddKernel("elementwise_sub_grad", DeviceType::kGPU, DType::kFP32, SubGradKernel);
  // Their gradients are Out@GRAD element for element, in its layout (the shape inference sets
  // it); a broadcast operand needs it plain.
  for (const char* type : {"elementwise_add_grad", "elementwise_sub_grad"})
    r.SetLayoutRule(type, DeviceType::kGPU, AddGradRule());
  r.AddKernel("elementwise_mul_grad", DeviceType::kGPU, DType::kFP32, MulGradKernel);
  r.AddKernel("sum", DeviceType::kGPU, DType::kUndefined, SumKernel);
  r.SetLayoutRule("sum", DeviceType::kGPU, SumRule());
  r.AddKernel("fill_constant", DeviceType::kGPU, DType::kUndefined, FillConstantKernel);
}

}  // namespace pd::cuda
