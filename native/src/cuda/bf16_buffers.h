// Host side of the GPU convolutions' bfloat16 copies (cuda/bf16_launch.h): scratch tensors that
// hold them, kept by the op's state so that a step allocates nothing after the first.
#pragma once

#include <cstdint>

#include "cuda/bf16_launch.h"
#include "framework/tensor.h"

namespace pd::cuda {

// Room for n bfloat16 values in scratch, on place.
inline uint16_t* Bf16Buffer(int64_t n, Place place, Tensor* scratch) {
  scratch->set_place(place);
  scratch->Resize({n});
  return static_cast<uint16_t*>(scratch->mutable_data_for_overwrite(DType::kBF16));
}

// src's n floats rounded to bfloat16, in scratch.
inline const uint16_t* Bf16Copy(const float* src, int64_t n, Place place, Tensor* scratch,
                                cudaStream_t stream) {
  uint16_t* p = Bf16Buffer(n, place, scratch);
  LaunchToBf16(src, p, n, stream);
  return p;
}

}  // namespace pd::cuda
