// ChannelCursor: where a flat index of a tensor seen as [outer, channels, inner] lies, kept up
// to date as the index advances by a fixed step, without dividing per element. Host and device
// code alike, so that the CPU tests check it (native/tests/channel_cursor_test.cc).
#pragma once

#include <cstdint>

#ifdef __CUDACC__
#define PD_HOST_DEVICE __host__ __device__
#else
#define PD_HOST_DEVICE
#endif

namespace pd::cuda {

// A grid-stride kernel over a per-channel tensor divides once per thread instead of twice per
// element: 64-bit divisions per element made such memory-bound kernels bound by arithmetic.
// k: the offset within the run of inner elements; c: the channel (the run's index modulo
// channels; with channels = INT64_MAX, the run's index itself).
struct ChannelCursor {
  int64_t k, c, dk, dc, inner, channels;
  PD_HOST_DEVICE ChannelCursor(int64_t i, int64_t step, int64_t inner_, int64_t channels_)
      : k(i % inner_),
        c(i / inner_ % channels_),
        dk(step % inner_),
        dc(step / inner_ % channels_),
        inner(inner_),
        channels(channels_) {}
  PD_HOST_DEVICE void Advance() {
    k += dk;
    c += dc;
    if (k >= inner) {
      k -= inner;
      ++c;
    }
    if (c >= channels) c -= channels;  // c < 2·channels: dc < channels and one carry
  }
};

}  // namespace pd::cuda
