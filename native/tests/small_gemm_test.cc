// The recurrent-step product against a double-precision triple loop, over every tail of the
// row tiling (6 rows, or 1-3 rows on wider tiles) and of the 32-column panels and their
// 16/8/1-column tiles, with leading dimensions wider than the operands.
#include <gtest/gtest.h>

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
  PackedMatrix packed;
  packed.Pack(k, n, a.data(), lda);
  ASSERT_EQ(packed.k(), k);
  ASSERT_EQ(packed.n(), n);
  AddRowsTimesPacked(m, x.data(), ldx, packed, y.data(), ldy);
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

TEST(SmallGemm, RowsTimesPackedEveryTileTail) {
  for (int64_t m : {1, 2, 3, 4, 5, 6, 7, 12, 13, 32}) {
    for (int64_t n : {1, 7, 8, 9, 16, 24, 25, 32, 33, 57, 128, 131, 256}) {
      for (int64_t k : {1, 5, 128}) ExpectMatchesReference(m, k, n);
    }
  }
}

TEST(SmallGemm, EmptyProductsLeaveYAlone) {
  std::vector<float> y = {1, 2, 3};
  const std::vector<float> x = {4}, a = {5};
  PackedMatrix one, no_cols, no_rows;
  one.Pack(1, 1, a.data(), 1);
  no_cols.Pack(1, 0, a.data(), 1);
  no_rows.Pack(0, 1, a.data(), 1);
  AddRowsTimesPacked(0, x.data(), 1, one, y.data(), 1);
  AddRowsTimesPacked(1, x.data(), 1, no_cols, y.data(), 1);
  AddRowsTimesPacked(1, x.data(), 1, no_rows, y.data(), 1);
  EXPECT_EQ(y, (std::vector<float>{1, 2, 3}));
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
