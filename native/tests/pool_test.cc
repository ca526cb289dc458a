// pool2d against values real Paddle printed for a 5x5 ramp, and against naive windows for max,
// adaptive, global and NHWC pooling; pool2d_grad over channels-last tensors against its plain
// loop (Paddle's gradient goldens check the plain one).
#include <gtest/gtest.h>

#include <cmath>

#include "kernels/layout_rules.h"
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

// NCHW values v of dims d in NHWC order.
std::vector<float> ToNHWC(const std::vector<float>& v, const Dims& d) {
  std::vector<float> out(v.size());
  const int64_t C = d[1], plane = d[2] * d[3];
  for (int64_t n = 0; n < d[0]; ++n)
    for (int64_t c = 0; c < C; ++c)
      for (int64_t p = 0; p < plane; ++p) out[(n * plane + p) * C + c] = v[(n * C + c) * plane + p];
  return out;
}

// The gradient of pool over x (NCHW dims d) with dY dy, run plain, with data_format NHWC, and
// over NCHW tensors stored channels-last (a training step's activations); the NHWC run's in NHWC
// order.
struct PoolGrads {
  std::vector<float> plain, nhwc, stored_channels_last;
};

PoolGrads RunPoolGrads(const OpBuilder& forward, const Dims& d, const std::vector<float>& x) {
  Scope fwd;
  SetTensor(&fwd, "x", d, x);
  RunOp(forward, &fwd);
  const Dims od = Get(fwd, "y").dims();
  const auto y = GetTensor<float>(fwd, "y");
  const auto dy = RandomFloats(y.size(), 11);
  OpBuilder grad("pool2d_grad");
  grad.In("X", {"x"}).In("Out", {"y"}).In("Out@GRAD", {"dy"}).Out("X@GRAD", {"dx"});
  grad.AttrsOf(forward);
  PoolGrads g;
  {
    Scope s;
    SetTensor(&s, "x", d, x);
    SetTensor(&s, "y", od, y);
    SetTensor(&s, "dy", od, dy);
    RunOp(grad, &s);
    g.plain = GetTensor<float>(s, "dx");
  }
  {
    Scope s;
    SetTensor(&s, "x", {d[0], d[2], d[3], d[1]}, ToNHWC(x, d));
    SetTensor(&s, "y", {od[0], od[2], od[3], od[1]}, ToNHWC(y, od));
    SetTensor(&s, "dy", {od[0], od[2], od[3], od[1]}, ToNHWC(dy, od));
    RunOp(OpBuilder(grad).String("data_format", "NHWC"), &s);
    g.nhwc = GetTensor<float>(s, "dx");
  }
  {
    Scope s;
    SetTensor(&s, "x", d, ToNHWC(x, d));
    SetTensor(&s, "y", od, ToNHWC(y, od));
    SetTensor(&s, "dy", od, ToNHWC(dy, od));
    for (const char* name : {"x", "y", "dy"}) s.Var(name)->set_layout(ChannelsLastLayout());
    RunOp(grad, &s);
    // Still channels-last: the kernel read them so. Its output, read by no later op, the
    // executor returns plain.
    for (const char* name : {"x", "y", "dy"})
      EXPECT_EQ(Get(s, name).layout(), ChannelsLastLayout()) << name;
    EXPECT_EQ(Get(s, "dx").layout(), 0);
    g.stored_channels_last = GetTensor<float>(s, "dx");
  }
  return g;
}

// Bit for bit: the channels-last loop visits each window's cells in the plain loop's order,
// vectorised over channels (20 here: a vector and a tail).
TEST(Pool2dGrad, ChannelsLastEqualsPlain) {
  const Dims d{2, 20, 9, 9};
  // Halves in [-2, 2]: many windows hold tied maxima, which go to the first cell.
  auto x = RandomFloats(Numel(d), 5, -2, 2);
  for (float& v : x) v = std::round(v * 2) / 2;
  const std::vector<std::pair<std::string, OpBuilder>> cases = {
      {"max 3x3/2 pad 1 (a stem's)", Pool("max", {3, 3}, {2, 2}, {1, 1})},
      {"max 2x2/2 ceil", Pool("max", {2, 2}, {2, 2}, {0, 0}).Bool("ceil_mode", true)},
      {"avg inclusive ceil", Pool("avg", {3, 3}, {2, 2}, {1, 1}).Bool("ceil_mode", true)
                                 .Bool("exclusive", false)},
      {"avg exclusive", Pool("avg", {3, 2}, {1, 2}, {1, 0, 1, 1})},
      {"adaptive max", Pool("max", {4, 3}, {1, 1}, {0, 0}).Bool("adaptive", true)},
      {"global avg", Pool("avg", {1, 1}, {1, 1}, {0, 0}).Bool("global_pooling", true)},
  };
  for (const auto& [name, op] : cases) {
    const PoolGrads g = RunPoolGrads(op, d, x);
    const auto want_nhwc = ToNHWC(g.plain, d);
    ASSERT_EQ(g.nhwc.size(), want_nhwc.size()) << name;
    ASSERT_EQ(g.stored_channels_last.size(), g.plain.size()) << name;
    for (size_t i = 0; i < want_nhwc.size(); ++i) {
      ASSERT_EQ(g.nhwc[i], want_nhwc[i]) << name << ", data_format NHWC, element " << i;
      ASSERT_EQ(g.stored_channels_last[i], g.plain[i]) << name << ", stored channels-last, " << i;
    }
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
