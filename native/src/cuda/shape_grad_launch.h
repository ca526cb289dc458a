// Device code of the shape grads' host glue (shape_grad.cc) that the shared tensor launchers do
// not cover. Plain pointers and sizes only, so the .cu file needs no engine headers.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

namespace pd::cuda {

// fill_any_like: every one of n elements set to value converted to the element type (as a C++
// cast does).
enum class FillType : int { kFP32, kFP64, kInt32, kInt64 };
void LaunchFill(FillType type, void* out, int64_t n, float value, cudaStream_t s);

}  // namespace pd::cuda
