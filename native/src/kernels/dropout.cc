// dropout with Paddle's semantics (float32):
// - is_test: Out = X (upscale_in_train) or X * (1 - dropout_prob) (downgrade_in_infer); Mask
//   gets X's dims but no data, as Paddle's kernel leaves it;
// - training: each cell is dropped with probability dropout_prob (Mask 0, else 1, uint8);
//   Out = X * Mask / (1 - p) (upscale_in_train; all zero when p = 1) or X * Mask
//   (downgrade_in_infer). The random numbers come from a mt19937_64 seeded by the Seed input,
//   else by the seed attribute when fix_seed, else by std::random_device: the mask's statistics
//   are Paddle's, its bits are not.
#include <algorithm>
#include <cstdint>
#include <random>
#include <string>

#include "kernels/dropout.h"
#include "framework/op_registry.h"
#include "kernels/kernel_util.h"
#include "kernels/register.h"

namespace pd {
namespace {

float Prob(const OpContext& ctx) {
  const float p = ctx.op().GetFloat("dropout_prob", 0.5f);
  PD_CHECK(p >= 0.0f && p <= 1.0f, "dropout: dropout_prob ", p, " is not in [0, 1]");
  return p;
}

void DropoutInferShape(OpContext& ctx) {
  CheckNotInPlace(ctx, "Mask", {"X"});
  const Tensor& x = InputOfType(ctx, "X", DType::kFP32);
  DropoutUpscales(ctx);
  Prob(ctx);
  ctx.Out("Out")->Resize(x.dims());
  ShareLoD(ctx, "X", "Out");
  if (ctx.HasOutput("Mask")) ctx.Out("Mask")->Resize(x.dims());
}

// Out may be X itself: each element is read before it is written.
void DropoutKernel(OpContext& ctx) {
  const Tensor& x = ctx.In("X");
  const float p = Prob(ctx);
  const bool upscale = DropoutUpscales(ctx);
  const int64_t n = x.numel();
  const float* in = x.data<float>();
  float* out = ctx.Out("Out")->mutable_data<float>();
  if (ctx.op().GetBool("is_test", false)) {
    const float f = upscale ? 1.0f : 1.0f - p;
    for (int64_t i = 0; i < n; ++i) out[i] = in[i] * f;
    return;
  }
  PD_CHECK(ctx.HasOutput("Mask"), "dropout: training (is_test false) needs the Mask output");
  uint8_t* mask = ctx.Out("Mask")->mutable_data<uint8_t>();
  if (p >= 1.0f) {
    std::fill(mask, mask + n, uint8_t{0});
    std::fill(out, out + n, 0.0f);
    return;
  }
  DropoutMask(DropoutSeed(ctx), p, n, mask);
  const float f = upscale ? 1.0f / (1.0f - p) : 1.0f;
  for (int64_t i = 0; i < n; ++i) out[i] = mask[i] ? in[i] * f : 0.0f;
}

}  // namespace

bool DropoutUpscales(const OpContext& ctx) {
  const std::string impl = ctx.op().GetString("dropout_implementation", "downgrade_in_infer");
  PD_CHECK(impl == "upscale_in_train" || impl == "downgrade_in_infer", ctx.op().type(),
           ": unknown dropout_implementation ", impl);
  return impl == "upscale_in_train";
}

uint64_t DropoutSeed(const OpContext& ctx) {
  if (ctx.HasInput("Seed")) return static_cast<uint64_t>(ScalarInput(ctx, "Seed"));
  if (ctx.op().GetBool("fix_seed", false)) return static_cast<uint64_t>(ctx.op().GetInt("seed", 0));
  return (static_cast<uint64_t>(std::random_device{}()) << 32) ^ std::random_device{}();
}

void DropoutMask(uint64_t seed, float p, int64_t n, uint8_t* mask) {
  std::mt19937_64 engine(seed);
  std::uniform_real_distribution<float> dist(0.0f, 1.0f);
  for (int64_t i = 0; i < n; ++i) mask[i] = p > 0.0f && dist(engine) < p ? 0 : 1;
}

void RegisterDropoutKernels(OpRegistry& r) {
  r.Add("dropout", DropoutInferShape, "X");
  r.AddKernel("dropout", DeviceType::kCPU, DType::kFP32, DropoutKernel);
}

}  // namespace pd
