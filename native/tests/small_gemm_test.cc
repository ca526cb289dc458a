// The recurrent-step products against a double-precision triple loop, over every tail of the
// 6-row by 16/8-column tiling, with leading dimensions wider than the operands.
#include <gtest/gtest.h>

#include <cmath>

#include "kernels/small_gemm.h"
#include "test_util.h"

namespace pd::test {
namespace {

void ExpectMatchesReference(int64_t m, int64_t k, int64_t n) {
  const int64_t ldx = k + 3, lda = n + 5, ldy = n + 7;
  const std::vector<float> x = RandomFloats(m * ldx, 11, -1, 1);
  const std::vector<float> a = RandomFloats(k * lda, 12, -1, 1);
  std::vector<float> y = RandomFloats(m * ldy, 13, -1, 1);
  std::vector<double> want(y.begin(), y.end());
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      for (int64_t p = 0; p < k; ++p) want[i * ldy + j] += double(x[i * ldx + p]) * a[p * lda + j];
    }
  }
  const std::vector<float> before = y;
  AddRowsTimesMatrix(m, k, n, x.data(), ldx, a.data(), lda, y.data(), ldy);
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < ldy; ++j) {
      const int64_t at = i * ldy + j;
      if (j < n) {
        ASSERT_NEAR(y[at], want[at], 1e-5 * (k + 1)) << "m=" << m << " k=" << k << " n=" << n
                                                     << " at [" << i << "," << j << "]";
      } else {
        ASSERT_EQ(y[at], before[at]) << "wrote past column n at [" << i << "," << j << "]";
      }
    }
  }
}

TEST(SmallGemm, RowsTimesMatrixEveryTileTail) {
  for (int64_t m : {1, 2, 3, 4, 5, 6, 7, 12, 13, 32}) {
    for (int64_t n : {1, 7, 8, 9, 16, 24, 25, 128, 131}) {
      for (int64_t k : {1, 5, 128}) ExpectMatchesReference(m, k, n);
    }
  }
}

TEST(SmallGemm, ZeroSizesLeaveYAlone) {
  std::vector<float> y = {1, 2, 3};
  const std::vector<float> x = {4}, a = {5};
  AddRowsTimesMatrix(0, 1, 1, x.data(), 1, a.data(), 1, y.data(), 1);
  AddRowsTimesMatrix(1, 1, 0, x.data(), 1, a.data(), 1, y.data(), 1);
  AddRowsTimesMatrix(1, 0, 1, x.data(), 1, a.data(), 1, y.data(), 1);
  EXPECT_EQ(y, (std::vector<float>{1, 2, 3}));
}

TEST(SmallGemm, RowTimesMatrixMatchesRowsTimesMatrix) {
  const int64_t k = 37, n = 45;
  const std::vector<float> x = RandomFloats(k, 3, -1, 1), a = RandomFloats(k * n, 4, -1, 1);
  std::vector<float> one = RandomFloats(n, 5, -1, 1), many = one;
  AddRowTimesMatrix(k, n, x.data(), a.data(), n, one.data());
  AddRowsTimesMatrix(1, k, n, x.data(), k, a.data(), n, many.data(), n);
  for (int64_t j = 0; j < n; ++j) EXPECT_NEAR(one[j], many[j], 1e-5) << j;
}

}  // namespace
}  // namespace pd::test
