// fill_any_like's fill: a grid-stride store of one value.
#include "cuda/launchers.h"
#include "cuda/shape_grad_launch.h"

namespace pd::cuda {
namespace {

template <typename T>
__global__ void FillKernel(T* out, int64_t n, T value) {
  const int64_t stride = int64_t{gridDim.x} * blockDim.x;
  for (int64_t i = int64_t{blockIdx.x} * blockDim.x + threadIdx.x; i < n; i += stride)
    out[i] = value;
}

template <typename T>
void Fill(void* out, int64_t n, float value, cudaStream_t s) {
  FillKernel<T><<<LaunchBlocks(n), kLaunchThreads, 0, s>>>(static_cast<T*>(out), n,
                                                           static_cast<T>(value));
}

}  // namespace

void LaunchFill(FillType type, void* out, int64_t n, float value, cudaStream_t s) {
  if (n == 0) return;
  switch (type) {
    case FillType::kFP32:
      return Fill<float>(out, n, value, s);
    case FillType::kFP64:
      return Fill<double>(out, n, value, s);
    case FillType::kInt32:
      return Fill<int32_t>(out, n, value, s);
    case FillType::kInt64:
      return Fill<int64_t>(out, n, value, s);
  }
}

}  // namespace pd::cuda
