// The filter as a cuDNN convolution (cuda/conv.cc) and its gradient (cuda/conv_grad.cc) read
// it: KRSC order for channels-last (cuda/layout.h), bfloat16 for mixed precision
// (cuda/bf16_buffers.h), or the filter itself. The copies are kept by the op's state and redone
// when the filter's stamp changes (a training step updates it in place) or the form asked for
// does (an input shape that rules channels-last out: padding that depends on the image size).
// While a run is recorded they are always redone, and not trusted after: a launch of the
// recording redoes them from the filter as it is then, which the host cannot see.
#pragma once

#include <cstdint>

#include "cuda/bf16_buffers.h"
#include "cuda/cuda_device.h"
#include "cuda/layout.h"

namespace pd::cuda {

class ConvFilterCopies {
 public:
  const void* Get(const Tensor& filter, bool nhwc, bool bf16, cudaStream_t stream) {
    if (!nhwc && !bf16) return filter.data<float>();
    const bool recording = Recording();
    if (recording || stamp_ == 0 || stamp_ != filter.stamp() || nhwc != nhwc_ ||
        bf16 != bf16_wanted_) {
      // [K, C, R, S] to [K, R, S, C]: the filter as an image of K "batches" going channels-last.
      const float* f = nhwc ? InLayout(filter, true, &krsc_, stream) : filter.data<float>();
      if (bf16) Bf16Copy(f, filter.numel(), filter.place(), &bf16_, stream);
      stamp_ = recording ? 0 : filter.stamp();
      nhwc_ = nhwc;
      bf16_wanted_ = bf16;
    }
    return bf16 ? bf16_.raw_data() : krsc_.raw_data();
  }

 private:
  Tensor krsc_, bf16_;
  uint64_t stamp_ = 0;
  bool nhwc_ = false, bf16_wanted_ = false;  // the form the copies have
};

}  // namespace pd::cuda
