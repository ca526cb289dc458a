// Element-wise activations of conv nets with Paddle's formulas and attribute defaults: relu, relu6,
// leaky_relu, sigmoid, tanh, swish, hard_swish, hard_sigmoid, and sqrt (gradient clipping's
// global norm). Plain loops over inline functions,
// which the compiler vectorizes; exp comes from vec_math (~1 ulp).
#include <algorithm>
#include <cmath>

#include "kernels/kernel_util.h"
#include "kernels/layout_rules.h"
#include "kernels/register.h"
#include "kernels/vec_math.h"

namespace pd {
namespace {

struct Relu {
  explicit Relu(const OpView&) {}
  float operator()(float x) const { return x > 0.0f ? x : 0.0f; }
};

struct Relu6 {
  explicit Relu6(const OpView& op) : t(op.GetFloat("threshold", 6.0f)) {}
  float operator()(float x) const { return std::min(std::max(x, 0.0f), t); }
  float t;
};

struct LeakyRelu {
  explicit LeakyRelu(const OpView& op) : alpha(op.GetFloat("alpha", 0.02f)) {}
  float operator()(float x) const { return x > 0.0f ? x : alpha * x; }
  float alpha;
};

struct Sigmoid {
  explicit Sigmoid(const OpView&) {}
  float operator()(float x) const { return 1.0f / (1.0f + ExpF(-x)); }
};

// std::tanh rather than an exp formula: 2/(1+e^-2x)−1 loses relative precision near 0.
struct Tanh {
  explicit Tanh(const OpView&) {}
  float operator()(float x) const { return std::tanh(x); }
};

struct Swish {
  explicit Swish(const OpView& op) : beta(op.GetFloat("beta", 1.0f)) {}
  float operator()(float x) const { return x / (1.0f + ExpF(-beta * x)); }
  float beta;
};

struct HardSwish {
  explicit HardSwish(const OpView& op)
      : threshold(op.GetFloat("threshold", 6.0f)),
        scale(op.GetFloat("scale", 6.0f)),
        offset(op.GetFloat("offset", 3.0f)) {}
  float operator()(float x) const {
    return x * std::min(std::max(x + offset, 0.0f), threshold) / scale;
  }
  float threshold, scale, offset;
};

struct HardSigmoid {
  explicit HardSigmoid(const OpView& op)
      : slope(op.GetFloat("slope", 0.2f)), offset(op.GetFloat("offset", 0.5f)) {}
  float operator()(float x) const { return std::min(std::max(x * slope + offset, 0.0f), 1.0f); }
  float slope, offset;
};

struct Sqrt {
  explicit Sqrt(const OpView&) {}
  float operator()(float x) const { return std::sqrt(x); }
};

void ActInferShape(OpContext& ctx) {
  ctx.Out("Out")->Resize(InputWithData(ctx, "X").dims());
  ShareLoD(ctx, "X", "Out");
}

// Out may be X itself: each element is read before it is written. Out's layout is X's.
template <typename F>
void ActKernel(OpContext& ctx) {
  const F f(ctx.op());
  const Tensor& x = ctx.In("X");
  const float* in = x.data<float>();
  Tensor* y = ctx.Out("Out");
  float* out = y->mutable_data<float>();
  // Element by element, so any layout passes through; the executor only hands over blocked
  // ones without padding (SameLayoutUnpadded, kernels/layout_rules.h).
  y->set_layout(x.layout());
  const int64_t n = x.numel();
  for (int64_t i = 0; i < n; ++i) out[i] = f(in[i]);
}

template <typename F>
void Register(OpRegistry& r, const char* type) {
  r.Add(type, ActInferShape, "X");
  r.AddKernel(type, DeviceType::kCPU, DType::kFP32, ActKernel<F>);
  r.SetLayoutRule(type, DeviceType::kCPU, ElementwiseLayoutRule);
}

}  // namespace

void RegisterActivationKernels(OpRegistry& r) {
  Register<Relu>(r, "relu");
  Register<Relu6>(r, "relu6");
  Register<LeakyRelu>(r, "leaky_relu");
  Register<Sigmoid>(r, "sigmoid");
  Register<Tanh>(r, "tanh");
  Register<Swish>(r, "swish");
  Register<HardSwish>(r, "hard_swish");
  Register<HardSigmoid>(r, "hard_sigmoid");
  Register<Sqrt>(r, "sqrt");
}

}  // namespace pd
