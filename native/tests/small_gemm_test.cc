// The recurrent-step product on every path this CPU runs (scalar, AVX2, AVX-512) against a
// double-precision triple loop, over every tail of the row tiling (6 rows, or fewer rows on
// wider tiles), of the 32-column panels and of their 16/8-column vectors and tiles, with leading
// dimensions wider than the operands.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <string>

#include "kernels/small_gemm.h"
#include "test_util.h"

namespace pd::test {
namespace {

constexpr SmallGemmPath kPaths[] = {SmallGemmPath::kScalar, SmallGemmPath::kAvx2,
                                    SmallGemmPath::kAvx512};

std::string PathName(SmallGemmPath path) {
  switch (path) {
    case SmallGemmPath::kScalar: return "scalar";
    case SmallGemmPath::kAvx2: return "AVX2";
    case SmallGemmPath::kAvx512: return "AVX-512";
  }
  return "?";
}

// The paths add the same k+1 terms (y and the k products) in different orders and with or
// without FMA. Whatever the order, each term passes through at most k+1 roundings, so every
// path is within gamma(k+1) * sum|terms| of the exact sum, gamma(n) = n*u / (1 - n*u) with
// u = 2^-24 (Higham, Accuracy and Stability of Numerical Algorithms, 2nd ed., §3.1), and any
// two paths, AVX-512 and AVX2 included, within twice that of each other.
void ExpectMatchesReference(SmallGemmPath path, int64_t m, int64_t k, int64_t n) {
  const int64_t ldx = k + 3, lda = n + 5, ldy = n + 7;
  const std::vector<float> x = RandomFloats(m * ldx, 11, -1, 1);
  const std::vector<float> a = RandomFloats(k * lda, 12, -1, 1);
  std::vector<float> y = RandomFloats(m * ldy, 13, -1, 1);
  std::vector<double> want(y.begin(), y.end());
  std::vector<double> magnitude(y.size());
  for (size_t i = 0; i < y.size(); ++i) magnitude[i] = std::fabs(y[i]);
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      for (int64_t p = 0; p < k; ++p) {
        const double term = double(x[i * ldx + p]) * a[p * lda + j];
        want[i * ldy + j] += term;
        magnitude[i * ldy + j] += std::fabs(term);
      }
    }
  }
  const double u = std::ldexp(1.0, -24), gamma = (k + 1) * u / (1 - (k + 1) * u);
  const std::vector<float> before = y;
  PackedMatrix packed;
  packed.Pack(k, n, a.data(), lda);
  ASSERT_EQ(packed.k(), k);
  ASSERT_EQ(packed.n(), n);
  ASSERT_EQ(reinterpret_cast<uintptr_t>(packed.panel(0)) % 64, 0u) << "packed off a cache line";
  AddRowsTimesPackedOn(path, m, x.data(), ldx, packed, y.data(), ldy);
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < ldy; ++j) {
      const int64_t at = i * ldy + j;
      if (j < n) {
        ASSERT_NEAR(y[at], want[at], gamma * magnitude[at])
            << PathName(path) << " m=" << m << " k=" << k << " n=" << n << " at [" << i << ","
            << j << "]";
      } else {
        ASSERT_EQ(y[at], before[at]) << PathName(path) << " wrote past column n at [" << i << ","
                                     << j << "]";
      }
    }
  }
}

// n: under one 8- or 16-column vector, on and beside vector and panel edges (24, 40: multiples
// of 8 but not of 16; 7, 15, 57, 100, 131: of neither), and 1 to 8 whole panels with and
// without a narrow last one, which covers each grouping of whole panels in the AVX-512 tiles
// (4, 2, 1 panels). k: 1, not a multiple of 4 (the one-row AVX-512 path's 4 sums), and large.
TEST(SmallGemm, RowsTimesPackedEveryPathEveryTileTail) {
  for (SmallGemmPath path : kPaths) {
    if (!SmallGemmPathRuns(path)) {
      std::printf("[ SKIPPED  ] the %s path: this CPU or build lacks it\n", PathName(path).c_str());
      continue;
    }
    for (int64_t m : {1, 2, 3, 4, 5, 6, 7, 12, 13, 32}) {
      for (int64_t n : {1, 7, 8, 9, 15, 16, 17, 24, 25, 32, 33, 40, 57, 64, 96, 100, 128, 131,
                        200, 256}) {
        for (int64_t k : {1, 5, 128, 1031}) ExpectMatchesReference(path, m, k, n);
      }
    }
  }
}

TEST(SmallGemm, EmptyProductsLeaveYAlone) {
  const std::vector<float> x = {4}, a = {5};
  PackedMatrix one, no_cols, no_rows;
  one.Pack(1, 1, a.data(), 1);
  no_cols.Pack(1, 0, a.data(), 1);
  no_rows.Pack(0, 1, a.data(), 1);
  for (SmallGemmPath path : kPaths) {
    if (!SmallGemmPathRuns(path)) continue;
    std::vector<float> y = {1, 2, 3};
    AddRowsTimesPackedOn(path, 0, x.data(), 1, one, y.data(), 1);
    AddRowsTimesPackedOn(path, 1, x.data(), 1, no_cols, y.data(), 1);
    AddRowsTimesPackedOn(path, 1, x.data(), 1, no_rows, y.data(), 1);
    EXPECT_EQ(y, (std::vector<float>{1, 2, 3})) << PathName(path);
  }
}

TEST(SmallGemm, RepackingReplacesTheMatrix) {
  const std::vector<float> a1 = {1, 2, 3, 4}, a2 = {10, 20};
  const std::vector<float> x = {1, 1};
  PackedMatrix packed;
  packed.Pack(2, 2, a1.data(), 2);
  packed.Pack(1, 2, a2.data(), 2);
  std::vector<float> y = {0, 0};
  AddRowsTimesPacked(1, x.data(), 1, packed, y.data(), 2);
  EXPECT_EQ(y, (std::vector<float>{10, 20}));
}

}  // namespace
}  // namespace pd::test
