// The channel shuffle that shuffle_channel runs and its gradient runs backwards (a shuffle with
// C / g groups undoes one with g).
#pragma once

#include <cstdint>

#include "framework/tensor.h"

namespace pd {

// out = x with output channel j * g + i taken from input channel i * (C / g) + j; x plain or
// channels-last (out in the same layout).
void ShuffleChannels(const Tensor& x, int64_t g, int threads, Tensor* out);

}  // namespace pd
