// The channel shuffle's data movement (kernels/interleave.h) on every instruction set the CPU
// has, against its definition: each value lands where the definition puts it and nowhere else.
#include "kernels/interleave.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <vector>

namespace pd {
namespace {

// Distinct values, so a value in the wrong place cannot match by chance; the guard past the end
// checks that nothing is written beyond the last pair.
constexpr float kGuard = -1.0f;
constexpr int64_t kGuardLen = 40;

std::vector<float> Counting(int64_t n, float from) {
  std::vector<float> v(n);
  for (int64_t i = 0; i < n; ++i) v[i] = from + static_cast<float>(i);
  return v;
}

// Pair counts 0 .. 70 cover each vector loop with every remainder (AVX2: 8 pairs a step,
// AVX-512: 16), ShuffleNetV2's 29, 58 and 116 among them.
TEST(Interleave, PairsLandInOrderOnEveryIsa) {
  for (VectorIsa isa : kVectorIsas) {
    if (!VectorIsaRuns(isa)) {
      std::printf("[ SKIPPED  ] %s: this CPU or build lacks it\n", VectorIsaName(isa));
      continue;
    }
    for (int64_t pairs = 0; pairs <= 70; ++pairs) {
      const std::vector<float> a = Counting(pairs, 1000), b = Counting(pairs, 2000);
      std::vector<float> d(2 * pairs + kGuardLen, kGuard);
      InterleavePairsOn(isa, a.data(), b.data(), pairs, d.data());
      for (int64_t i = 0; i < pairs; ++i) {
        ASSERT_EQ(d[2 * i], a[i]) << VectorIsaName(isa) << " pairs=" << pairs << " i=" << i;
        ASSERT_EQ(d[2 * i + 1], b[i]) << VectorIsaName(isa) << " pairs=" << pairs << " i=" << i;
      }
      for (int64_t i = 2 * pairs; i < static_cast<int64_t>(d.size()); ++i)
        ASSERT_EQ(d[i], kGuard) << VectorIsaName(isa) << " wrote past the end, pairs=" << pairs;

      std::vector<float> a2(pairs + kGuardLen, kGuard), b2(pairs + kGuardLen, kGuard);
      DeinterleavePairsOn(isa, d.data(), pairs, a2.data(), b2.data());
      for (int64_t i = 0; i < pairs; ++i) {
        ASSERT_EQ(a2[i], a[i]) << VectorIsaName(isa) << " pairs=" << pairs << " i=" << i;
        ASSERT_EQ(b2[i], b[i]) << VectorIsaName(isa) << " pairs=" << pairs << " i=" << i;
      }
      for (int64_t i = pairs; i < static_cast<int64_t>(a2.size()); ++i) {
        ASSERT_EQ(a2[i], kGuard) << VectorIsaName(isa) << " wrote past a's end, pairs=" << pairs;
        ASSERT_EQ(b2[i], kGuard) << VectorIsaName(isa) << " wrote past b's end, pairs=" << pairs;
      }
    }
  }
}

}  // namespace
}  // namespace pd
