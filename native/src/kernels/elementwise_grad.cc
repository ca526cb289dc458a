// Gradients of the element-wise family. elementwise_add_grad: dX and dY are dOut summed over the
// dimensions along which X or Y was broadcast (Paddle's axis rule: the smaller operand's dims line up with the output's from
// `axis`, -1 meaning the trailing ones; its size-1 dims broadcast too). elementwise_sub_grad:
// the same with dY negated.
#include <cstring>

#include "kernels/elementwise_grad_shape.h"
#include "kernels/kernel_util.h"
#include "kernels/layout_rules.h"
#include "kernels/register.h"

namespace pd {
namespace {

// Calls f(e, j) for every element e of an output shaped out, with j the element of an operand
// shaped `aligned` (over out's rank) that broadcasts to it.
template <typename F>
void ForEachBroadcast(const Dims& out, const Dims& aligned, F&& f) {
  const size_t r = out.size();
  std::vector<int64_t> stride(r, 0);  // operand element stride per output dim (0: broadcast)
  int64_t s = 1;
  for (size_t i = r; i-- > 0;) {
    stride[i] = aligned[i] == 1 ? 0 : s;
    s *= aligned[i];
  }
  std::vector<int64_t> idx(r, 0);
  const int64_t n = Numel(out);
  int64_t off = 0;
  for (int64_t e = 0; e < n; ++e) {
    f(e, off);
    for (size_t i = r; i-- > 0;) {  // odometer over the output's dims
      off += stride[i];
      if (++idx[i] < out[i]) break;
      off -= stride[i] * out[i];
      idx[i] = 0;
    }
  }
}

// The gradient of an operand of an element-wise op whose per-element partial derivative is
// d(e, j): g[j] = sum over the elements e that j broadcast to of dout[e]·d(e, j).
template <typename D>
void OperandGrad(const OpContext& ctx, const char* slot, const Tensor& dout, D&& d) {
  const std::string grad = std::string(slot) + "@GRAD";
  if (!ctx.HasOutput(grad)) return;
  const Dims& dims = ctx.In(slot).dims();
  float* g = ctx.Out(grad)->mutable_data_for_overwrite<float>();  // cleared below
  const float* dy = dout.data<float>();
  const Dims aligned =
      dims == dout.dims() ? dims : AlignedDims(dout.dims(), dims, ctx.op().GetInt("axis", -1), slot);
  std::memset(g, 0, static_cast<size_t>(Numel(dims)) * sizeof(float));
  ForEachBroadcast(dout.dims(), aligned, [&](int64_t e, int64_t j) { g[j] += dy[e] * d(e, j); });
}

// dX and dY have X's and Y's shapes. For add and sub those are all the op reads of X and Y (shape
// only, as Paddle's no-need-buffer rule has it), so the executor may free their data before; a
// released tensor keeps its dims and element type.
void OperandsGradInferShape(OpContext& ctx) {
  for (const char* slot : {"X", "Y"}) {
    const std::string grad = std::string(slot) + "@GRAD";
    if (!ctx.HasOutput(grad)) continue;
    const Tensor& operand = ctx.In(slot);
    PD_CHECK(operand.initialized() || operand.dtype() != DType::kUndefined, ctx.op().type(),
             ": input ", slot, " (", ctx.op().Input(slot), ") was never written; was it fed?");
    ctx.Out(grad)->Resize(operand.dims());
    // Only add and sub accept a blocked dOut, and only with operands of its shape
    // (OperandsShapedLikeOutGrad): their gradients are dOut element for element, in its layout.
    ctx.Out(grad)->set_layout(ctx.In("Out@GRAD").layout());
    ShareLoD(ctx, slot, grad);
  }
}

void AddGradKernel(OpContext& ctx) {
  const Tensor& dout = InputOfType(ctx, "Out@GRAD", DType::kFP32);
  for (const char* slot : {"X", "Y"}) {
    const std::string grad = std::string(slot) + "@GRAD";
    if (ctx.HasOutput(grad) && ctx.In(slot).dims() == dout.dims()) {
      ShareOutGrad(dout, ctx.Out(grad));
      continue;
    }
    OperandGrad(ctx, slot, dout, [](int64_t, int64_t) { return 1.0f; });
  }
}

void SubGradKernel(OpContext& ctx) {
  const Tensor& dout = InputOfType(ctx, "Out@GRAD", DType::kFP32);
  OperandGrad(ctx, "X", dout, [](int64_t, int64_t) { return 1.0f; });
  OperandGrad(ctx, "Y", dout, [](int64_t, int64_t) { return -1.0f; });
}

// elementwise_mul_grad: dX = dOut·Y and dY = dOut·X, each summed over its broadcast axes. The
// kernel supports X shaped like the output and Y broadcast to it (Paddle's usual case).
void MulGradKernel(OpContext& ctx) {
  const Tensor& dout = InputOfType(ctx, "Out@GRAD", DType::kFP32);
  const Tensor& x = InputOfType(ctx, "X", DType::kFP32);
  const Tensor& y = InputOfType(ctx, "Y", DType::kFP32);
  PD_CHECK(x.dims() == dout.dims(), "elementwise_mul_grad: X ", DimsToString(x.dims()),
           " must have the output's shape ", DimsToString(dout.dims()));
  const Dims y_aligned = y.dims() == dout.dims()
                             ? y.dims()
                             : AlignedDims(dout.dims(), y.dims(), ctx.op().GetInt("axis", -1), "Y");
  // Y's element for each output element, spread to the output's shape once.
  std::vector<float> y_full(static_cast<size_t>(dout.numel()));
  const float* yp = y.data<float>();
  ForEachBroadcast(dout.dims(), y_aligned, [&](int64_t e, int64_t j) { y_full[e] = yp[j]; });
  const float* xp = x.data<float>();
  OperandGrad(ctx, "X", dout, [&](int64_t e, int64_t) { return y_full[e]; });
  OperandGrad(ctx, "Y", dout, [&](int64_t e, int64_t) { return xp[e]; });
}

// elementwise_add/sub/mul_grad: the same slots.
void OperandsGradMaker(GradOpBuilder& g) {
  g.Add(g.forward().type() + "_grad")
      .In("X", g.Input("X"))
      .In("Y", g.Input("Y"))
      .In("Out@GRAD", g.OutputGrad("Out"))
      .Out("X@GRAD", g.InputGrad("X"))
      .Out("Y@GRAD", g.InputGrad("Y"));
}

}  // namespace

void RegisterElementwiseGradKernels(OpRegistry& r) {
  r.SetGradMaker("elementwise_add", OperandsGradMaker);
  r.Add("elementwise_add_grad", OperandsGradInferShape, "Out@GRAD");
  r.AddKernel("elementwise_add_grad", DeviceType::kCPU, DType::kFP32, AddGradKernel);
  r.SetGradMaker("elementwise_sub", OperandsGradMaker);
  r.Add("elementwise_sub_grad", OperandsGradInferShape, "Out@GRAD");
  r.AddKernel("elementwise_sub_grad", DeviceType::kCPU, DType::kFP32, SubGradKernel);
  for (const char* type : {"elementwise_add_grad", "elementwise_sub_grad"}) {
    r.SetShapeOnlyInputs(type, {"X", "Y"});
    r.SetLayoutRule(type, DeviceType::kCPU, ShapedLikeOutGradRule);
  }
  r.SetGradMaker("elementwise_mul", OperandsGradMaker);
  r.Add("elementwise_mul_grad", OperandsGradInferShape, "Out@GRAD");
  r.AddKernel("elementwise_mul_grad", DeviceType::kCPU, DType::kFP32, MulGradKernel);
}

}  // namespace pd
