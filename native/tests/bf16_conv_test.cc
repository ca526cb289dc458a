// bfloat16 convolutions (kernels/bf16.h): an op with mkldnn_data_type = "bfloat16" must give what
// the float32 op gives on its inputs rounded to bfloat16 (products of bfloat16 values are exact
// in float32, so only the order of the sums may differ), forward and gradients, on oneDNN's
// bfloat16 kernels where this CPU has them and on the emulated path everywhere.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

#include "kernels/bf16.h"
#include "kernels/winograd.h"
#include "test_util.h"

namespace pd::test {
namespace {

uint32_t Bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
}

float FromBits(uint32_t u) {
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

float Rounded(float f) {
  RoundToBf16(&f, 1);
  return f;
}

std::vector<float> Rounded(std::vector<float> v) {
  RoundToBf16(v.data(), v.size());
  return v;
}

TEST(RoundToBf16, NearestTiesToEven) {
  EXPECT_EQ(Rounded(1.0f), 1.0f);
  // bfloat16 keeps 7 fraction bits: 1 + 2^-8 lies halfway between 1 and 1 + 2^-7 (even: 1),
  // 1 + 3 * 2^-8 halfway between 1 + 2^-7 and 1 + 2^-6 (even: 1 + 2^-6).
  EXPECT_EQ(Rounded(1.0f + std::ldexp(1.0f, -8)), 1.0f);
  EXPECT_EQ(Rounded(1.0f + 3 * std::ldexp(1.0f, -8)), 1.0f + std::ldexp(1.0f, -6));
  EXPECT_EQ(Rounded(1.0f + std::ldexp(1.0f, -8) + std::ldexp(1.0f, -20)),
            1.0f + std::ldexp(1.0f, -7));
  EXPECT_EQ(Rounded(-2.5f), -2.5f);
  EXPECT_EQ(Bits(Rounded(3.14159265f)), 0x40490000u);  // bfloat16 pi is 3.140625
  EXPECT_EQ(Rounded(std::numeric_limits<float>::infinity()),
            std::numeric_limits<float>::infinity());
  // The largest float is closer to 2^128 than to bfloat16's largest: it overflows to infinity.
  EXPECT_EQ(Rounded(std::numeric_limits<float>::max()), std::numeric_limits<float>::infinity());
  EXPECT_TRUE(std::isnan(Rounded(std::numeric_limits<float>::quiet_NaN())));
  // A NaN whose payload sits only in the low bits stays a NaN.
  EXPECT_TRUE(std::isnan(Rounded(FromBits(0x7f800001u))));
  EXPECT_EQ(Bits(Rounded(FromBits(0x00000001u))), 0u);  // the smallest subnormal rounds to 0
}

struct Case {
  const char* name;
  int64_t n, c, h, w, m, k, stride, pad, groups;
};

const Case kCases[] = {
    {"3x3", 2, 32, 9, 9, 32, 3, 1, 1, 1},
    {"1x1 stride 2", 2, 64, 8, 8, 128, 1, 2, 0, 1},
    {"depthwise", 2, 32, 9, 9, 32, 3, 1, 1, 32},
    {"first layer over RGB", 2, 3, 16, 16, 16, 7, 2, 3, 1},
};

OpBuilder Conv(const Case& c, bool bf16) {
  OpBuilder op(c.groups == c.c && c.groups > 1 ? "depthwise_conv2d" : "conv2d");
  op.In("Input", {"x"})
      .In("Filter", {"f"})
      .Out("Output", {"y"})
      .Ints("strides", {int32_t(c.stride), int32_t(c.stride)})
      .Ints("paddings", {int32_t(c.pad), int32_t(c.pad)})
      .Int("groups", int32_t(c.groups));
  if (bf16) op.String("mkldnn_data_type", "bfloat16");
  return op;
}

OpBuilder ConvGrad(const Case& c, bool bf16) {
  const OpBuilder fwd = Conv(c, bf16);
  OpBuilder op(fwd.desc().type() + "_grad");
  op.In("Input", {"x"})
      .In("Filter", {"f"})
      .In("Output@GRAD", {"dy"})
      .Out("Input@GRAD", {"dx"})
      .Out("Filter@GRAD", {"df"})
      .AttrsOf(fwd);
  return op;
}

int64_t OutSize(const Case& c, int64_t in) { return (in + 2 * c.pad - c.k) / c.stride + 1; }

struct Values {
  std::vector<float> x, f, dy;
};

Values Inputs(const Case& c, uint32_t seed) {
  const int64_t oh = OutSize(c, c.h), ow = OutSize(c, c.w);
  return {RandomFloats(c.n * c.c * c.h * c.w, seed),
          RandomFloats(c.m * (c.c / c.groups) * c.k * c.k, seed + 1, -0.3f, 0.3f),
          RandomFloats(c.n * c.m * oh * ow, seed + 2)};
}

void Feed(Scope* s, const Case& c, const Values& v) {
  SetTensor(s, "x", {c.n, c.c, c.h, c.w}, v.x);
  SetTensor(s, "f", {c.m, c.c / c.groups, c.k, c.k}, v.f);
  SetTensor(s, "dy", {c.n, c.m, OutSize(c, c.h), OutSize(c, c.w)}, v.dy);
}

struct Results {
  std::vector<float> y, dx, df;
};

Results Run(const Case& c, const Values& v, bool bf16, int threads) {
  Scope s;
  Feed(&s, c, v);
  RunOp(Conv(c, bf16), &s, threads);
  RunOp(ConvGrad(c, bf16), &s, threads);
  return {GetTensor<float>(s, "y"), GetTensor<float>(s, "dx"), GetTensor<float>(s, "df")};
}

float MaxAbsDiff(const std::vector<float>& a, const std::vector<float>& b) {
  float d = 0;
  for (size_t i = 0; i < a.size(); ++i) d = std::max(d, std::abs(a[i] - b[i]));
  return d;
}

// bf16 on v against float32 on v rounded; and far enough from float32 on v itself that the
// rounding is seen to happen.
void CheckBf16(const Case& c, int threads) {
  SCOPED_TRACE(c.name);
  const Values v = Inputs(c, 17);
  const Results got = Run(c, v, true, threads);
  const Results want = Run(c, {Rounded(v.x), Rounded(v.f), Rounded(v.dy)}, false, threads);
  const Results exact = Run(c, v, false, threads);
  ExpectNear(got.y, want.y, 2e-6f);
  ExpectNear(got.dx, want.dx, 2e-6f);
  ExpectNear(got.df, want.df, 2e-5f);  // sums over the batch and the pixels
  EXPECT_GT(MaxAbsDiff(got.y, exact.y), 1e-4f);
  EXPECT_GT(MaxAbsDiff(got.dx, exact.dx), 1e-4f);
  EXPECT_GT(MaxAbsDiff(got.df, exact.df), 1e-4f);
}

class Bf16Conv : public ::testing::TestWithParam<bool> {
 protected:
  // The float32 reference is the direct convolution, whose products are those of the
  // bfloat16 kernel; Winograd's transforms would change them.
  void SetUp() override {
    ForceBf16EmulationForTesting(GetParam());
    SetWinogradChoice(WinogradChoice::kNever);
  }
  void TearDown() override {
    ForceBf16EmulationForTesting(false);
    SetWinogradChoice(WinogradChoice::kAuto);
  }
};

TEST_P(Bf16Conv, MatchesFloat32OnRoundedInputs) {
  for (const Case& c : kCases) CheckBf16(c, 1);
}

TEST_P(Bf16Conv, TwoThreads) { CheckBf16(kCases[0], 2); }

INSTANTIATE_TEST_SUITE_P(Paths, Bf16Conv, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& p) {
                           return p.param ? "Emulated" : "OneDnnWhereAvailable";
                         });

}  // namespace
}  // namespace pd::test
