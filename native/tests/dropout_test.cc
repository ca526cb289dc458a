// dropout (kernels/dropout.cc) and dropout_grad (kernels/activation_grad.cc). Paddle's random
// mask cannot be reproduced bit for bit, so training mode is checked by the mask's statistics
// and by Out and dX against the mask the op wrote; the oracle cases in testdata/grads cover
// is_test and dropout_prob 0.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "test_util.h"

namespace pd::test {
namespace {

constexpr int64_t kN = 20000;

std::vector<float> Values() {
  std::vector<float> v(kN);
  for (int64_t i = 0; i < kN; ++i) v[i] = std::sin(0.37f * i) + 1.5f;  // never 0
  return v;
}

OpBuilder Dropout(float p, bool is_test, const std::string& impl, int seed = 7) {
  OpBuilder op("dropout");
  op.In("X", {"x"})
      .Out("Out", {"y"})
      .Out("Mask", {"mask"})
      .Float("dropout_prob", p)
      .Bool("is_test", is_test)
      .Bool("fix_seed", true)
      .Int("seed", seed)
      .String("dropout_implementation", impl);
  return op;
}

OpBuilder DropoutGrad(float p, bool is_test, const std::string& impl) {
  OpBuilder op("dropout_grad");
  op.In("Mask", {"mask"})
      .In("Out@GRAD", {"dy"})
      .Out("X@GRAD", {"dx"})
      .Float("dropout_prob", p)
      .Bool("is_test", is_test)
      .String("dropout_implementation", impl);
  return op;
}

TEST(Dropout, TrainMaskStatisticsAndGradient) {
  const std::vector<float> x = Values();
  for (const std::string impl : {"upscale_in_train", "downgrade_in_infer"}) {
    for (float p : {0.1f, 0.5f, 0.8f}) {
      SCOPED_TRACE(impl + " p " + std::to_string(p));
      Scope s;
      SetTensor(&s, "x", {100, kN / 100}, x);
      RunOp(Dropout(p, false, impl), &s);
      const auto mask = GetTensor<uint8_t>(s, "mask");
      const auto y = GetTensor<float>(s, "y");
      ASSERT_EQ(mask.size(), x.size());
      EXPECT_EQ(Get(s, "mask").dims(), (Dims{100, kN / 100}));
      int64_t kept = 0;
      const float scale = impl == "upscale_in_train" ? 1.0f / (1.0f - p) : 1.0f;
      for (int64_t i = 0; i < kN; ++i) {
        ASSERT_TRUE(mask[i] == 0 || mask[i] == 1);
        kept += mask[i];
        EXPECT_FLOAT_EQ(y[i], mask[i] ? x[i] * scale : 0.0f) << i;
      }
      // Binomial(kN, 1 - p): 6 standard deviations.
      const double rate = static_cast<double>(kept) / kN;
      EXPECT_NEAR(rate, 1.0 - p, 6 * std::sqrt(p * (1 - p) / kN));
      // Neighbouring cells are independent: the kept rate among cells after a kept cell is
      // the same.
      int64_t pairs = 0, both = 0;
      for (int64_t i = 1; i < kN; ++i)
        if (mask[i - 1]) {
          ++pairs;
          both += mask[i];
        }
      EXPECT_NEAR(static_cast<double>(both) / pairs, 1.0 - p,
                  6 * std::sqrt(p * (1 - p) / pairs));

      // dX = dOut * Mask (/ (1 - p) for upscale_in_train).
      std::vector<float> dy(kN);
      for (int64_t i = 0; i < kN; ++i) dy[i] = std::cos(0.11f * i);
      SetTensor(&s, "dy", {100, kN / 100}, dy);
      RunOp(DropoutGrad(p, false, impl), &s);
      const auto dx = GetTensor<float>(s, "dx");
      ASSERT_EQ(dx.size(), dy.size());
      for (int64_t i = 0; i < kN; ++i) EXPECT_FLOAT_EQ(dx[i], dy[i] * mask[i] * scale) << i;
    }
  }
}

TEST(Dropout, FixedSeedRepeatsAndSeedsDiffer) {
  const std::vector<float> x = Values();
  auto mask_of = [&](int seed) {
    Scope s;
    SetTensor(&s, "x", {kN}, x);
    RunOp(Dropout(0.5f, false, "upscale_in_train", seed), &s);
    return GetTensor<uint8_t>(s, "mask");
  };
  EXPECT_EQ(mask_of(7), mask_of(7));
  EXPECT_NE(mask_of(7), mask_of(8));
}

TEST(Dropout, ProbOneDropsEverything) {
  Scope s;
  SetTensor<float>(&s, "x", {4}, {1, 2, 3, 4});
  RunOp(Dropout(1.0f, false, "upscale_in_train"), &s);
  EXPECT_EQ(GetTensor<float>(s, "y"), (std::vector<float>{0, 0, 0, 0}));
  EXPECT_EQ(GetTensor<uint8_t>(s, "mask"), (std::vector<uint8_t>{0, 0, 0, 0}));
  SetTensor<float>(&s, "dy", {4}, {1, 1, 1, 1});
  RunOp(DropoutGrad(1.0f, false, "upscale_in_train"), &s);
  EXPECT_EQ(GetTensor<float>(s, "dx"), (std::vector<float>{0, 0, 0, 0}));
}

TEST(Dropout, TestMode) {
  Scope s;
  SetTensor<float>(&s, "x", {3}, {1, -2, 4});
  RunOp(Dropout(0.25f, true, "upscale_in_train"), &s);
  EXPECT_EQ(GetTensor<float>(s, "y"), (std::vector<float>{1, -2, 4}));
  RunOp(Dropout(0.25f, true, "downgrade_in_infer"), &s);
  EXPECT_EQ(GetTensor<float>(s, "y"), (std::vector<float>{0.75f, -1.5f, 3}));
  // The gradient in test mode reads no mask.
  SetTensor<float>(&s, "dy", {3}, {4, 8, -4});
  RunOp(DropoutGrad(0.25f, true, "downgrade_in_infer"), &s);
  EXPECT_EQ(GetTensor<float>(s, "dx"), (std::vector<float>{3, 6, -3}));
  RunOp(DropoutGrad(0.25f, true, "upscale_in_train"), &s);
  EXPECT_EQ(GetTensor<float>(s, "dx"), (std::vector<float>{4, 8, -4}));
}

TEST(Dropout, UnknownImplementationFails) {
  Scope s;
  SetTensor<float>(&s, "x", {2}, {1, 2});
  ExpectError([&] { RunOp(Dropout(0.5f, false, "upscale"), &s); },
              {"dropout", "dropout_implementation", "upscale"});
}

}  // namespace
}  // namespace pd::test
