// Runs flush denormal floats to zero, as Paddle's executors do (framework/denormals.h): a
// product below float's normal range comes out 0 (flush to zero), a denormal input counts as 0
// (denormals are zero), on every math thread; and the calling thread's floating-point state is
// its own again after the run.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "test_util.h"

#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>
#endif
#ifdef _OPENMP
#include <omp.h>
#endif

namespace pd::test {
namespace {

TEST(Denormals, RunsFlushThemToZeroOnEveryThreadAndRestoreTheCaller) {
#if !(defined(__x86_64__) || defined(__i386__))
  GTEST_SKIP() << "denormals are flushed on x86 only";
#else
  const unsigned before = _mm_getcsr();
  const float tiny = 1e-39f;  // denormal
  ASSERT_EQ(std::fpclassify(tiny), FP_SUBNORMAL);
#ifdef _OPENMP
  // The math threads made before any run (as loading a model may make them) keep denormals
  // until a run flushes them: threads made during a run would inherit the caller's state.
  int team = 0;
#pragma omp parallel num_threads(2)
  {
#pragma omp atomic
    ++team;
  }
  ASSERT_EQ(team, 2);
#endif
  for (const int threads : {1, 2}) {
    // Enough elements for the element-wise kernels to split over two threads.
    const int64_t n = 1 << 20;
    Scope s;
    std::vector<float> x(n, 1e-20f);
    x[n - 1] = tiny;
    SetTensor<float>(&s, "x", {n}, x);
    SetTensor<float>(&s, "small", {n}, std::vector<float>(n, 1e-20f));
    SetTensor<float>(&s, "two", {n}, std::vector<float>(n, 2.0f));
    // 1e-20 · 1e-20 = 1e-40 would be denormal; 2 · tiny is denormal from a denormal.
    RunOp(OpBuilder("elementwise_mul").In("X", {"x"}).In("Y", {"small"}).Out("Out", {"y"}), &s,
          threads);
    RunOp(OpBuilder("elementwise_mul").In("X", {"x"}).In("Y", {"two"}).Out("Out", {"z"}), &s,
          threads);
    const std::vector<float> y = GetTensor<float>(s, "y"), z = GetTensor<float>(s, "z");
    for (int64_t i = 0; i < n; ++i)
      ASSERT_EQ(y[i], 0.0f) << "element " << i << " of " << n << ", " << threads << " threads";
    EXPECT_EQ(z[0], 2e-20f);
    EXPECT_EQ(z[n - 1], 0.0f) << "a denormal input counts as zero";
  }
  EXPECT_EQ(_mm_getcsr(), before) << "the caller's floating-point state after the runs";
  EXPECT_EQ(std::fpclassify(tiny * 0.5f), FP_SUBNORMAL) << "denormals outside runs";
#endif
}

}  // namespace
}  // namespace pd::test
