// Gradients of the activations, reading the forward output as Paddle's do: relu_grad (dX = dOut
// where Out > 0, else 0), relu6_grad (dOut where 0 < Out < threshold), softmax_grad
// (dX = Out * (dOut - sum(dOut * Out)) along axis), and dropout_grad (Mask, Out@GRAD): in test
// mode dX = dOut (upscale_in_train) or dOut * (1 - p) (downgrade_in_infer); in training
// dX = dOut * Mask / (1 - p) (upscale_in_train; 0 when p = 1) or dOut * Mask.
// sigmoid_grad (dX = dOut * Out * (1 - Out)) and hard_sigmoid_grad (dOut * slope where
// 0 < Out < 1, else 0) read Out; hard_swish_grad reads X: with t = X + offset, dX = 0 for
// t <= 0, dOut * (2X + offset) / scale for 0 < t < threshold, dOut for t >= threshold (Paddle's
// choices at the kinks).
#include <algorithm>
#include <string>
#include <vector>

#include "kernels/dropout.h"
#include "kernels/kernel_util.h"
#include "kernels/layout_rules.h"
#include "kernels/parallel.h"
#include "kernels/register.h"

namespace pd {
namespace {

void ReluGradMaker(GradOpBuilder& g) {
  g.Add("relu_grad")
      .In("Out", g.Output("Out"))
      .In("Out@GRAD", g.OutputGrad("Out"))
      .Out("X@GRAD", g.InputGrad("X"));
}

// relu6_grad and softmax_grad: the same slots as relu_grad.
void OutGradMaker(GradOpBuilder& g) {
  g.Add(g.forward().type() + "_grad")
      .In("Out", g.Output("Out"))
      .In("Out@GRAD", g.OutputGrad("Out"))
      .Out("X@GRAD", g.InputGrad("X"));
}

// hard_swish_grad reads X instead of Out.
void XGradMaker(GradOpBuilder& g) {
  g.Add(g.forward().type() + "_grad")
      .In("X", g.Input("X"))
      .In("Out@GRAD", g.OutputGrad("Out"))
      .Out("X@GRAD", g.InputGrad("X"));
}

void DropoutGradMaker(GradOpBuilder& g) {
  g.Add("dropout_grad")
      .In("Mask", g.Output("Mask"))
      .In("Out@GRAD", g.OutputGrad("Out"))
      .Out("X@GRAD", g.InputGrad("X"));
}

// dX has dOut's shape, LoD and layout (an element-wise gradient that accepted a channels-last
// dOut, GradOperandsSameLayout, writes dX element for element in it; the others get plain
// inputs).
void LikeOutGrad(OpContext& ctx) {
  Tensor* dx = ctx.Out("X@GRAD");
  const Tensor& dout = InputWithData(ctx, "Out@GRAD");
  dx->Resize(dout.dims());
  dx->set_layout(dout.layout());
  ShareLoD(ctx, "Out@GRAD", "X@GRAD");
}

void ReluGradKernel(OpContext& ctx) {
  const Tensor& out = InputOfType(ctx, "Out", DType::kFP32);
  const Tensor& dout = ctx.In("Out@GRAD");
  PD_CHECK(out.dims() == dout.dims(), "relu_grad: Out ", DimsToString(out.dims()),
           " and Out@GRAD ", DimsToString(dout.dims()), " differ");
  const float* y = out.data<float>();
  const float* dy = dout.data<float>();
  float* dx = ctx.Out("X@GRAD")->mutable_data_for_overwrite<float>();
  ParallelForElements(out.numel(), ctx.config().num_threads, [&](int64_t begin, int64_t end) {
    // dy[i] read unconditionally, so the select vectorizes instead of branching on the sign.
    for (int64_t i = begin; i < end; ++i) {
      const float g = dy[i];
      dx[i] = y[i] > 0.0f ? g : 0.0f;
    }
  });
}

// Out and Out@GRAD as float32 of the same dims.
void CheckOutAndGrad(const OpContext& ctx) {
  const Tensor& out = InputOfType(ctx, "Out", DType::kFP32);
  const Tensor& dout = InputOfType(ctx, "Out@GRAD", DType::kFP32);
  PD_CHECK(out.dims() == dout.dims(), ctx.op().type(), ": Out ", DimsToString(out.dims()),
           " and Out@GRAD ", DimsToString(dout.dims()), " differ");
}

void Relu6GradKernel(OpContext& ctx) {
  CheckOutAndGrad(ctx);
  const float t = ctx.op().GetFloat("threshold", 6.0f);
  const Tensor& out = ctx.In("Out");
  const float* y = out.data<float>();
  const float* dy = ctx.In("Out@GRAD").data<float>();
  float* dx = ctx.Out("X@GRAD")->mutable_data_for_overwrite<float>();
  ParallelForElements(out.numel(), ctx.config().num_threads, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      const float g = dy[i];  // read unconditionally, as in relu_grad
      dx[i] = (y[i] > 0.0f && y[i] < t) ? g : 0.0f;
    }
  });
}

