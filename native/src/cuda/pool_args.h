// The pooling kernels' arguments from kernels/pool_shape.h's geometry: the forward (pool.cc)
// and its gradient (pool_grad.cc) launch over the same windows.
#pragma once

#include "cuda/dense_launch.h"
#include "kernels/pool_shape.h"

namespace pd::cuda {

inline PoolArgs PoolArgsOf(const PoolShape& s) {
  PoolArgs a{};
  a.n = s.in.n, a.c = s.in.c, a.in_h = s.in.h, a.in_w = s.in.w, a.out_h = s.out.h,
  a.out_w = s.out.w;
  for (int i = 0; i < 2; ++i) {
    a.k[i] = s.win.k[i];
    a.stride[i] = s.win.stride[i];
    a.pad_begin[i] = s.win.pad_begin[i];
  }
  a.nhwc = s.in.nhwc, a.max = s.max, a.adaptive = s.adaptive, a.exclusive = s.exclusive;
  return a;
}

}  // namespace pd::cuda
