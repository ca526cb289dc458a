// Gradient clipping as a training program runs it (kernels/clip.cc and the element-wise ops):
// the op cases check the values on fresh outputs; here the ops write the gradients in place,
// as Paddle 3.3.1's ClipGradByGlobalNorm appends them (elementwise_mul with Out = X = the
// gradient), and Adam's L2Decay adds the decay the same way (scale, then sum into Grad).
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "test_util.h"

namespace pd::test {
namespace {

OpBuilder Unary(const std::string& type, const std::string& x, const std::string& out) {
  OpBuilder op(type);
  op.In("X", {x}).Out("Out", {out});
  return op;
}

OpBuilder Binary(const std::string& type, const std::string& x, const std::string& y,
                 const std::string& out) {
  OpBuilder op(type);
  op.In("X", {x}).In("Y", {y}).Out("Out", {out}).Int("axis", -1);
  return op;
}

TEST(ClipGradByGlobalNorm, ScalesEveryGradientInPlace) {
  const std::vector<float> g1 = {0.5f, -1.0f, 2.0f, 0.25f, -0.75f, 1.5f};
  const std::vector<float> g2 = {3.0f, -0.5f};
  double sq = 0;
  for (float v : g1) sq += v * v;
  for (float v : g2) sq += v * v;
  const double clip_norm = 2.0, factor = clip_norm / std::max(clip_norm, std::sqrt(sq));
  ASSERT_LT(factor, 1.0);

  Scope s;
  SetTensor(&s, "w@GRAD", {2, 3}, g1);
  SetTensor(&s, "b@GRAD", {2}, g2);
  RunOp(Unary("squared_l2_norm", "w@GRAD", "sq_w"), &s);
  RunOp(Unary("squared_l2_norm", "b@GRAD", "sq_b"), &s);
  OpBuilder sum("sum");
  sum.In("X", {"sq_w", "sq_b"}).Out("Out", {"total"});
  RunOp(sum, &s);
  RunOp(Unary("sqrt", "total", "norm"), &s);
  OpBuilder limit("fill_constant");
  limit.Out("Out", {"limit"}).Ints("shape", {1}).Int("dtype", 5).Float("value", 2.0f);
  RunOp(limit, &s);
  RunOp(Binary("elementwise_max", "limit", "norm", "biggest"), &s);
  RunOp(Binary("elementwise_div", "limit", "biggest", "factor"), &s);
  RunOp(Binary("elementwise_mul", "w@GRAD", "factor", "w@GRAD"), &s);
  RunOp(Binary("elementwise_mul", "b@GRAD", "factor", "b@GRAD"), &s);

  EXPECT_EQ(Get(s, "w@GRAD").dims(), (Dims{2, 3}));
  const auto w = GetTensor<float>(s, "w@GRAD");
  const auto b = GetTensor<float>(s, "b@GRAD");
  for (size_t i = 0; i < g1.size(); ++i) EXPECT_NEAR(w[i], g1[i] * factor, 1e-6) << i;
  for (size_t i = 0; i < g2.size(); ++i) EXPECT_NEAR(b[i], g2[i] * factor, 1e-6) << i;
}

TEST(L2Decay, AddsTheScaledParameterToTheGradientInPlace) {
  Scope s;
  SetTensor<float>(&s, "w", {3}, {1.0f, -2.0f, 4.0f});
  SetTensor<float>(&s, "w@GRAD", {3}, {0.5f, 0.5f, -1.0f});
  OpBuilder scale("scale");
  scale.In("X", {"w"}).Out("Out", {"decay"}).Float("scale", 0.01f).Float("bias", 0.0f).Bool(
      "bias_after_scale", true);
  RunOp(scale, &s);
  OpBuilder sum("sum");
  sum.In("X", {"w@GRAD", "decay"}).Out("Out", {"w@GRAD"});
  RunOp(sum, &s);
  const auto g = GetTensor<float>(s, "w@GRAD");
  EXPECT_NEAR(g[0], 0.51f, 1e-6);
  EXPECT_NEAR(g[1], 0.48f, 1e-6);
  EXPECT_NEAR(g[2], -0.96f, 1e-6);
}

}  // namespace
}  // namespace pd::test