// Out viewed as [outer, n, inner] with n along the axis.
void SoftmaxGradKernel(OpContext& ctx) {
  CheckOutAndGrad(ctx);
  const Tensor& out = ctx.In("Out");
  if (out.numel() == 0) return;
  const Dims& d = out.dims();
  const int64_t rank = std::max<int64_t>(out.rank(), 1);
  int64_t axis = ctx.op().GetInt("axis", -1);
  PD_CHECK(axis >= -rank && axis < rank, "softmax_grad: axis ", axis, " is out of range for ",
           DimsToString(d));
  if (axis < 0) axis += rank;
  const int64_t n = d.empty() ? 1 : d[axis];
  const int64_t inner = DimProduct(d, axis + 1, d.size()), outer = out.numel() / (n * inner);
  const float* y = out.data<float>();
  const float* dy = ctx.In("Out@GRAD").data<float>();
  float* dx = ctx.Out("X@GRAD")->mutable_data_for_overwrite<float>();
  std::vector<float> dot(inner);
  for (int64_t o = 0; o < outer; ++o) {
    const int64_t base = o * n * inner;
    std::fill(dot.begin(), dot.end(), 0.0f);
    for (int64_t j = 0; j < n; ++j)
      for (int64_t i = 0; i < inner; ++i)
        dot[i] += dy[base + j * inner + i] * y[base + j * inner + i];
    for (int64_t j = 0; j < n; ++j)
      for (int64_t i = 0; i < inner; ++i) {
        const int64_t k = base + j * inner + i;
        dx[k] = y[k] * (dy[k] - dot[i]);
      }
  }
}

// dX[i] = f(Out[i], dOut[i]) for the activations whose derivative follows from Out.
template <typename F>
void FromOutGrad(OpContext& ctx, F&& f) {
  CheckOutAndGrad(ctx);
  const Tensor& out = ctx.In("Out");
  const float* y = out.data<float>();
  const float* dy = ctx.In("Out@GRAD").data<float>();
  float* dx = ctx.Out("X@GRAD")->mutable_data_for_overwrite<float>();
  ParallelForElements(out.numel(), ctx.config().num_threads, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) dx[i] = f(y[i], dy[i]);
  });
}

void SigmoidGradKernel(OpContext& ctx) {
  FromOutGrad(ctx, [](float y, float dy) { return dy * y * (1.0f - y); });
}

void HardSigmoidGradKernel(OpContext& ctx) {
  const float slope = ctx.op().GetFloat("slope", 0.2f);
  FromOutGrad(ctx, [slope](float y, float dy) { return y > 0.0f && y < 1.0f ? dy * slope : 0.0f; });
}

void HardSwishGradKernel(OpContext& ctx) {
  const Tensor& x = InputOfType(ctx, "X", DType::kFP32);
  const Tensor& dout = InputOfType(ctx, "Out@GRAD", DType::kFP32);
  PD_CHECK(x.dims() == dout.dims(), "hard_swish_grad: X ", DimsToString(x.dims()),
           " and Out@GRAD ", DimsToString(dout.dims()), " differ");
  const float threshold = ctx.op().GetFloat("threshold", 6.0f);
  const float scale = ctx.op().GetFloat("scale", 6.0f);
  const float offset = ctx.op().GetFloat("offset", 3.0f);
  const float* xp = x.data<float>();
  const float* dy = dout.data<float>();
  float* dx = ctx.Out("X@GRAD")->mutable_data_for_overwrite<float>();
  ParallelForElements(x.numel(), ctx.config().num_threads, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      const float t = xp[i] + offset;
      const float d = t <= 0.0f ? 0.0f : (t < threshold ? (2.0f * xp[i] + offset) / scale : 1.0f);
      dx[i] = dy[i] * d;
    }
  });
}

