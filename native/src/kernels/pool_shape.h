// pool2d's geometry, shared by the forward kernel (pool.cc) and its gradient (pool_grad.cc):
// the window, the output size, and each output cell's span of input cells.
#pragma once

#include <cstdint>

#include "framework/op_registry.h"
#include "kernels/window.h"

namespace pd {

struct PoolShape {
  ImageDims in, out;
  Window2d win;
  bool max, adaptive, exclusive;
};

// From the op's attributes and its X input (the forward op's, or the grad op's copy of them).
PoolShape PoolShapeOf(const OpContext& ctx);

// The input cells [begin, end) of output cell o along one axis, and the divisor Paddle uses for a
// non-exclusive average: the window clipped to the padded border but not to the input.
struct Span {
  int64_t begin, end, padded;
};
Span WindowSpan(const PoolShape& s, int i, int64_t o, int64_t in, int64_t out);

}  // namespace pd
