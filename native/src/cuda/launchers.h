// Launchers of the CUDA kernels of the element-wise, activation, softmax, tensor-shuffling and
// interpolation families: plain pointers and sizes in, work queued on the given stream. The .cu
// files define them; the host glue (the matching .cc files) reads the op and calls them. Only
// CUDA's runtime header here, so the .cu files stay free of the framework's (protobuf) headers.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

#include "cuda/bf16_launch.h"

namespace pd::cuda {

// Launch geometry of the grid-stride kernels (what op_util.h's Blocks gives the host glue,
// repeated here because the .cu files cannot include it).
constexpr int kLaunchThreads = 256;
inline unsigned LaunchBlocks(int64_t n) {
  const int64_t blocks = (n + kLaunchThreads - 1) / kLaunchThreads;
  return static_cast<unsigned>(blocks < 1 ? 1 : blocks > 65535 * 8 ? 65535 * 8 : blocks);
}

// ---- element-wise binary ops (elementwise.cu) ----------------------------------------------
// kAddRelu: relu(x + y), elementwise_add with fuse_activation "relu".
enum class BinaryOp { kAdd, kAddRelu, kSub, kMul, kDiv, kMax, kMin, kPow };

// Merged broadcast loops, outermost first (kernels/broadcast.h's BroadcastPlan): a step of 0
// means the operand does not vary along that dim.
constexpr int kMaxBroadcastDims = 8;
struct BroadcastShape {
  int rank = 0;
  int64_t size[kMaxBroadcastDims];
  int64_t x_step[kMaxBroadcastDims];
  int64_t y_step[kMaxBroadcastDims];
};

// out[i] = op(x[i], y[i]) for n elements.
template <typename T>
void LaunchBinarySame(BinaryOp op, const T* x, const T* y, T* out, int64_t n, cudaStream_t s);
// out[i] = x[i] + y[i], then max(·, 0) with relu, for n elements of which either operand may
// be stored in bfloat16 (cuda/layout.h); out is written in bfloat16 (rounded) when out_bf16.
void LaunchAddStored(FloatData x, FloatData y, bool relu, void* out, bool out_bf16, int64_t n,
                     cudaStream_t s);
// out = op(x, y) broadcast along shape; n = the product of its sizes.
template <typename T>
void LaunchBinaryBroadcast(BinaryOp op, const BroadcastShape& shape, const T* x, const T* y,
                           T* out, int64_t n, cudaStream_t s);

// scale: out = x * scale + bias, or (x + bias) * scale when !bias_after_scale.
template <typename T>
void LaunchScale(const T* x, T* out, int64_t n, T scale, T bias, bool bias_after_scale,
                 cudaStream_t s);

// ---- activations (activation.cu) ------------------------------------------------------------
enum class ActKind {
  kRelu, kRelu6, kLeakyRelu, kSigmoid, kTanh, kSwish, kHardSwish, kHardSigmoid, kSqrt,
  kMulConst,  // out = x * a: dropout at inference
};
// The attributes of one activation; what a, b, c mean depends on the kind (activation.cc).
struct ActParams {
  float a = 0, b = 0, c = 0;
};
void LaunchActivation(ActKind kind, ActParams p, const float* x, float* out, int64_t n,
                      cudaStream_t s);

// ---- softmax (softmax.cu) -------------------------------------------------------------------
// x viewed as [outer, n, inner], softmax along n.
void LaunchSoftmax(const float* x, float* out, int64_t outer, int64_t n, int64_t inner,
                   cudaStream_t s);

// ---- concat / split / transpose / shuffle_channel (tensor_ops.cu) ---------------------------
// Up to kMaxPieces inputs of concat (or outputs of split) per launch. Each piece is `outer`
// rows of block[k] elements; in the whole tensor a row holds `row` elements and the piece's
// part of it starts at offset[k].
constexpr int kMaxPieces = 16;
struct Pieces {
  int count = 0;
  void* ptr[kMaxPieces];
  int64_t block[kMaxPieces];
  int64_t offset[kMaxPieces];
};
// concat when gather (pieces -> whole), split otherwise (whole -> pieces); elem: bytes per
// element (1, 2, 4 or 8).
void LaunchConcatSplit(bool gather, const Pieces& pieces, void* whole, int64_t outer,
                       int64_t row, int elem, cudaStream_t s);

// out (dims out_size, rank <= kMaxTransposeDims) element i with out index (i0, i1, ..) reads
// x at sum(ik * in_stride[k]).
constexpr int kMaxTransposeDims = 8;
struct TransposeShape {
  int rank = 0;
  int64_t out_size[kMaxTransposeDims];
  int64_t in_stride[kMaxTransposeDims];
};
void LaunchTranspose(const TransposeShape& shape, const void* x, void* out, int64_t n, int elem,
                     cudaStream_t s);

// [N, C, H*W] with C = group * per: out channel j * group + i = in channel i * per + j.
// elem: bytes per element, 4 (float32) or 2 (bfloat16, cuda/layout.h).
void LaunchShuffleChannel(const void* x, void* out, int elem, int64_t n, int64_t group,
                          int64_t per, int64_t spatial, cudaStream_t s);

// ---- interpolation (interp.cu) --------------------------------------------------------------
struct InterpShape {
  int64_t images;  // N * C
  int in_h, in_w, out_h, out_w;
  float ratio_h, ratio_w;  // kernels/interp.cc's Ratio
  bool align_corners;
  int align_mode;
};
void LaunchNearestInterp(const InterpShape& p, const float* x, float* out, cudaStream_t s);
void LaunchBilinearInterp(const InterpShape& p, const float* x, float* out, cudaStream_t s);

}  // namespace pd::cuda
