// The conv-net activations and softmax against their formulas, attributes included.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>

#include "test_util.h"

namespace pd::test {
namespace {

const std::vector<float> kX{-30, -7, -3.5f, -1, -0.25f, -1e-4f, 0, 1e-4f, 0.5f, 2, 4, 6.5f, 30};

void CheckAct(const OpBuilder& op, const std::function<double(double)>& f) {
  Scope s;
  SetTensor(&s, "x", {static_cast<int64_t>(kX.size())}, kX, {{0, 5, kX.size()}});
  RunOp(op, &s);
  auto got = GetTensor<float>(s, "y");
  ASSERT_EQ(got.size(), kX.size());
  for (size_t i = 0; i < kX.size(); ++i) {
    const double want = f(kX[i]);
    EXPECT_NEAR(got[i], want, 1e-6 + 2e-6 * std::abs(want)) << op.desc().type() << " at " << kX[i];
  }
  EXPECT_EQ(Get(s, "y").lod(), (LoD{{0, 5, kX.size()}}));
}

OpBuilder Act(const std::string& type) {
  OpBuilder op(type);
  op.In("X", {"x"}).Out("Out", {"y"});
  return op;
}

TEST(Activation, ReluFamily) {
  CheckAct(Act("relu"), [](double x) { return x > 0 ? x : 0; });
  CheckAct(Act("relu6"), [](double x) { return std::min(std::max(x, 0.0), 6.0); });
  CheckAct(Act("relu6").Float("threshold", 3),
           [](double x) { return std::min(std::max(x, 0.0), 3.0); });
  CheckAct(Act("leaky_relu"), [](double x) { return x > 0 ? x : 0.02 * x; });
  CheckAct(Act("leaky_relu").Float("alpha", 0.3f), [](double x) { return x > 0 ? x : 0.3 * x; });
}

TEST(Activation, SigmoidTanhSwish) {
  CheckAct(Act("sigmoid"), [](double x) { return 1 / (1 + std::exp(-x)); });
  CheckAct(Act("tanh"), [](double x) { return std::tanh(x); });
  CheckAct(Act("swish"), [](double x) { return x / (1 + std::exp(-x)); });
  CheckAct(Act("swish").Float("beta", 2), [](double x) { return x / (1 + std::exp(-2 * x)); });
}

TEST(Activation, HardSwishAndHardSigmoid) {
  CheckAct(Act("hard_swish"), [](double x) { return x * std::min(std::max(x + 3, 0.0), 6.0) / 6; });
  CheckAct(Act("hard_swish").Float("threshold", 5).Float("scale", 4).Float("offset", 2),
           [](double x) { return x * std::min(std::max(x + 2, 0.0), 5.0) / 4; });
  CheckAct(Act("hard_sigmoid"),
           [](double x) { return std::min(std::max(0.2 * x + 0.5, 0.0), 1.0); });
  CheckAct(Act("hard_sigmoid").Float("slope", 0.1f).Float("offset", 0.3f),
           [](double x) { return std::min(std::max(0.1 * x + 0.3, 0.0), 1.0); });
}

TEST(Activation, InPlace) {
  Scope s;
  SetTensor<float>(&s, "x", {3}, {-1, 2, 9});
  RunOp(OpBuilder("relu6").In("X", {"x"}).Out("Out", {"x"}), &s);
  EXPECT_EQ(GetTensor<float>(s, "x"), (std::vector<float>{0, 2, 6}));
}

// Naive softmax of x viewed as [outer, n, inner] along n.
std::vector<float> NaiveSoftmax(const std::vector<float>& x, int64_t outer, int64_t n,
                                int64_t inner) {
  std::vector<float> y(x.size());
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      double mx = -1e30, sum = 0;
      for (int64_t j = 0; j < n; ++j) mx = std::max<double>(mx, x[(o * n + j) * inner + i]);
      for (int64_t j = 0; j < n; ++j) sum += std::exp(x[(o * n + j) * inner + i] - mx);
      for (int64_t j = 0; j < n; ++j)
        y[(o * n + j) * inner + i] =
            static_cast<float>(std::exp(x[(o * n + j) * inner + i] - mx) / sum);
    }
  return y;
}

TEST(Softmax, AnyAxis) {
  auto x = RandomFloats(2 * 3 * 4, 5, -20, 20);
  struct C {
    int axis;
    int64_t outer, n, inner;
  };
  for (C c : {C{-1, 6, 4, 1}, C{1, 2, 3, 4}, C{0, 1, 2, 12}, C{-3, 1, 2, 12}}) {
    Scope s;
    SetTensor(&s, "x", {2, 3, 4}, x);
    RunOp(Act("softmax").Int("axis", c.axis), &s);
    ExpectNear(GetTensor<float>(s, "y"), NaiveSoftmax(x, c.outer, c.n, c.inner), 1e-6f);
  }
  Scope s;
  SetTensor(&s, "x", {2, 3, 4}, x);
  ExpectError([&] { RunOp(Act("softmax").Int("axis", 3), &s); },
              {"softmax: axis 3 is out of range"});
}

TEST(Softmax, DefaultAxisInPlace) {
  Scope s;
  SetTensor<float>(&s, "x", {2, 2}, {0, 0, 1000, 0});
  RunOp(OpBuilder("softmax").In("X", {"x"}).Out("Out", {"x"}), &s);
  ExpectNear(GetTensor<float>(s, "x"), {0.5f, 0.5f, 1, 0});
}

}  // namespace
}  // namespace pd::test
