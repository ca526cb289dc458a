// The kernels that dispatch on the vector instruction set, on every one this CPU runs (scalar,
// AVX2, AVX-512), over every vector tail: the recurrent activations of kernels/vec_math.h
// against Paddle's formulas in double, and AVX-512 against AVX2 bit for bit; the binary
// elementwise ops' same-shape loop and the conv-net activations that dispatch against the
// baseline loop bit for bit.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <iterator>
#include <limits>
#include <numeric>
#include <string>
#include <utility>
#include <vector>

#include "kernels/activation_on.h"
#include "kernels/cpu_features.h"
#include "kernels/elementwise_same_shape.h"
#include "kernels/vec_math.h"
#include "test_util.h"

namespace pd::test {
namespace {

// The first n floats of a and b hold the same bits (memcmp, which may not be given the null
// data() of an empty vector).
bool SameBits(const float* a, const float* b, size_t n) {
  return n == 0 || std::memcmp(a, b, n * sizeof(float)) == 0;
}

using InPlaceOn = void (*)(VectorIsa, float*, int64_t);

struct Activation {
  const char* name;
  InPlaceOn run;
  double (*want)(double);
  double tolerance;  // absolute, as GruActivations.MatchPaddleFormulas allows
};

double SigmoidWant(double a) { return 1 / (1 + std::exp(-std::min(std::max(a, -40.0), 13.0))); }
double TanhWant(double a) { return 2 / (1 + std::exp(std::min(-2 * a, 40.0))) - 1; }
double ReluWant(double a) { return a > 0 ? a : 0; }

const Activation kActivations[] = {{"sigmoid", SigmoidInPlaceOn, SigmoidWant, 2e-7},
                                   {"tanh", TanhInPlaceOn, TanhWant, 3e-7},
                                   {"relu", ReluInPlaceOn, ReluWant, 0}};

// -100 to 100 in steps of 0.01 (20001 values: a tail of 1 after 16- and 8-wide vectors), then
// NaN and the infinities.
std::vector<float> Inputs() {
  std::vector<float> xs;
  for (int i = -10000; i <= 10000; ++i) xs.push_back(static_cast<float>(i) * 0.01f);
  xs.push_back(std::numeric_limits<float>::quiet_NaN());
  xs.push_back(std::numeric_limits<float>::infinity());
  xs.push_back(-std::numeric_limits<float>::infinity());
  return xs;
}

// act on the first n of xs on `isa`; the element after them must stay as it was.
std::vector<float> RunOn(const Activation& act, VectorIsa isa, const std::vector<float>& xs,
                         size_t n) {
  std::vector<float> v(xs.begin(), xs.begin() + n);
  v.push_back(1234.5f);
  act.run(isa, v.data(), static_cast<int64_t>(n));
  EXPECT_EQ(v.back(), 1234.5f) << act.name << " on " << VectorIsaName(isa) << " wrote past n=" << n;
  v.pop_back();
  return v;
}

TEST(VecMath, ActivationsMatchPaddleOnEveryIsa) {
  const std::vector<float> xs = Inputs();
  for (const Activation& act : kActivations) {
    for (VectorIsa isa : kVectorIsas) {
      if (!VectorIsaRuns(isa)) {
        std::printf("[ SKIPPED  ] %s on %s: this CPU or build lacks it\n", act.name,
                    VectorIsaName(isa));
        continue;
      }
      const std::vector<float> got = RunOn(act, isa, xs, xs.size());
      for (size_t i = 0; i < xs.size(); ++i) {
        if (std::isnan(xs[i]) && act.want != ReluWant) {
          ASSERT_TRUE(std::isnan(got[i])) << act.name << " on " << VectorIsaName(isa);
          continue;
        }
        const double want = act.want(std::isnan(xs[i]) ? 0.0 : xs[i]);
        if (std::isinf(want)) {
          ASSERT_EQ(got[i], want) << act.name << "(" << xs[i] << ") on " << VectorIsaName(isa);
          continue;
        }
        ASSERT_NEAR(got[i], want, act.tolerance)
            << act.name << "(" << xs[i] << ") on " << VectorIsaName(isa);
      }
    }
  }
}

// The AVX-512 loops compute each element with the same operations as the AVX2 ones (FMA
// contractions included), 16 lanes at a time instead of 8, so the bits agree for every length,
// whichever vector or scalar tail ends it.
TEST(VecMath, Avx512ActivationsHaveAvx2Bits) {
#ifndef PD_HAVE_AVX2_VARIANT
  GTEST_SKIP() << "this build has no AVX2 and AVX-512 variants";
#endif
  // Hardware this machine lacks (scripts/ctest_skips.sh lets such a skip pass, naming it).
  if (!CpuHasAvx512f()) GTEST_SKIP() << "this CPU lacks AVX-512";
  const std::vector<float> all = Inputs();
  std::vector<size_t> lengths(71);
  std::iota(lengths.begin(), lengths.end(), 0);
  lengths.push_back(all.size());
  for (const Activation& act : kActivations) {
    for (size_t n : lengths) {
      // Short lengths take varied values, a NaN among them.
      std::vector<float> xs = n == all.size() ? all : RandomFloats(n, 500 + n, -20, 20);
      if (n > 2 && n < all.size()) xs[n / 2] = std::numeric_limits<float>::quiet_NaN();
      const std::vector<float> avx2 = RunOn(act, VectorIsa::kAvx2, xs, n);
      const std::vector<float> avx512 = RunOn(act, VectorIsa::kAvx512, xs, n);
      ASSERT_TRUE(SameBits(avx2.data(), avx512.data(), n))
          << act.name << ", n=" << n;
    }
  }
}

// Signed zeros, NaN in either operand, infinities and a zero divisor among random values, at
// every length up to past two 16-float vectors and at a long one, out of place and in place
// (out = x, out = y), each instruction set against the baseline loop.
TEST(ElementwiseSameShape, EveryIsaGivesTheBaselineBits) {
  const char* const ops[] = {"elementwise_add", "elementwise_sub", "elementwise_mul",
                             "elementwise_div", "elementwise_max", "elementwise_min"};
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  std::vector<size_t> lengths(71);
  std::iota(lengths.begin(), lengths.end(), 0);
  lengths.push_back(20001);
  for (const char* op : ops) {
    for (size_t n : lengths) {
      std::vector<float> x = RandomFloats(n, 600 + n, -4, 4), y = RandomFloats(n, 700 + n, -4, 4);
      const std::vector<std::pair<float, float>> specials = {
          {0.0f, -0.0f}, {-0.0f, 0.0f}, {nan, 1.0f}, {1.0f, nan}, {inf, -inf}, {2.0f, 0.0f}};
      for (size_t i = 0; i < specials.size() && 3 * i < n; ++i) {
        x[3 * i] = specials[i].first;
        y[3 * i] = specials[i].second;
      }
      std::vector<float> want(n);
      ElementwiseSameShapeOn(VectorIsa::kScalar, op, x.data(), y.data(), want.data(), n);
      for (VectorIsa isa : kVectorIsas) {
        if (!VectorIsaRuns(isa)) continue;
        std::vector<float> out(n + 1, 1234.5f), into_x = x, into_y = y;
        ElementwiseSameShapeOn(isa, op, x.data(), y.data(), out.data(), n);
        ElementwiseSameShapeOn(isa, op, into_x.data(), y.data(), into_x.data(), n);
        ElementwiseSameShapeOn(isa, op, x.data(), into_y.data(), into_y.data(), n);
        ASSERT_TRUE(SameBits(out.data(), want.data(), n))
            << op << " on " << VectorIsaName(isa) << ", n=" << n;
        ASSERT_EQ(out[n], 1234.5f) << op << " on " << VectorIsaName(isa) << " wrote past n=" << n;
        ASSERT_TRUE(SameBits(into_x.data(), want.data(), n))
            << op << " on " << VectorIsaName(isa) << " into x, n=" << n;
        ASSERT_TRUE(SameBits(into_y.data(), want.data(), n))
            << op << " on " << VectorIsaName(isa) << " into y, n=" << n;
      }
    }
  }
}

// relu, relu6, leaky_relu and hard_swish, default and set attributes, on each instruction set
// against the baseline loop, out of place and in place, with signed zeros, NaN and infinities.
TEST(ActivationLoop, EveryIsaGivesTheBaselineBits) {
  const std::vector<OpBuilder> ops = {
      OpBuilder("relu"),
      OpBuilder("relu6"),
      OpBuilder("relu6").Float("threshold", 3),
      OpBuilder("leaky_relu"),
      OpBuilder("leaky_relu").Float("alpha", 0.3f),
      OpBuilder("hard_swish"),
      OpBuilder("hard_swish").Float("threshold", 5).Float("scale", 4).Float("offset", 2)};
  const float specials[] = {0.0f, -0.0f, std::numeric_limits<float>::quiet_NaN(),
                            std::numeric_limits<float>::infinity(),
                            -std::numeric_limits<float>::infinity()};
  std::vector<size_t> lengths(71);
  std::iota(lengths.begin(), lengths.end(), 0);
  lengths.push_back(20001);
  for (const OpBuilder& builder : ops) {
    const OpView op(&builder.desc());
    for (size_t n : lengths) {
      std::vector<float> x = RandomFloats(n, 800 + n, -10, 10);
      for (size_t i = 0; i < std::size(specials) && 2 * i < n; ++i) x[2 * i] = specials[i];
      std::vector<float> want(n);
      ActivationOn(VectorIsa::kScalar, op, x.data(), want.data(), n);
      if (op.type() == "leaky_relu") {  // its bit-mask select is the plain conditional
        const float alpha = op.GetFloat("alpha", 0.02f);
        for (size_t i = 0; i < n; ++i) {
          const float plain = x[i] > 0.0f ? x[i] : alpha * x[i];
          ASSERT_EQ(std::memcmp(&want[i], &plain, sizeof(float)), 0)
              << "leaky_relu(" << x[i] << ")";
        }
      }
      for (VectorIsa isa : kVectorIsas) {
        if (!VectorIsaRuns(isa)) continue;
        std::vector<float> out(n + 1, 1234.5f), in_place = x;
        ActivationOn(isa, op, x.data(), out.data(), n);
        ActivationOn(isa, op, in_place.data(), in_place.data(), n);
        ASSERT_TRUE(SameBits(out.data(), want.data(), n))
            << op.type() << " on " << VectorIsaName(isa) << ", n=" << n;
        ASSERT_EQ(out[n], 1234.5f) << op.type() << " on " << VectorIsaName(isa)
                                   << " wrote past n=" << n;
        ASSERT_TRUE(SameBits(in_place.data(), want.data(), n))
            << op.type() << " on " << VectorIsaName(isa) << " in place, n=" << n;
      }
    }
  }
}

}  // namespace
}  // namespace pd::test
