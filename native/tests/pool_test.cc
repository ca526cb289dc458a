// pool2d against values real Paddle printed for a 5x5 ramp, and against naive windows for max,
// adaptive, global and NHWC pooling.
#include <gtest/gtest.h>

#include "test_util.h"

namespace pd::test {
namespace {

std::vector<float> Ramp(int n) {
  std::vector<float> v(n);
  for (int i = 0; i < n; ++i) v[i] = static_cast<float>(i + 1);
  return v;
}

OpBuilder Pool(const std::string& type, std::vector<int32_t> k, std::vector<int32_t> s,
               std::vector<int32_t> p) {
  OpBuilder op("pool2d");
  op.In("X", {"x"}).Out("Out", {"y"}).String("pooling_type", type).Ints("ksize", k);
  op.Ints("strides", s).Ints("paddings", p);
  return op;
}

std::vector<float> RunPool(const OpBuilder& op, const Dims& dims, const std::vector<float>& x,
                           Dims* out_dims = nullptr) {
  Scope s;
  SetTensor(&s, "x", dims, x);
  RunOp(op, &s);
  if (out_dims) *out_dims = Get(s, "y").dims();
  return GetTensor<float>(s, "y");
}

// Expected values printed by paddle.nn.functional.avg_pool2d (Paddle 3.3.1, CPU).
TEST(Pool2d, InclusiveAverageMatchesPaddle) {
  Dims d;
  auto y =
      RunPool(Pool("avg", {3, 3}, {2, 2}, {1, 1}).Bool("ceil_mode", true).Bool("exclusive", false),
              {1, 1, 5, 5}, Ramp(25), &d);
  EXPECT_EQ(d, (Dims{1, 1, 3, 3}));
  ExpectNear(y, {1.7777778f, 3.6666667f, 3.1111112f, 7.6666665f, 13.0f, 9.666667f, 8.444445f,
                 13.666667f, 9.777778f});
  // Windows past the padded border count only up to the border.
  y = RunPool(Pool("avg", {2, 2}, {2, 2}, {0, 0}).Bool("ceil_mode", true).Bool("exclusive", false),
              {1, 1, 5, 5}, Ramp(25));
  ExpectNear(y, {4, 6, 7.5f, 14, 16, 17.5f, 21.5f, 23.5f, 25});
  // Asymmetric paddings [top 0, bottom 1, left 0, right 1].
  y = RunPool(Pool("avg", {3, 3}, {2, 2}, {0, 1, 0, 1}).Bool("exclusive", false), {1, 1, 5, 5},
              Ramp(25));
  ExpectNear(y, {7, 9, 17, 19});
}

TEST(Pool2d, ExclusiveAverageAndMaxWithPadding) {
  auto y = RunPool(Pool("avg", {3, 3}, {2, 2}, {1, 1}), {1, 1, 5, 5}, Ramp(25));
  // Corner window covers 1,2,6,7.
  ExpectNear(y, {4, 5.5f, 7, 11.5f, 13, 14.5f, 19, 20.5f, 22});
  y = RunPool(Pool("max", {3, 3}, {2, 2}, {1, 1}), {1, 1, 5, 5}, Ramp(25));
  ExpectNear(y, {7, 9, 10, 17, 19, 20, 22, 24, 25});
  std::vector<float> neg(25, -3.0f);
  y = RunPool(Pool("max", {3, 3}, {2, 2}, {1, 1}), {1, 1, 5, 5}, neg);
  ExpectNear(y, std::vector<float>(9, -3.0f));  // padding never wins a max
}

TEST(Pool2d, GlobalIgnoresKsizeAndPaddings) {
  Dims d;
  auto y = RunPool(Pool("avg", {-1, -1}, {1, 1}, {2, 2}).Bool("global_pooling", true), {1, 2, 2, 3},
                   Ramp(12), &d);
  EXPECT_EQ(d, (Dims{1, 2, 1, 1}));
  ExpectNear(y, {3.5f, 9.5f});
}

TEST(Pool2d, AdaptiveBins) {
  // 5 columns into 3 bins: [0,2), [1,4), [3,5).
  Dims d;
  auto y = RunPool(Pool("avg", {1, 3}, {1, 1}, {0, 0}).Bool("adaptive", true), {1, 1, 1, 5},
                   {1, 2, 3, 4, 5}, &d);
  EXPECT_EQ(d, (Dims{1, 1, 1, 3}));
  ExpectNear(y, {1.5f, 3, 4.5f});
  y = RunPool(Pool("max", {1, 2}, {1, 1}, {0, 0}).Bool("adaptive", true), {1, 1, 1, 5},
              {5, 1, 4, 2, 3});
  ExpectNear(y, {5, 4});
}

TEST(Pool2d, SameAndValid) {
  Dims d;
  RunPool(Pool("max", {3, 3}, {2, 2}, {0, 0}).String("padding_algorithm", "SAME"), {1, 1, 5, 6},
          Ramp(30), &d);
  EXPECT_EQ(d, (Dims{1, 1, 3, 3}));
  RunPool(Pool("max", {3, 3}, {2, 2}, {1, 1}).String("padding_algorithm", "VALID"), {1, 1, 5, 6},
          Ramp(30), &d);
  EXPECT_EQ(d, (Dims{1, 1, 2, 2}));
}

TEST(Pool2d, NHWCMatchesNCHW) {
  auto x = RandomFloats(2 * 3 * 5 * 4, 7);
  std::vector<float> xh(x.size());
  for (int n = 0; n < 2; ++n)
    for (int c = 0; c < 3; ++c)
      for (int p = 0; p < 20; ++p) xh[(n * 20 + p) * 3 + c] = x[(n * 3 + c) * 20 + p];
  for (const char* type : {"max", "avg"}) {
    auto op = Pool(type, {2, 3}, {2, 1}, {1, 0, 1, 1}).Bool("exclusive", false);
    auto want = RunPool(op, {2, 3, 5, 4}, x);
    Dims d;
    auto got = RunPool(op.String("data_format", "NHWC"), {2, 5, 4, 3}, xh, &d);
    ASSERT_EQ(d, (Dims{2, 3, 4, 3}));
    for (int n = 0; n < 2; ++n)
      for (int c = 0; c < 3; ++c)
        for (int p = 0; p < 12; ++p)
          EXPECT_NEAR(got[(n * 12 + p) * 3 + c], want[(n * 3 + c) * 12 + p], 1e-6) << type;
  }
}

TEST(Pool2d, Errors) {
  ExpectError(
      [] {
        RunPool(Pool("min", {2, 2}, {1, 1}, {0, 0}), {1, 1, 2, 2}, Ramp(4));
      },
      {"unknown pooling_type 'min'"});
  ExpectError(
      [] {
        RunPool(Pool("max", {3, 3}, {1, 1}, {0, 0}), {1, 1, 2, 2}, Ramp(4));
      },
      {"larger than the padded input"});
  ExpectError(
      [] {
        RunPool(Pool("max", {2, 2}, {1, 1}, {0, 0}), {1, 4}, Ramp(4));
      },
      {"expected a 4-D input"});
}

}  // namespace
}  // namespace pd::test
