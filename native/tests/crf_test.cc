// crf_decoding against brute-force enumeration of every tag path, in LoD and padded modes,
// with and without Label, plus the tie rule and shape errors; and the Viterbi step on every
// instruction set this CPU runs against the portable loop, bit for bit.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>

#include "kernels/viterbi_step.h"
#include "test_util.h"

namespace pd::test {
namespace {

// The highest-scoring path of x [len, k] under w [k+2, k] by trying all k^len paths.
std::vector<int64_t> BruteForce(const float* x, int64_t len, int64_t k,
                                const std::vector<float>& w) {
  std::vector<int64_t> path(len, 0), best;
  double best_score = -1e300;
  while (true) {
    double score = w[path[0]] + x[path[0]];
    for (int64_t t = 1; t < len; ++t)
      score += w[(path[t - 1] + 2) * k + path[t]] + x[t * k + path[t]];
    score += w[k + path[len - 1]];
    if (score > best_score) {
      best_score = score;
      best = path;
    }
    int64_t t = len - 1;  // next path, last position fastest
    while (t >= 0 && ++path[t] == k) path[t--] = 0;
    if (t < 0) break;
  }
  return best;
}

TEST(CrfDecoding, MatchesBruteForceOverSequences) {
  const int64_t k = 3;
  const std::vector<size_t> lod = {0, 4, 5, 5, 10};  // includes an empty sequence
  Scope s;
  auto x = RandomFloats(10 * k, 21, -3, 3);
  auto w = RandomFloats((k + 2) * k, 22, -2, 2);
  SetTensor(&s, "e", {10, k}, x, {lod});
  SetTensor(&s, "w", {k + 2, k}, w);
  RunOp(OpBuilder("crf_decoding")
            .In("Emission", {"e"})
            .In("Transition", {"w"})
            .In("Label", {})
            .In("Length", {})
            .Out("ViterbiPath", {"p"}),
        &s);
  EXPECT_EQ(Get(s, "p").dtype(), DType::kInt64);
  EXPECT_EQ(Get(s, "p").dims(), (Dims{10, 1}));
  EXPECT_EQ(Get(s, "p").lod(), (LoD{lod}));
  std::vector<int64_t> want;
  for (size_t i = 0; i + 1 < lod.size(); ++i) {
    const int64_t len = static_cast<int64_t>(lod[i + 1] - lod[i]);
    if (len == 0) continue;
    auto p = BruteForce(x.data() + lod[i] * k, len, k, w);
    want.insert(want.end(), p.begin(), p.end());
  }
  EXPECT_EQ(GetTensor<int64_t>(s, "p"), want);
}

TEST(CrfDecoding, ManyRandomCases) {
  for (uint32_t seed = 0; seed < 40; ++seed) {
    const int64_t k = 2 + seed % 4, len = 1 + seed % 6;
    SCOPED_TRACE(testing::Message() << "k " << k << " len " << len);
    Scope s;
    auto x = RandomFloats(len * k, 100 + seed, -4, 4);
    auto w = RandomFloats((k + 2) * k, 200 + seed, -4, 4);
    SetTensor(&s, "e", {len, k}, x, {{0, static_cast<size_t>(len)}});
    SetTensor(&s, "w", {k + 2, k}, w);
    RunOp(OpBuilder("crf_decoding")
              .In("Emission", {"e"})
              .In("Transition", {"w"})
              .Out("ViterbiPath", {"p"}),
          &s);
    EXPECT_EQ(GetTensor<int64_t>(s, "p"), BruteForce(x.data(), len, k, w));
  }
}

TEST(CrfDecoding, TransitionRowsAreStartEndThenFromTo) {
  // Emissions are flat, so the path is decided by the transitions alone: start must be tag 1
  // (row 0), end must be tag 0 (row 1), and 1 -> 2 -> 0 is the only cheap chain (rows 2..).
  const float no = -100;
  std::vector<float> w = {no, 0,  no,   // start
                          0,  no, no,   // end
                          no, no, no,   // from 0
                          no, no, 0,    // from 1
                          0,  no, no};  // from 2
  Scope s;
  SetTensor<float>(&s, "e", {3, 3}, std::vector<float>(9, 0.0f), {{0, 3}});
  SetTensor(&s, "w", {5, 3}, w);
  RunOp(OpBuilder("crf_decoding")
            .In("Emission", {"e"})
            .In("Transition", {"w"})
            .Out("ViterbiPath", {"p"}),
        &s);
  EXPECT_EQ(GetTensor<int64_t>(s, "p"), (std::vector<int64_t>{1, 2, 0}));
}

TEST(CrfDecoding, TiesGoToTheLowestTag) {
  Scope s;
  SetTensor<float>(&s, "e", {3, 4}, std::vector<float>(12, 1.0f), {{0, 3}});
  SetTensor<float>(&s, "w", {6, 4}, std::vector<float>(24, 0.5f));
  RunOp(OpBuilder("crf_decoding")
            .In("Emission", {"e"})
            .In("Transition", {"w"})
            .Out("ViterbiPath", {"p"}),
        &s);
  EXPECT_EQ(GetTensor<int64_t>(s, "p"), (std::vector<int64_t>{0, 0, 0}));
}

TEST(CrfDecoding, LabelMarksCorrectPositions) {
  const int64_t k = 3;
  Scope s;
  auto x = RandomFloats(6 * k, 31, -3, 3);
  auto w = RandomFloats((k + 2) * k, 32, -2, 2);
  SetTensor(&s, "e", {6, k}, x, {{0, 2, 6}});
  SetTensor(&s, "w", {k + 2, k}, w);
  auto best = BruteForce(x.data(), 2, k, w);
  auto second = BruteForce(x.data() + 2 * k, 4, k, w);
  best.insert(best.end(), second.begin(), second.end());
  std::vector<int64_t> label = best, want(6, 1);
  label[1] = (label[1] + 1) % k;
  label[4] = (label[4] + 2) % k;
  want[1] = want[4] = 0;
  SetTensor(&s, "label", {6, 1}, label);
  RunOp(OpBuilder("crf_decoding")
            .In("Emission", {"e"})
            .In("Transition", {"w"})
            .In("Label", {"label"})
            .Out("ViterbiPath", {"p"}),
        &s);
  EXPECT_EQ(GetTensor<int64_t>(s, "p"), want);
}

TEST(CrfDecoding, PaddedModeWithLength) {
  const int64_t k = 3, n = 3, max_len = 4;
  const std::vector<int64_t> lengths = {4, 0, 2};
  Scope s;
  auto x = RandomFloats(n * max_len * k, 41, -3, 3);
  auto w = RandomFloats((k + 2) * k, 42, -2, 2);
  SetTensor(&s, "e", {n, max_len, k}, x);
  SetTensor(&s, "w", {k + 2, k}, w);
  SetTensor(&s, "len", {n}, lengths);
  RunOp(OpBuilder("crf_decoding")
            .In("Emission", {"e"})
            .In("Transition", {"w"})
            .In("Length", {"len"})
            .Out("ViterbiPath", {"p"}),
        &s);
  EXPECT_EQ(Get(s, "p").dims(), (Dims{n, max_len}));
  std::vector<int64_t> want(n * max_len, 0);  // padding positions are 0
  for (int64_t i = 0; i < n; ++i) {
    if (lengths[i] == 0) continue;
    auto p = BruteForce(x.data() + i * max_len * k, lengths[i], k, w);
    std::copy(p.begin(), p.end(), want.begin() + i * max_len);
  }
  EXPECT_EQ(GetTensor<int64_t>(s, "p"), want);

  // With Label: 1 where right, 0 where wrong and at padding.
  std::vector<int64_t> label = want;
  label[1] = (label[1] + 1) % k;
  SetTensor(&s, "label", {n, max_len}, label);
  RunOp(OpBuilder("crf_decoding")
            .In("Emission", {"e"})
            .In("Transition", {"w"})
            .In("Length", {"len"})
            .In("Label", {"label"})
            .Out("ViterbiPath", {"q"}),
        &s);
  EXPECT_EQ(GetTensor<int64_t>(s, "q"), (std::vector<int64_t>{1, 0, 1, 1, 0, 0, 0, 0, 1, 1, 0, 0}));
}

// Runs len positions of the recursion for k tags on `isa` from the same start, returning every
// position's alpha and track rows (stride entries each) as raw bits.
struct StepRows {
  std::vector<float> alpha;
  std::vector<int> track;
};
StepRows RunSteps(VectorIsa isa, int64_t k, int64_t len, const std::vector<float>& trans,
                  const std::vector<float>& x) {
  const int64_t stride = ViterbiStride(k);
  StepRows rows{std::vector<float>(len * stride, 0.0f), std::vector<int>(len * stride, -1)};
  std::copy(x.begin(), x.begin() + k, rows.alpha.begin());
  for (int64_t t = 1; t < len; ++t) {
    ViterbiStepOn(isa, k, stride, rows.alpha.data() + (t - 1) * stride, trans.data(),
                  x.data() + t * k, rows.alpha.data() + t * stride, rows.track.data() + t * stride);
  }
  return rows;
}

// Every tag count from 1 to 140 covers each grouping of the vector loops (AVX2: 32, 24, 16, 8
// tags; AVX-512: 64, 48, 32, 16, then 8 on AVX2's loop), LAC's 57 included. Scores are
// multiples of 1/2 in [-4, 4], so many previous tags tie and the first-on-ties rule shows.
TEST(CrfDecoding, ViterbiStepSameBitsOnEveryIsa) {
  for (VectorIsa isa : kVectorIsas) {
    if (!VectorIsaRuns(isa)) {
      std::printf("[ SKIPPED  ] the %s step: this CPU or build lacks it\n", VectorIsaName(isa));
      continue;
    }
    for (int64_t k = 1; k <= 140; ++k) {
      const int64_t stride = ViterbiStride(k), len = 6;
      auto halves = [](std::vector<float> v) {
        for (float& f : v) f = std::round(f * 2) / 2;
        return v;
      };
      std::vector<float> trans(k * stride, -std::numeric_limits<float>::infinity());
      const std::vector<float> w = halves(RandomFloats(k * k, 300 + k, -4, 4));
      for (int64_t i = 0; i < k; ++i) {
        std::copy(w.begin() + i * k, w.begin() + (i + 1) * k, trans.begin() + i * stride);
      }
      const std::vector<float> x = halves(RandomFloats(len * k, 400 + k, -4, 4));
      const StepRows want = RunSteps(VectorIsa::kScalar, k, len, trans, x);
      const StepRows got = RunSteps(isa, k, len, trans, x);
      ASSERT_EQ(std::memcmp(got.alpha.data(), want.alpha.data(), want.alpha.size() * sizeof(float)),
                0) << VectorIsaName(isa) << " alpha differs, k=" << k;
      ASSERT_EQ(got.track, want.track) << VectorIsaName(isa) << " track differs, k=" << k;
    }
  }
}

TEST(CrfDecoding, Errors) {
  Scope s;
  SetTensor<float>(&s, "e", {3, 4}, RandomFloats(12, 1), {{0, 3}});
  SetTensor<float>(&s, "w", {5, 4}, RandomFloats(20, 2));
  auto op = OpBuilder("crf_decoding")
                .In("Emission", {"e"})
                .In("Transition", {"w"})
                .Out("ViterbiPath", {"p"});
  ExpectError([&] { RunOp(op, &s); },
              {"crf_decoding", "Transition must be [K+2, K] = [6, 4]", "[5, 4]"});
  SetTensor<float>(&s, "w", {6, 4}, RandomFloats(24, 2));
  s.Var("e")->set_lod({});
  ExpectError([&] { RunOp(op, &s); }, {"level-1 LoD", "got 0 levels"});
  SetTensor<int64_t>(&s, "len", {1}, {3});
  ExpectError(
      [&] {
        RunOp(OpBuilder("crf_decoding")
                  .In("Emission", {"e"})
                  .In("Transition", {"w"})
                  .In("Length", {"len"})
                  .Out("ViterbiPath", {"p"}),
              &s);
      },
      {"Emission must be [N, L, K] when Length is given", "[3, 4]"});
  SetTensor<float>(&s, "e3", {1, 2, 4}, RandomFloats(8, 1));
  SetTensor<int64_t>(&s, "len", {1}, {3});
  ExpectError(
      [&] {
        RunOp(OpBuilder("crf_decoding")
                  .In("Emission", {"e3"})
                  .In("Transition", {"w"})
                  .In("Length", {"len"})
                  .Out("ViterbiPath", {"p"}),
              &s);
      },
      {"Length[0] = 3 is outside [0, 2]"});
}

}  // namespace
}  // namespace pd::test
