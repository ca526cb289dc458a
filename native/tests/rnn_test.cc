// gru against a straightforward per-sequence loop written from the formulas (Paddle's weight
// layout, gate order, update rule and activation numerics), over single and batched
// sequences, both directions, H0, both update modes and all activations.
#include <gtest/gtest.h>

#include <cmath>

#include "kernels/vec_math.h"
#include "test_util.h"

namespace pd::test {
namespace {

double Act(const std::string& name, double a) {
  if (name == "sigmoid") return 1.0 / (1.0 + std::exp(-std::min(std::max(a, -40.0), 13.0)));
  if (name == "tanh") return 2.0 / (1.0 + std::exp(std::min(-2.0 * a, 40.0))) - 1.0;
  if (name == "relu") return a > 0 ? a : 0;
  return a;  // identity
}

struct GruSpec {
  int64_t d = 2;
  std::vector<size_t> lod;  // level-1 offsets
  bool reverse = false, origin = false, bias = true, h0 = false;
  std::string gate = "sigmoid", node = "tanh";
  uint32_t seed = 1;
};

struct GruData {
  std::vector<float> x, w, b, h0;
};

GruData MakeData(const GruSpec& g) {
  const int64_t t = static_cast<int64_t>(g.lod.back()), n = static_cast<int64_t>(g.lod.size()) - 1;
  // Weights scaled like a trained layer's (Xavier-like), so that the recurrence is not chaotic
  // and float rounding is not amplified step after step.
  const float ws = 1.5f / std::sqrt(static_cast<float>(g.d));
  return {RandomFloats(t * 3 * g.d, g.seed, -2, 2),
          RandomFloats(3 * g.d * g.d, g.seed + 1, -ws, ws), RandomFloats(3 * g.d, g.seed + 2),
          RandomFloats(n * g.d, g.seed + 3)};
}

// Hidden [T, D]: per sequence, step by step.
std::vector<float> ReferenceGru(const GruSpec& g, const GruData& in) {
  const int64_t d = g.d;
  // First 2·D·D floats: [D, 2D] update|reset matrix; then D·D floats: [D, D] candidate matrix.
  auto w_ur = [&](int64_t i, int64_t j) { return in.w[i * 2 * d + j]; };
  auto w_c = [&](int64_t i, int64_t j) { return in.w[2 * d * d + i * d + j]; };
  std::vector<float> out(g.lod.back() * d);
  for (size_t s = 0; s + 1 < g.lod.size(); ++s) {
    std::vector<double> h(d, 0.0);
    if (g.h0)
      for (int64_t j = 0; j < d; ++j) h[j] = in.h0[s * d + j];
    const int64_t len = static_cast<int64_t>(g.lod[s + 1] - g.lod[s]);
    for (int64_t step = 0; step < len; ++step) {
      const int64_t row = static_cast<int64_t>(g.lod[s]) + (g.reverse ? len - 1 - step : step);
      std::vector<double> gate(3 * d);
      for (int64_t j = 0; j < 3 * d; ++j) gate[j] = in.x[row * 3 * d + j] + (g.bias ? in.b[j] : 0);
      for (int64_t j = 0; j < 2 * d; ++j)
        for (int64_t i = 0; i < d; ++i) gate[j] += h[i] * w_ur(i, j);
      std::vector<double> u(d), r(d), c(d);
      for (int64_t j = 0; j < d; ++j) {
        u[j] = Act(g.gate, gate[j]);
        r[j] = Act(g.gate, gate[d + j]);
      }
      for (int64_t j = 0; j < d; ++j) {
        double acc = gate[2 * d + j];
        for (int64_t i = 0; i < d; ++i) acc += r[i] * h[i] * w_c(i, j);
        c[j] = Act(g.node, acc);
      }
      for (int64_t j = 0; j < d; ++j) {
        h[j] = g.origin ? u[j] * h[j] + (1 - u[j]) * c[j] : (1 - u[j]) * h[j] + u[j] * c[j];
        out[row * d + j] = static_cast<float>(h[j]);
      }
    }
  }
  return out;
}

TEST(GruActivations, MatchPaddleFormulas) {
  std::vector<float> xs;
  for (float x = -100.0f; x <= 100.0f; x += 0.01f) xs.push_back(x);
  std::vector<float> sig = xs, th = xs, relu = xs;
  SigmoidInPlace(sig.data(), static_cast<int64_t>(sig.size()));
  TanhInPlace(th.data(), static_cast<int64_t>(th.size()));
  ReluInPlace(relu.data(), static_cast<int64_t>(relu.size()));
  for (size_t i = 0; i < xs.size(); ++i) {
    ASSERT_NEAR(sig[i], Act("sigmoid", xs[i]), 2e-7) << "sigmoid(" << xs[i] << ")";
    ASSERT_NEAR(th[i], Act("tanh", xs[i]), 3e-7) << "tanh(" << xs[i] << ")";
    ASSERT_EQ(relu[i], xs[i] > 0 ? xs[i] : 0.0f);
  }
  // Paddle's clipping shows: sigmoid saturates at 1 / (1 + e^-13), not 1.
  EXPECT_NEAR(sig.back(), 1.0 / (1.0 + std::exp(-13.0)), 1e-7);
  float nan[1] = {std::nanf("")};
  TanhInPlace(nan, 1);
  EXPECT_TRUE(std::isnan(nan[0]));
  EXPECT_NEAR(ExpF(1.0f), std::exp(1.0), 3e-7);
  EXPECT_EQ(ExpF(-1000.0f), ExpF(-87.0f));
}

OpBuilder GruOp(const GruSpec& g, bool intermediates = true) {
  OpBuilder op("gru");
  op.In("Input", {"x"})
      .In("Weight", {"w"})
      .In("Bias", g.bias ? std::vector<std::string>{"b"} : std::vector<std::string>{})
      .In("H0", g.h0 ? std::vector<std::string>{"h0"} : std::vector<std::string>{})
      .Out("Hidden", {"hidden"})
      .String("activation", g.node)
      .String("gate_activation", g.gate)
      .Bool("is_reverse", g.reverse)
      .Bool("origin_mode", g.origin);
  if (intermediates) {
    op.Out("BatchGate", {"bg"}).Out("BatchResetHiddenPrev", {"brh"}).Out("BatchHidden", {"bh"});
  }
  return op;
}

void Feed(Scope* s, const GruSpec& g, const GruData& in) {
  const int64_t t = static_cast<int64_t>(g.lod.back()), n = static_cast<int64_t>(g.lod.size()) - 1;
  SetTensor(s, "x", {t, 3 * g.d}, in.x, {g.lod});
  SetTensor(s, "w", {g.d, 3 * g.d}, in.w);
  SetTensor(s, "b", {1, 3 * g.d}, in.b);
  SetTensor(s, "h0", {n, g.d}, in.h0);
}

void CheckGru(const GruSpec& g, float tol = 2e-6f, int threads = 1) {
  Scope s;
  const GruData in = MakeData(g);
  Feed(&s, g, in);
  RunOp(GruOp(g), &s, threads);
  const int64_t t = static_cast<int64_t>(g.lod.back());
  EXPECT_EQ(Get(s, "hidden").dims(), (Dims{t, g.d}));
  EXPECT_EQ(Get(s, "hidden").lod(), (LoD{g.lod}));
  EXPECT_EQ(Get(s, "bg").dims(), (Dims{t, 3 * g.d}));
  EXPECT_EQ(Get(s, "brh").dims(), (Dims{t, g.d}));
  EXPECT_EQ(Get(s, "bh").dims(), (Dims{t, g.d}));
  ExpectNear(GetTensor<float>(s, "hidden"), ReferenceGru(g, in), tol);
}

TEST(Gru, OneSequenceD2) {
  GruSpec g;
  g.lod = {0, 5};
  CheckGru(g);
}

TEST(Gru, OneSequenceReverse) {
  GruSpec g;
  g.lod = {0, 5};
  g.reverse = true;
  CheckGru(g);
}

TEST(Gru, BatchedSequencesOfMixedLengths) {
  // Unsorted lengths 3, 1, 4, 0, 4 exercise the longest-first reordering, steps whose batch
  // shrinks, an empty sequence and equal lengths.
  for (bool reverse : {false, true}) {
    for (bool origin : {false, true}) {
      for (bool h0 : {false, true}) {
        SCOPED_TRACE(testing::Message()
                     << "reverse " << reverse << " origin " << origin << " h0 " << h0);
        GruSpec g;
        g.d = 5;
        g.lod = {0, 3, 4, 8, 8, 12};
        g.reverse = reverse;
        g.origin = origin;
        g.h0 = h0;
        g.seed = 3;
        CheckGru(g);
      }
    }
  }
}

TEST(Gru, SequencesSplitOverThreads) {
  // Eleven sequences, unsorted, two of equal length, one empty: with 2 and 3 threads each
  // thread runs every lane-th sequence in longest-first order, through steps whose rows
  // shrink to one on some threads and none on others.
  for (int threads : {2, 3}) {
    for (bool reverse : {false, true}) {
      for (bool origin : {false, true}) {
        for (bool h0 : {false, true}) {
          SCOPED_TRACE(testing::Message() << threads << " threads, reverse " << reverse
                                          << " origin " << origin << " h0 " << h0);
          GruSpec g;
          g.d = 33;  // a panel and a masked last panel of 3D = 99 columns
          g.lod = {0, 7, 9, 9, 21, 22, 26, 33, 36, 48, 53, 54};
          g.reverse = reverse;
          g.origin = origin;
          g.h0 = h0;
          g.seed = 11;
          CheckGru(g, 1e-5f, threads);
        }
      }
    }
  }
}

TEST(Gru, OtherActivationsAndNoBias) {
  const std::vector<std::pair<std::string, std::string>> acts = {
      {"relu", "identity"}, {"tanh", "relu"}, {"identity", ""}, {"sigmoid", "sigmoid"}};
  for (const auto& a : acts) {
    SCOPED_TRACE(a.first + " / " + a.second);
    GruSpec g;
    g.d = 3;
    g.lod = {0, 2, 6};
    g.gate = a.first;
    g.node = a.second;
    g.bias = false;
    g.h0 = true;
    CheckGru(g, 1e-5f);
  }
}

TEST(Gru, LacSizeSingleSentence) {
  // D = 96 and 20 tokens, as in the LAC model at batch 1: the GEMV path and the vectorized
  // activations at full width.
  GruSpec g;
  g.d = 96;
  g.lod = {0, 20};
  g.seed = 5;
  CheckGru(g, 1e-5f);
  g.reverse = true;
  CheckGru(g, 1e-5f);
}

TEST(Gru, WorksWithoutIntermediateOutputsAndReruns) {
  GruSpec g;
  g.d = 4;
  g.lod = {0, 2, 7};
  Scope s;
  GruData in = MakeData(g);
  Feed(&s, g, in);
  auto op = GruOp(g, /*intermediates=*/false);
  RunOp(op, &s);
  ExpectNear(GetTensor<float>(s, "hidden"), ReferenceGru(g, in));
  // A second run with other sequences reuses the tensors.
  g.lod = {0, 1, 2, 3};
  g.seed = 9;
  in = MakeData(g);
  Feed(&s, g, in);
  RunOp(op, &s);
  EXPECT_EQ(Get(s, "hidden").lod(), (LoD{g.lod}));
  ExpectNear(GetTensor<float>(s, "hidden"), ReferenceGru(g, in));
}

TEST(Gru, Errors) {
  GruSpec g;
  g.lod = {0, 3};
  Scope s;
  Feed(&s, g, MakeData(g));
  s.Var("x")->set_lod({});
  ExpectError([&] { RunOp(GruOp(g), &s); }, {"gru", "level-1 LoD", "got 0 levels"});
  s.Var("x")->set_lod({{0, 2}});
  ExpectError([&] { RunOp(GruOp(g), &s); }, {"LoD level 0 ends at 2 but the tensor has 3 rows"});

  Feed(&s, g, MakeData(g));
  SetTensor<float>(&s, "w", {2, 5}, RandomFloats(10, 1));
  ExpectError([&] { RunOp(GruOp(g), &s); }, {"Weight must be [D, 3D]", "[2, 5]"});

  Feed(&s, g, MakeData(g));
  SetTensor<float>(&s, "x", {3, 7}, RandomFloats(21, 1), {{0, 3}});
  ExpectError([&] { RunOp(GruOp(g), &s); }, {"Input must be [T, 3D] = [T, 6]", "[3, 7]"});

  Feed(&s, g, MakeData(g));
  g.h0 = true;
  SetTensor<float>(&s, "h0", {2, 2}, RandomFloats(4, 1));
  ExpectError([&] { RunOp(GruOp(g), &s); }, {"H0 must be [sequences, D] = [1, 2]", "[2, 2]"});

  g.h0 = false;
  g.node = "softsign";
  Feed(&s, g, MakeData(g));
  ExpectError([&] { RunOp(GruOp(g), &s); }, {"activation 'softsign'"});
}

}  // namespace
}  // namespace pd::test
