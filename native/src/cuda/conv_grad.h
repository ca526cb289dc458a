// Device code for the conv gradients' host glue (conv_grad.cc): the copies that bring an image
// to the NCHW, evenly padded form cuDNN takes and back, and the bias gradient. Plain pointers and
// sizes only, so the .cu file needs no engine headers.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

namespace pd::cuda {

// A dense image [n, c, h, w], stored channels-last when nhwc.
struct ImageGeometry {
  int64_t n, c, h, w;
  bool nhwc;
};

// dst[n, c, y, x] = src[n, c, y + dy, x + dx], 0 where that cell lies outside src: with negative
// offsets it pads, with positive ones it crops, and from and to may differ in layout. Both have
// the same n and c.
void LaunchShiftImage(const float* src, const ImageGeometry& from, float* dst,
                      const ImageGeometry& to, int64_t dy, int64_t dx, cudaStream_t stream);

// db[c] = the sum of y[·, c, ·, ·], added in the same order on every run.
void LaunchChannelSum(const float* y, const ImageGeometry& g, float* db, cudaStream_t stream);

}  // namespace pd::cuda
