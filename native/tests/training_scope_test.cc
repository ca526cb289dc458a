// A training executor owns its parameters in one writable scope: an op that writes a parameter
// (sgd's ParamOut = Param) updates the tensor that the ops after it and the next run read, and
// the conv kernel's cached weight reorder follows the update.
#include <gtest/gtest.h>

#include "test_util.h"

namespace pd::test {
namespace {

constexpr int64_t kIn = 16, kOut = 16, kSide = 7;

OpBuilder Conv(const std::string& filter, const std::string& out) {
  return OpBuilder("conv2d").In("Input", {"x"}).In("Filter", {filter}).Out("Output", {out})
      .Ints("strides", {1, 1}).Ints("paddings", {1, 1}).Ints("dilations", {1, 1})
      .Int("groups", 1);
}

OpBuilder Sgd() {
  return OpBuilder("sgd").In("Param", {"w"}).In("Grad", {"g"}).In("LearningRate", {"lr"})
      .Out("ParamOut", {"w"});
}

const std::vector<float> kX = RandomFloats(2 * kIn * kSide * kSide, 1);
const std::vector<float> kW0 = RandomFloats(kOut * kIn * 9, 2);
const std::vector<float> kG = RandomFloats(kOut * kIn * 9, 3);
constexpr float kLr = 0.25f;

// w after n sgd steps, as Paddle's sgd defines it (checked against Paddle by the op case
// testdata/ops/sgd_dense).
std::vector<float> WeightAfter(int n) {
  std::vector<float> w = kW0;
  for (int s = 0; s < n; ++s)
    for (size_t i = 0; i < w.size(); ++i) w[i] = w[i] - kLr * kG[i];
  return w;
}

// conv(x, w) by a fresh executor over a fresh scope: nothing cached.
std::vector<float> FreshConv(const std::vector<float>& w) {
  Scope scope;
  SetTensor(&scope, "x", {2, kIn, kSide, kSide}, kX);
  SetTensor(&scope, "v", {kOut, kIn, 3, 3}, w);
  Executor exec(ProgramOf({Conv("v", "y")}), &scope, ExecConfig{});
  exec.Run();
  return GetTensor<float>(scope, "y");
}

void Fill(Scope* scope) {
  SetTensor(scope, "x", {2, kIn, kSide, kSide}, kX);
  SetTensor(scope, "w", {kOut, kIn, 3, 3}, kW0);
  SetTensor(scope, "g", {kOut, kIn, 3, 3}, kG);
  SetTensor<float>(scope, "lr", {1}, {kLr});
}

TEST(TrainingScope, ParameterUpdateReachesTheNextRunThroughTheCachedReorder) {
  Scope scope;  // no parent: it owns the parameters
  Fill(&scope);
  const Tensor* w = scope.FindLocal("w");
  Executor exec(ProgramOf({Conv("w", "y"), Sgd()}), &scope, ExecConfig{});
  for (int run = 0; run < 3; ++run) {
    exec.Run();
    // The conv of run n saw the weight after n updates, not the one its reorder was made from.
    ExpectNear(GetTensor<float>(scope, "y"), FreshConv(WeightAfter(run)), 1e-5f);
    EXPECT_EQ(scope.FindLocal("w"), w) << "sgd made a second w";
    ExpectNear(GetTensor<float>(scope, "w"), WeightAfter(run + 1), 1e-6f);
  }
  EXPECT_EQ(scope.LocalNames(), (std::vector<std::string>{"g", "lr", "w", "x", "y"}));
}

TEST(TrainingScope, ParameterUpdateReachesTheNextOpOfTheSameRun) {
  Scope scope;
  Fill(&scope);
  // y1 before the update, y2 after it, in one run.
  Executor exec(ProgramOf({Conv("w", "y1"), Sgd(), Conv("w", "y2")}), &scope, ExecConfig{});
  for (int run = 0; run < 2; ++run) {
    exec.Run();
    ExpectNear(GetTensor<float>(scope, "y1"), FreshConv(WeightAfter(run)), 1e-5f);
    ExpectNear(GetTensor<float>(scope, "y2"), FreshConv(WeightAfter(run + 1)), 1e-5f);
  }
}

// The inference predictor's weights stay shared and read-only: a clone's run scope sees them
// and writes nothing into them.
TEST(TrainingScope, InferenceWeightsStayConst) {
  auto weights = std::make_shared<Scope>();
  SetTensor(weights.get(), "w", {kOut, kIn, 3, 3}, kW0);
  const uint64_t stamp = weights->FindLocal("w")->stamp();
  Scope a(weights), b(weights);
  for (Scope* run : {&a, &b}) {
    SetTensor(run, "x", {2, kIn, kSide, kSide}, kX);
    Executor exec(ProgramOf({Conv("w", "y")}), run, ExecConfig{});
    exec.Run();
    exec.Run();
    ExpectNear(GetTensor<float>(*run, "y"), FreshConv(kW0), 1e-5f);
    EXPECT_EQ(run->FindLocal("w"), nullptr);
  }
  EXPECT_EQ(weights->FindLocal("w")->stamp(), stamp);
}

}  // namespace
}  // namespace pd::test
