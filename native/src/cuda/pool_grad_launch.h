// Device code for pool2d_grad (pool_grad.cc). Plain pointers and sizes only, so the .cu file
// needs no engine headers.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

#include "cuda/dense_launch.h"

namespace pd::cuda {

// X@GRAD of pool2d (geometry a, as the forward's): every input cell gathers, in the order of
// the windows (row-major over the output), the gradient of each window that contains it, so that
// no two threads write one cell. Max pooling routes a window's gradient to the first cell
// (row-major in the window) equal to its output y; argmax: scratch of one int per output cell,
// unused (may be null) for average pooling. x, y and dy may be stored in bfloat16
// (cuda/layout.h); dx is stored as dy is.
void LaunchPool2dGrad(FloatData x, FloatData y, FloatData dy, void* dx, const PoolArgs& a,
                      int32_t* argmax, cudaStream_t stream);

}  // namespace pd::cuda
