// batch_norm: inference with running statistics (values from real Paddle), NHWC, and training with
// batch statistics and the running-average update.
#include <gtest/gtest.h>

#include "test_util.h"

namespace pd::test {
namespace {

OpBuilder BatchNorm() {
  OpBuilder op("batch_norm");
  op.In("X", {"x"}).In("Scale", {"scale"}).In("Bias", {"bias"}).In("Mean", {"mean"});
  op.In("Variance", {"var"}).Out("Y", {"y"}).Out("MeanOut", {"mean"});
  op.Out("VarianceOut", {"var"}).Out("SavedMean", {"sm"}).Out("SavedVariance", {"sv"});
  return op;
}

void SetParams(Scope* s, std::vector<float> scale, std::vector<float> bias, std::vector<float> mean,
               std::vector<float> var) {
  const int64_t c = static_cast<int64_t>(scale.size());
  SetTensor(s, "scale", {c}, scale);
  SetTensor(s, "bias", {c}, bias);
  SetTensor(s, "mean", {c}, mean);
  SetTensor(s, "var", {c}, var);
}

TEST(BatchNorm, InferenceMatchesPaddle) {
  Scope s;
  SetTensor<float>(&s, "x", {1, 3}, {1, 2, 3});
  SetParams(&s, {1, 1, 1}, {0, 0, 0}, {1, 1, 1}, {4, 4, 4});
  RunOp(BatchNorm().Bool("is_test", true), &s);
  // Printed by Paddle 3.3.1 for the same program (epsilon 1e-5).
  ExpectNear(GetTensor<float>(s, "y"), {0.0f, 0.4999994f, 0.9999988f}, 1e-6f);
  EXPECT_EQ(GetTensor<float>(s, "mean"), (std::vector<float>{1, 1, 1}));
  EXPECT_EQ(Get(s, "sm").dims(), (Dims{3}));
}

TEST(BatchNorm, NCHWAndNHWCWithScaleBias) {
  auto x = RandomFloats(2 * 2 * 3, 1);
  const std::vector<float> scale{2, 0.5f}, bias{1, -1}, mean{0.1f, -0.2f}, var{0.5f, 2};
  std::vector<float> want(x.size());
  for (size_t i = 0; i < x.size(); ++i) {
    const size_t c = (i / 3) % 2;
    want[i] = (x[i] - mean[c]) / std::sqrt(var[c] + 1e-3f) * scale[c] + bias[c];
  }
  Scope s;
  SetTensor(&s, "x", {2, 2, 3}, x);
  SetParams(&s, scale, bias, mean, var);
  RunOp(BatchNorm().Bool("use_global_stats", true).Float("epsilon", 1e-3f), &s);
  ExpectNear(GetTensor<float>(s, "y"), want);

  // The same values channels-last: [2, 3, 2].
  std::vector<float> xh(x.size()), wh(x.size());
  for (size_t n = 0; n < 2; ++n)
    for (size_t c = 0; c < 2; ++c)
      for (size_t p = 0; p < 3; ++p) {
        xh[(n * 3 + p) * 2 + c] = x[(n * 2 + c) * 3 + p];
        wh[(n * 3 + p) * 2 + c] = want[(n * 2 + c) * 3 + p];
      }
  SetTensor(&s, "x", {2, 3, 2}, xh);
  RunOp(BatchNorm().Bool("is_test", true).Float("epsilon", 1e-3f).String("data_layout", "NHWC"),
        &s);
  ExpectNear(GetTensor<float>(s, "y"), wh);
}

TEST(BatchNorm, TrainingUsesBatchStatistics) {
  Scope s;
  // Channel 0 holds 1,2,3,4 (mean 2.5, biased var 1.25); channel 1 5,7,5,7 (mean 6, var 1).
  SetTensor<float>(&s, "x", {2, 2, 2}, {1, 2, 5, 7, 3, 4, 5, 7});
  SetParams(&s, {1, 1}, {0, 0}, {0, 0}, {1, 1});
  RunOp(BatchNorm().Float("epsilon", 0.0f).Float("momentum", 0.5f), &s);
  const float r = 1.0f / std::sqrt(1.25f);
  ExpectNear(GetTensor<float>(s, "y"), {-1.5f * r, -0.5f * r, -1, 1, 0.5f * r, 1.5f * r, -1, 1});
  ExpectNear(GetTensor<float>(s, "mean"), {1.25f, 3});
  ExpectNear(GetTensor<float>(s, "var"), {1.125f, 1});
  ExpectNear(GetTensor<float>(s, "sm"), {2.5f, 6});
  EXPECT_NEAR(GetTensor<float>(s, "sv")[0], r, 1e-6);
}

TEST(BatchNorm, Errors) {
  Scope s;
  SetTensor<float>(&s, "x", {1, 3}, {1, 2, 3});
  SetParams(&s, {1, 1}, {0, 0}, {0, 0}, {1, 1});
  ExpectError([&] { RunOp(BatchNorm().Bool("is_test", true), &s); },
              {"batch_norm", "Scale [2] must hold 3 values"});
}

}  // namespace
}  // namespace pd::test
