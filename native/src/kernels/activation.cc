// Element-wise activations of conv nets with Paddle's formulas and attribute defaults: relu, relu6,
// leaky_relu, sigmoid, tanh, swish, hard_swish, hard_sigmoid, and sqrt (gradient clipping's
// global norm). Plain loops over inline functions,
// which the compiler vectorizes; exp comes from vec_math (~1 ulp).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <type_traits>

#include "kernels/activation_on.h"
#include "kernels/cpu_features.h"
#include "kernels/kernel_util.h"
#include "kernels/layout_rules.h"
#include "kernels/parallel.h"
#include "kernels/register.h"
#include "kernels/vec_math.h"

namespace pd {
namespace {

struct Relu {
  explicit Relu(const OpView&) {}
  PD_ALWAYS_INLINE float operator()(float x) const { return x > 0.0f ? x : 0.0f; }
};

struct Relu6 {
  explicit Relu6(const OpView& op) : t(op.GetFloat("threshold", 6.0f)) {}
  PD_ALWAYS_INLINE float operator()(float x) const { return std::min(std::max(x, 0.0f), t); }
  float t;
};

struct LeakyRelu {
  explicit LeakyRelu(const OpView& op) : alpha(op.GetFloat("alpha", 0.02f)) {}
  // x > 0 ? x : alpha * x as a bit-mask select: written as a conditional, GCC moves the
  // product under a branch (it could raise an FP exception), which only AVX-512's masks
  // vectorize and which mispredicts at every change of sign.
  PD_ALWAYS_INLINE float operator()(float x) const {
    const float scaled = alpha * x;
    uint32_t x_bits, scaled_bits;
    std::memcpy(&x_bits, &x, sizeof(x));
    std::memcpy(&scaled_bits, &scaled, sizeof(scaled));
    const uint32_t positive = x > 0.0f ? ~0u : 0u;
    const uint32_t bits = (x_bits & positive) | (scaled_bits & ~positive);
    float y;
    std::memcpy(&y, &bits, sizeof(y));
    return y;
  }
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
  PD_ALWAYS_INLINE float operator()(float x) const {
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

// The loop over the elements, built for the baseline and, for the activations whose every
// element rounds the same whatever the instruction set, also for AVX2 and AVX-512, the widest
// the CPU has chosen at run time. That excludes a multiply that feeds an add (hard_sigmoid, and
// exp's polynomial in sigmoid and swish): GCC fuses the two into one FMA on those builds,
// rounding once where the baseline rounds twice. tanh and sqrt call the library per element.
// Measured on one thread of a Xeon with AVX-512 (bench/vector_isa.cc), 4096 floats: relu
// 0.43 us on the baseline, 0.27 on AVX2, 0.16 on AVX-512; relu6 0.76, 0.25, 0.17; leaky_relu
// 0.73, 0.41, 0.23 (4.0 us before its bit-mask select). From L2 on, bandwidth bounds them all
// alike.
template <typename F>
constexpr bool kSameBitsWhenWide = std::is_same_v<F, Relu> || std::is_same_v<F, Relu6> ||
                                   std::is_same_v<F, LeakyRelu> || std::is_same_v<F, HardSwish>;

// hard_swish is bound by its division, which AVX-512 does at AVX2's rate per float: 0.89 us on
// both for 4096 floats (1.06 on the baseline), so it stays on AVX2.
template <typename F>
constexpr VectorIsa kWidestThatPays =
    std::is_same_v<F, HardSwish> ? VectorIsa::kAvx2 : VectorIsa::kAvx512;

template <typename F>
PD_ALWAYS_INLINE void ActLoop(F f, const float* in, float* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = f(in[i]);
}

#ifdef PD_HAVE_AVX2_VARIANT
template <typename F>
PD_TARGET_AVX2 void ActAvx2(F f, const float* in, float* out, int64_t n) {
  ActLoop(f, in, out, n);
}
template <typename F>
PD_TARGET_AVX512 void ActAvx512(F f, const float* in, float* out, int64_t n) {
  ActLoop(f, in, out, n);
}
#endif

template <typename F>
void ActOn(VectorIsa isa, F f, const float* in, float* out, int64_t n) {
  switch (isa) {
#ifdef PD_HAVE_AVX2_VARIANT
    case VectorIsa::kAvx2: return ActAvx2(f, in, out, n);
    case VectorIsa::kAvx512: return ActAvx512(f, in, out, n);
#endif
    default: return ActLoop(f, in, out, n);
  }
}

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
  float* out = y->mutable_data_for_overwrite<float>();
  // Element by element, so any layout passes through; the executor only hands over blocked
  // ones without padding (SameLayoutUnpadded, kernels/layout_rules.h).
  y->set_layout(x.layout());
  // Element ranges over the math threads: a training step's activations are bound by memory
  // bandwidth, which one core does not fill.
  ParallelForElements(x.numel(), ctx.config().num_threads, [&](int64_t begin, int64_t end) {
    if constexpr (kSameBitsWhenWide<F>) {
      ActOn(std::min(WidestVectorIsa(), kWidestThatPays<F>), f, in + begin, out + begin,
            end - begin);
    } else {
      ActLoop(f, in + begin, out + begin, end - begin);
    }
  });
}

template <typename F>
void Register(OpRegistry& r, const char* type) {
  r.Add(type, ActInferShape, "X");
  r.AddKernel(type, DeviceType::kCPU, DType::kFP32, ActKernel<F>);
  r.SetLayoutRule(type, DeviceType::kCPU, ElementwiseLayoutRule);
}

}  // namespace

void ActivationOn(VectorIsa isa, const OpView& op, const float* in, float* out, int64_t n) {
  const std::string& type = op.type();
  if (type == "relu") return ActOn(isa, Relu(op), in, out, n);
  if (type == "relu6") return ActOn(isa, Relu6(op), in, out, n);
  if (type == "leaky_relu") return ActOn(isa, LeakyRelu(op), in, out, n);
  if (type == "hard_swish") return ActOn(isa, HardSwish(op), in, out, n);
  Fail("ActivationOn: no vectorized loop for ", type);
}

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
