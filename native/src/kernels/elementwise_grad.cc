// elementwise_add_grad: dX and dY are dOut summed over the dimensions along which X or Y was
// broadcast (Paddle's axis rule: the smaller operand's dims line up with the output's from
// `axis`, -1 meaning the trailing ones; its size-1 dims broadcast too).
#include <cstring>

#include "kernels/kernel_util.h"
#include "kernels/register.h"

namespace pd {
namespace {

void AddGradMaker(GradOpBuilder& g) {
  g.Add("elementwise_add_grad")
      .In("X", g.Input("X"))
      .In("Y", g.Input("Y"))
      .In("Out@GRAD", g.OutputGrad("Out"))
      .Out("X@GRAD", g.InputGrad("X"))
      .Out("Y@GRAD", g.InputGrad("Y"));
}

// target's dims spread over out's rank: 1 outside [axis, axis + rank(target)).
Dims Aligned(const Dims& out, const Dims& target, int64_t axis, const char* slot) {
  const int64_t r = static_cast<int64_t>(out.size()), t = static_cast<int64_t>(target.size());
  if (axis < 0) axis = r - t;
  PD_CHECK(axis >= 0 && axis + t <= r, "elementwise_add_grad: ", slot, " ", DimsToString(target),
           " does not fit the output ", DimsToString(out), " at axis ", axis);
  Dims d(out.size(), 1);
  for (int64_t i = 0; i < t; ++i) {
    PD_CHECK(target[i] == out[axis + i] || target[i] == 1, "elementwise_add_grad: ", slot, " ",
             DimsToString(target), " does not broadcast to ", DimsToString(out));
    d[axis + i] = target[i];
  }
  return d;
}

// grad[j] = sum of dout over the elements that broadcast from element j of a target shaped
// `aligned` (over dout's rank).
void SumInto(const float* dout, const Dims& out, const Dims& aligned, float* grad) {
  const size_t r = out.size();
  std::vector<int64_t> stride(r, 0);  // target element stride per output dim (0: broadcast)
  int64_t s = 1;
  for (size_t i = r; i-- > 0;) {
    stride[i] = aligned[i] == 1 ? 0 : s;
    s *= aligned[i];
  }
  std::memset(grad, 0, static_cast<size_t>(s) * sizeof(float));
  std::vector<int64_t> idx(r, 0);
  const int64_t n = Numel(out);
  int64_t off = 0;
  for (int64_t e = 0; e < n; ++e) {
    grad[off] += dout[e];
    for (size_t i = r; i-- > 0;) {  // odometer over the output's dims
      off += stride[i];
      if (++idx[i] < out[i]) break;
      off -= stride[i] * out[i];
      idx[i] = 0;
    }
  }
}

void AddGradInferShape(OpContext& ctx) {
  for (const char* slot : {"X", "Y"}) {
    const std::string grad = std::string(slot) + "@GRAD";
    if (!ctx.HasOutput(grad)) continue;
    ctx.Out(grad)->Resize(InputWithData(ctx, slot).dims());
    ShareLoD(ctx, slot, grad);
  }
}

void AddGradKernel(OpContext& ctx) {
  const Tensor& dout = InputOfType(ctx, "Out@GRAD", DType::kFP32);
  const int64_t axis = ctx.op().GetInt("axis", -1);
  for (const char* slot : {"X", "Y"}) {
    const std::string grad = std::string(slot) + "@GRAD";
    if (!ctx.HasOutput(grad)) continue;
    const Dims& dims = ctx.In(slot).dims();
    float* g = ctx.Out(grad)->mutable_data<float>();
    if (dims == dout.dims()) {
      std::memcpy(g, dout.data<float>(), dout.nbytes());
      continue;
    }
    SumInto(dout.data<float>(), dout.dims(), Aligned(dout.dims(), dims, axis, slot), g);
  }
}

}  // namespace

void RegisterElementwiseGradKernels(OpRegistry& r) {
  r.SetGradMaker("elementwise_add", AddGradMaker);
  r.Add("elementwise_add_grad", AddGradInferShape, "Out@GRAD");
  r.AddKernel("elementwise_add_grad", DeviceType::kCPU, DType::kFP32, AddGradKernel);
}

}  // namespace pd
