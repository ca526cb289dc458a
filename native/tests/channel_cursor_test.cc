// The GPU kernels' ChannelCursor (cuda/channel_cursor.h) against the divisions it replaces, for
// every start and step a grid-stride loop can have over small shapes and for the steps of real
// launches over ResNet-50's batch-norm shapes.
#include "cuda/channel_cursor.h"

#include <gtest/gtest.h>

#include <cstdint>

namespace pd::cuda {
namespace {

// Walks from i by step up to total, as a kernel does, and checks each position.
void ExpectWalk(int64_t i, int64_t step, int64_t total, int64_t inner, int64_t channels) {
  ChannelCursor at(i, step, inner, channels);
  for (; i < total; i += step, at.Advance()) {
    ASSERT_EQ(at.k, i % inner) << "i " << i << " step " << step << " inner " << inner;
    ASSERT_EQ(at.c, i / inner % channels) << "i " << i << " step " << step << " inner " << inner;
  }
}

TEST(ChannelCursor, EveryStartAndStepOfSmallShapes) {
  for (int64_t inner : {1, 2, 3, 4, 7, 49})
    for (int64_t channels : {1, 2, 3, 5, 16}) {
      const int64_t total = 3 * inner * channels + 5;  // a partial last run
      for (int64_t step = 1; step <= 2 * total; ++step)
        for (int64_t i = 0; i < step && i < total; ++i)
          ExpectWalk(i, step, total, inner, channels);
    }
}

TEST(ChannelCursor, RunIndexWithoutWrap) {
  // channels = INT64_MAX: c is the index of the run itself (the plane sums' outer index).
  for (int64_t inner : {1, 3, 49, 3136})
    for (int64_t step : {1, 7, 256, 5000}) ExpectWalk(5, step, 40000, inner, INT64_MAX);
}

TEST(ChannelCursor, LaunchStepsOverResNetShapes) {
  // Batch 64; the kernels' step is gridDim·blockDim, at most 65535·16 blocks of 256 threads,
  // in units of 4 floats when the run is a multiple of 4.
  struct Shape {
    int64_t channels, inner;
  };
  for (const Shape s : {Shape{64, 12544}, Shape{256, 3136}, Shape{512, 196}, Shape{2048, 49},
                        Shape{2048, 49 * 64}}) {
    const int64_t total = 64 * s.channels * s.inner;
    for (int64_t step : {int64_t{65535} * 16 * 256, total / 3 + 1, int64_t{256}}) {
      for (int64_t i : {int64_t{0}, int64_t{255}, step - 1}) {
        // A sampled walk: every position of the first 2000 steps.
        ChannelCursor at(i, step, s.inner, s.channels);
        for (int64_t n = 0, j = i; n < 2000 && j < total; ++n, j += step, at.Advance()) {
          ASSERT_EQ(at.k, j % s.inner);
          ASSERT_EQ(at.c, j / s.inner % s.channels);
        }
      }
    }
  }
}

}  // namespace
}  // namespace pd::cuda
