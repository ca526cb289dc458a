// Host-side plans shared by the tensor ops (tensor_ops.cc) and their grads (shape_grad.cc): a
// grad moves the same bytes the other way, so it plans with the same rules.
#pragma once

#include <vector>

#include "cuda/launchers.h"
#include "framework/op_registry.h"

namespace pd::cuda {

// Bytes per element of dtype; fails naming the op for sizes the byte-moving kernels lack.
int ElementBytes(const OpContext& ctx, DType dtype);

// The element bytes of a tensor whose values an op moves unchanged: 2 where it is stored in
// bfloat16 (cuda/layout.h), else ElementBytes of its type.
int MovedElementBytes(const OpContext& ctx, const Tensor& from);
// Room for out, which receives values of `from` unchanged, stored as from is: in bfloat16 (out
// staying float32 to the engine) or plain in from's type.
void* MovedInto(Tensor* out, const Tensor& from);

// The axis in [0, rank): AxisTensor (copied to the host) when given, else the axis attribute.
int ConcatAxis(OpContext& ctx, int rank);

// The launch shape of out = in transposed by perm (out dim i is in dim perm[i]; negative
// entries count from the end). Size-1 dims are dropped and out dims that are neighbours in
// `in` merged, so the kernel decomposes as few indices as possible.
TransposeShape PermutedShape(const OpContext& ctx, const Dims& in, const std::vector<int64_t>& perm);

}  // namespace pd::cuda