void DropoutGradKernel(OpContext& ctx) {
  const Tensor& dout = InputOfType(ctx, "Out@GRAD", DType::kFP32);
  const float p = ctx.op().GetFloat("dropout_prob", 0.5f);
  const bool is_test = ctx.op().GetBool("is_test", false);
  const bool upscale = DropoutUpscales(ctx);
  const float* dy = dout.data<float>();
  float* dx = ctx.Out("X@GRAD")->mutable_data_for_overwrite<float>();
  const int64_t n = dout.numel();
  if (is_test) {
    const float f = upscale ? 1.0f : 1.0f - p;
    ParallelForElements(n, ctx.config().num_threads, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) dx[i] = dy[i] * f;
    });
    return;
  }
  const Tensor& mask = InputOfType(ctx, "Mask", DType::kUInt8);
  PD_CHECK(mask.numel() == n, "dropout_grad: Mask ", DimsToString(mask.dims()),
           " and Out@GRAD ", DimsToString(dout.dims()), " differ");
  const uint8_t* m = mask.data<uint8_t>();
  if (upscale && p >= 1.0f) {
    std::fill(dx, dx + n, 0.0f);
    return;
  }
  const float f = upscale ? 1.0f / (1.0f - p) : 1.0f;
  ParallelForElements(n, ctx.config().num_threads, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) dx[i] = dy[i] * static_cast<float>(m[i]) * f;
  });
}

}  // namespace

void RegisterActivationGradKernels(OpRegistry& r) {
  r.SetGradMaker("relu", ReluGradMaker);
  r.Add("relu_grad", LikeOutGrad, "Out@GRAD");
  r.AddKernel("relu_grad", DeviceType::kCPU, DType::kFP32, ReluGradKernel);
  r.SetGradMaker("relu6", OutGradMaker);
  r.Add("relu6_grad", LikeOutGrad, "Out@GRAD");
  r.AddKernel("relu6_grad", DeviceType::kCPU, DType::kFP32, Relu6GradKernel);
  r.SetGradMaker("softmax", OutGradMaker);
  r.Add("softmax_grad", LikeOutGrad, "Out@GRAD");
  r.AddKernel("softmax_grad", DeviceType::kCPU, DType::kFP32, SoftmaxGradKernel);
  r.SetGradMaker("sigmoid", OutGradMaker);
  r.Add("sigmoid_grad", LikeOutGrad, "Out@GRAD");
  r.AddKernel("sigmoid_grad", DeviceType::kCPU, DType::kFP32, SigmoidGradKernel);
  r.SetGradMaker("hard_sigmoid", OutGradMaker);
  r.Add("hard_sigmoid_grad", LikeOutGrad, "Out@GRAD");
  r.AddKernel("hard_sigmoid_grad", DeviceType::kCPU, DType::kFP32, HardSigmoidGradKernel);
  r.SetGradMaker("hard_swish", XGradMaker);
  r.Add("hard_swish_grad", LikeOutGrad, "Out@GRAD");
  r.AddKernel("hard_swish_grad", DeviceType::kCPU, DType::kFP32, HardSwishGradKernel);
  // Element for element in any one layout: a channels-last activation stays so through them.
  for (const char* type :
       {"relu_grad", "relu6_grad", "sigmoid_grad", "hard_sigmoid_grad", "hard_swish_grad"})
    r.SetLayoutRule(type, DeviceType::kCPU, ElementwiseGradLayoutRule);
  r.SetGradMaker("dropout", DropoutGradMaker);
  r.Add("dropout_grad", LikeOutGrad, "Out@GRAD");
  r.AddKernel("dropout_grad", DeviceType::kCPU, DType::kFP32, DropoutGradKernel);
}

}  // namespace pd
