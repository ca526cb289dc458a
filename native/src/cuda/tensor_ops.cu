// Data movement: concat/split (blocks of contiguous elements side by side along an axis),
// transpose (any permutation) and shuffle_channel. Elements are moved as unsigned integers of
// their width, so any element type goes through the same kernels.
#include "cuda/launchers.h"

namespace pd::cuda {
namespace {

// grid.y picks the piece; the x blocks stride over its outer * block elements.
template <typename E, bool kGather>
__global__ void ConcatSplitKernel(Pieces pieces, E* whole, int64_t outer, int64_t row) {
  const int k = blockIdx.y;
  const int64_t block = pieces.block[k], offset = pieces.offset[k];
  E* piece = static_cast<E*>(pieces.ptr[k]);
  const int64_t n = outer * block;
  const int64_t stride = int64_t{gridDim.x} * blockDim.x;
  for (int64_t i = int64_t{blockIdx.x} * blockDim.x + threadIdx.x; i < n; i += stride) {
    const int64_t w = (i / block) * row + offset + i % block;
    if (kGather) {
      whole[w] = piece[i];
    } else {
      piece[i] = whole[w];
    }
  }
}

template <typename E>
void ConcatSplit(bool gather, const Pieces& pieces, void* whole, int64_t outer, int64_t row,
                 cudaStream_t s) {
  int64_t largest = 0;
  for (int k = 0; k < pieces.count; ++k)
    largest = pieces.block[k] > largest ? pieces.block[k] : largest;
  if (largest == 0 || outer == 0) return;
  const dim3 grid(LaunchBlocks(outer * largest), pieces.count);
  if (gather) {
    ConcatSplitKernel<E, true><<<grid, kLaunchThreads, 0, s>>>(pieces, static_cast<E*>(whole),
                                                               outer, row);
  } else {
    ConcatSplitKernel<E, false><<<grid, kLaunchThreads, 0, s>>>(pieces, static_cast<E*>(whole),
                                                                outer, row);
  }
}

template <typename E>
__global__ void TransposeKernel(TransposeShape shape, const E* __restrict__ x,
                                E* __restrict__ out, int64_t n) {
  const int64_t stride = int64_t{gridDim.x} * blockDim.x;
  for (int64_t i = int64_t{blockIdx.x} * blockDim.x + threadIdx.x; i < n; i += stride) {
    int64_t rest = i, src = 0;
    for (int d = shape.rank - 1; d >= 0; --d) {
      src += (rest % shape.out_size[d]) * shape.in_stride[d];
      rest /= shape.out_size[d];
    }
    out[i] = x[src];
  }
}

template <typename E>
void Transpose(const TransposeShape& shape, const void* x, void* out, int64_t n, cudaStream_t s) {
  TransposeKernel<E><<<LaunchBlocks(n), kLaunchThreads, 0, s>>>(
      shape, static_cast<const E*>(x), static_cast<E*>(out), n);
}

template <typename E>
__global__ void ShuffleChannelKernel(const E* __restrict__ x, E* __restrict__ out, int64_t total,
                                     int64_t group, int64_t per, int64_t spatial) {
  const int64_t channels = group * per;
  const int64_t stride = int64_t{gridDim.x} * blockDim.x;
  for (int64_t i = int64_t{blockIdx.x} * blockDim.x + threadIdx.x; i < total; i += stride) {
    const int64_t s = i % spatial;
    const int64_t c = (i / spatial) % channels;
    const int64_t img = i / (spatial * channels);
    // Out channel c = a * group + b comes from in channel b * per + a.
    const int64_t from = (c % group) * per + c / group;
    out[i] = x[(img * channels + from) * spatial + s];
  }
}

}  // namespace

void LaunchConcatSplit(bool gather, const Pieces& pieces, void* whole, int64_t outer,
                       int64_t row, int elem, cudaStream_t s) {
  switch (elem) {
    case 1: return ConcatSplit<uint8_t>(gather, pieces, whole, outer, row, s);
    case 2: return ConcatSplit<uint16_t>(gather, pieces, whole, outer, row, s);
    case 4: return ConcatSplit<uint32_t>(gather, pieces, whole, outer, row, s);
    case 8: return ConcatSplit<uint64_t>(gather, pieces, whole, outer, row, s);
  }
}

void LaunchTranspose(const TransposeShape& shape, const void* x, void* out, int64_t n, int elem,
                     cudaStream_t s) {
  if (n == 0) return;
  switch (elem) {
    case 1: return Transpose<uint8_t>(shape, x, out, n, s);
    case 2: return Transpose<uint16_t>(shape, x, out, n, s);
    case 4: return Transpose<uint32_t>(shape, x, out, n, s);
    case 8: return Transpose<uint64_t>(shape, x, out, n, s);
  }
}

void LaunchShuffleChannel(const void* x, void* out, int elem, int64_t n, int64_t group,
                          int64_t per, int64_t spatial, cudaStream_t s) {
  const int64_t total = n * group * per * spatial;
  if (total == 0) return;
  if (elem == 2) {
    ShuffleChannelKernel<uint16_t><<<LaunchBlocks(total), kLaunchThreads, 0, s>>>(
        static_cast<const uint16_t*>(x), static_cast<uint16_t*>(out), total, group, per, spatial);
  } else {
    ShuffleChannelKernel<float><<<LaunchBlocks(total), kLaunchThreads, 0, s>>>(
        static_cast<const float*>(x), static_cast<float*>(out), total, group, per, spatial);
  }
}

}  // namespace pd::cuda
