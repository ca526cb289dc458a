// kernels/blas.cc splits a GEMM into row or column blocks over threads; every block must land
// where the whole product would. Checked against a double-precision product for each transpose
// combination, with shapes that split by rows, by columns, unevenly, and not at all, and with
// the single-row and single-column shapes that run as matrix-vector products.
#include <gtest/gtest.h>

#include <cmath>

#include "kernels/blas.h"
#include "test_util.h"

namespace pd::test {
namespace {

struct Shape {
  int64_t m, n, k;
};

TEST(Sgemm, ThreadBlocksMatchTheWholeProduct) {
  const Shape shapes[] = {{513, 130, 67}, {3, 4099, 300}, {1, 1000, 2048}, {300, 1, 77}, {1, 1, 9}, {7, 5, 3}};
  for (const Shape& s : shapes) {
    for (int t = 0; t < 4; ++t) {
      const bool ta = t & 1, tb = t & 2;
      const auto a = RandomFloats(s.m * s.k, 1 + t);
      const auto b = RandomFloats(s.k * s.n, 11 + t);
      const int64_t lda = ta ? s.m : s.k, ldb = tb ? s.k : s.n;
      for (int run = 0; run < 6; ++run) {
        const int threads = 1 + run % 3;
        // beta 1 over a non-zero C, as fc runs it over the bias rows; beta 0 over a C of NaNs,
        // as a fresh output buffer may hold.
        const bool accumulate = run < 3;
        std::vector<float> c(s.m * s.n, accumulate ? 0.5f : std::nanf(""));
        Sgemm(ta, tb, s.m, s.n, s.k, 1.5f, a.data(), lda, b.data(), ldb, accumulate ? 1.0f : 0.0f,
              c.data(), s.n, threads);
        int bad = 0;
        for (int64_t i = 0; i < s.m && bad < 3; ++i)
          for (int64_t j = 0; j < s.n && bad < 3; ++j) {
            double want = 0;
            for (int64_t p = 0; p < s.k; ++p)
              want += double(ta ? a[p * lda + i] : a[i * lda + p]) *
                      double(tb ? b[j * ldb + p] : b[p * ldb + j]);
            want = 1.5 * want + (accumulate ? 0.5 : 0.0);
            const double got = c[i * s.n + j];
            if (!(std::abs(got - want) <= 1e-4 * (1 + std::abs(want)))) {
              ADD_FAILURE() << s.m << "x" << s.n << "x" << s.k << " trans " << ta << tb << " on "
                            << threads << " threads: C[" << i << "," << j << "] = " << got
                            << ", want " << want;
              ++bad;
            }
          }
      }
    }
  }
}

}  // namespace
}  // namespace pd::test
