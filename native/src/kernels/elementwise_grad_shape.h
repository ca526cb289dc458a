// How an element-wise op's operand lines up with its output, as its grad reduces back to it:
// shared by the CPU grad kernels (elementwise_grad.cc) and the GPU's.
#pragma once

#include <cstdint>

#include "framework/error.h"
#include "framework/tensor.h"

namespace pd {

// target's dims spread over out's rank: 1 outside [axis, axis + rank(target)) (Paddle's axis;
// -1: aligned to the end).
inline Dims AlignedDims(const Dims& out, const Dims& target, int64_t axis, const char* slot) {
  const int64_t r = static_cast<int64_t>(out.size()), t = static_cast<int64_t>(target.size());
  if (axis < 0) axis = r - t;
  PD_CHECK(axis >= 0 && axis + t <= r, "elementwise grad: ", slot, " ", DimsToString(target),
           " does not fit the output ", DimsToString(out), " at axis ", axis);
  Dims d(out.size(), 1);
  for (int64_t i = 0; i < t; ++i) {
    PD_CHECK(target[i] == out[axis + i] || target[i] == 1, "elementwise grad: ", slot, " ",
             DimsToString(target), " does not broadcast to ", DimsToString(out));
    d[axis + i] = target[i];
  }
  return d;
}

// An operand shaped like the output gets dOut itself: its gradient views dOut's buffer (LoD
// kept), as reshape2_grad's does. A kernel that later writes into either takes a fresh buffer
// while it is shared (Tensor::mutable_data), so the view is never written through.
inline void ShareOutGrad(const Tensor& dout, Tensor* grad) {
  LoD lod = grad->lod();
  grad->ShareDataWith(dout);
  grad->set_lod(std::move(lod));
}

}  // namespace pd
