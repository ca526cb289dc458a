// The losses and mean with the CPU's arithmetic (kernels/loss.cc): softmax_with_cross_entropy's
// exponentials, sums and logarithms in double, mean's sum in double, each reduced in a fixed
// tree so that a run repeats bit for bit.
#include <cmath>

#include "cuda/det_reduce.cuh"
#include "cuda/grad_launch.h"
#include "cuda/launchers.h"

namespace pd::cuda {
namespace {

constexpr int kRowsPerBlock = 8;         // warps per block when a warp takes a row
constexpr int kBlockRowThreads = 256;    // threads per row when a block takes one
constexpr int64_t kWarpRowLimit = 1024;  // longer rows get a block each

unsigned CappedBlocks(int64_t blocks) {
  return static_cast<unsigned>(blocks < 1 ? 1 : blocks > 65535 * 8 ? 65535 * 8 : blocks);
}

template <typename L>
__device__ __forceinline__ bool InRange(L t, int64_t classes) {
  return t >= 0 && static_cast<int64_t>(t) < classes;
}

// Softmax rows through exp(x - max - log(sum)) and Loss = log(sum) - (x[label] - max), a warp
// (kBlock false) or a block per row.
template <bool kBlock, typename L>
__global__ void SwceKernel(const float* x, const L* label, float* softmax, float* loss,
                           int64_t rows, int64_t classes, int64_t ignore) {
  __shared__ float max_scratch[kWarpSize];
  __shared__ double sum_scratch[kWarpSize];
  const int id = kBlock ? threadIdx.x : threadIdx.x % kWarpSize;
  const int members = kBlock ? blockDim.x : kWarpSize;
  const int64_t first =
      kBlock ? int64_t{blockIdx.x} : int64_t{blockIdx.x} * kRowsPerBlock + threadIdx.x / kWarpSize;
  const int64_t step = kBlock ? int64_t{gridDim.x} : int64_t{gridDim.x} * kRowsPerBlock;
  for (int64_t r = first; r < rows; r += step) {
    const float* xr = x + r * classes;
    float* sr = softmax + r * classes;
    float mx = -INFINITY;
    for (int64_t j = id; j < classes; j += members) mx = xr[j] > mx ? xr[j] : mx;
    mx = kBlock ? BlockReduce<true>(mx, max_scratch, -INFINITY) : WarpMax(mx);
    double sum = 0;
    for (int64_t j = id; j < classes; j += members)
      sum += exp(static_cast<double>(__fsub_rn(xr[j], mx)));
    sum = kBlock ? BlockReduce<false>(sum, sum_scratch, 0.0) : WarpSum(sum);
    const double log_sum = log(sum);
    if (id == 0) {
      const L t = label[r];
      float v = 0.0f;
      if (static_cast<int64_t>(t) != ignore) {
        v = InRange(t, classes)
                ? static_cast<float>(log_sum - static_cast<double>(__fsub_rn(xr[t], mx)))
                : NAN;
      }
      loss[r] = v;
    }
    for (int64_t j = id; j < classes; j += members)
      sr[j] = static_cast<float>(exp(static_cast<double>(__fsub_rn(xr[j], mx)) - log_sum));
  }
}

template <typename L>
__global__ void SwceGradKernel(const float* softmax, const L* label, const float* dloss,
                               float* dlogits, int64_t rows, int64_t classes, int64_t ignore) {
  const int64_t n = rows * classes;
  const int64_t stride = int64_t{gridDim.x} * blockDim.x;
  for (int64_t e = int64_t{blockIdx.x} * blockDim.x + threadIdx.x; e < n; e += stride) {
    const int64_t i = e / classes, j = e % classes;
    const int64_t t = static_cast<int64_t>(label[i]);
    dlogits[e] = t == ignore
                     ? 0.0f
                     : __fmul_rn(__fsub_rn(softmax[e], j == t ? 1.0f : 0.0f), dloss[i]);
  }
}

// Y = -log(X[label]) (the largest float for -log 0, as Paddle), MatchX = X[label].
template <typename L>
__global__ void CrossEntropy2Kernel(const float* x, const L* label, float* y, float* match,
                                    int64_t rows, int64_t classes, int64_t ignore) {
  const int64_t stride = int64_t{gridDim.x} * blockDim.x;
  for (int64_t i = int64_t{blockIdx.x} * blockDim.x + threadIdx.x; i < rows; i += stride) {
    const L t = label[i];
    float v = 0.0f, m = 0.0f;
    if (static_cast<int64_t>(t) != ignore) {
      if (InRange(t, classes)) {
        m = x[i * classes + t];
        // log in double, rounded once: the correctly rounded logf the CPU's libm gives.
        v = -static_cast<float>(log(static_cast<double>(m)));
        if (isinf(v)) v = 3.402823466e+38f;
      } else {
        v = m = NAN;
      }
    }
    y[i] = v;
    if (match != nullptr) match[i] = m;
  }
}

template <typename L>
__global__ void CrossEntropyGrad2Kernel(const float* match, const L* label, const float* dy,
                                        float* dx, int64_t rows, int64_t classes,
                                        int64_t ignore) {
  const int64_t n = rows * classes;
  const int64_t stride = int64_t{gridDim.x} * blockDim.x;
  for (int64_t e = int64_t{blockIdx.x} * blockDim.x + threadIdx.x; e < n; e += stride) {
    const int64_t i = e / classes, j = e % classes;
    const int64_t t = static_cast<int64_t>(label[i]);
    dx[e] = t != ignore && j == t ? -dy[i] / match[i] : 0.0f;
  }
}

constexpr int kMeanThreads = 256;
constexpr int64_t kMeanMaxBlocks = 1024, kMeanPerThread = 16;

__global__ void MeanPartialKernel(const float* x, int64_t n, double* partial) {
  __shared__ double scratch[kWarpSize];
  const int64_t stride = int64_t{gridDim.x} * blockDim.x;
  double acc = 0;
  for (int64_t i = int64_t{blockIdx.x} * blockDim.x + threadIdx.x; i < n; i += stride)
    acc += x[i];
  acc = BlockReduce<false>(acc, scratch, 0.0);
  if (threadIdx.x == 0) partial[blockIdx.x] = acc;
}

__global__ void MeanFinalKernel(const double* partial, int64_t blocks, int64_t n, float* out) {
  __shared__ double scratch[kWarpSize];
  double acc = 0;
  for (int64_t i = threadIdx.x; i < blocks; i += blockDim.x) acc += partial[i];
  acc = BlockReduce<false>(acc, scratch, 0.0);
  if (threadIdx.x == 0) out[0] = static_cast<float>(acc / static_cast<double>(n));
}

__global__ void MeanGradKernel(const float* dout, float* dx, float count, int64_t n) {
  const float g = dout[0] / count;
  const int64_t stride = int64_t{gridDim.x} * blockDim.x;
  for (int64_t i = int64_t{blockIdx.x} * blockDim.x + threadIdx.x; i < n; i += stride) dx[i] = g;
}

}  // namespace

template <typename L>
void LaunchSoftmaxCrossEntropy(const float* logits, const L* label, float* softmax, float* loss,
                               int64_t rows, int64_t classes, int64_t ignore, cudaStream_t s) {
  if (rows == 0 || classes == 0) return;
  if (classes <= kWarpRowLimit) {
    SwceKernel<false, L><<<CappedBlocks((rows + kRowsPerBlock - 1) / kRowsPerBlock),
                           kRowsPerBlock * kWarpSize, 0, s>>>(logits, label, softmax, loss, rows,
                                                              classes, ignore);
  } else {
    SwceKernel<true, L><<<CappedBlocks(rows), kBlockRowThreads, 0, s>>>(
        logits, label, softmax, loss, rows, classes, ignore);
  }
}

template <typename L>
void LaunchSoftmaxCrossEntropyGrad(const float* softmax, const L* label, const float* dloss,
                                   float* dlogits, int64_t rows, int64_t classes, int64_t ignore,
                                   cudaStream_t s) {
  const int64_t n = rows * classes;
  if (n == 0) return;
  SwceGradKernel<L><<<LaunchBlocks(n), kLaunchThreads, 0, s>>>(softmax, label, dloss, dlogits,
                                                               rows, classes, ignore);
}

template <typename L>
void LaunchCrossEntropy2(const float* x, const L* label, float* y, float* match, int64_t rows,
                         int64_t classes, int64_t ignore, cudaStream_t s) {
  if (rows == 0) return;
  CrossEntropy2Kernel<L><<<LaunchBlocks(rows), kLaunchThreads, 0, s>>>(x, label, y, match, rows,
                                                                       classes, ignore);
}

template <typename L>
void LaunchCrossEntropyGrad2(const float* match, const L* label, const float* dy, float* dx,
                             int64_t rows, int64_t classes, int64_t ignore, cudaStream_t s) {
  const int64_t n = rows * classes;
  if (n == 0) return;
  CrossEntropyGrad2Kernel<L><<<LaunchBlocks(n), kLaunchThreads, 0, s>>>(match, label, dy, dx,
                                                                        rows, classes, ignore);
}

int64_t MeanScratch(int64_t n) {
  const int64_t blocks = (n + kMeanThreads * kMeanPerThread - 1) / (kMeanThreads * kMeanPerThread);
  return blocks < 1 ? 1 : blocks > kMeanMaxBlocks ? kMeanMaxBlocks : blocks;
}

void LaunchMean(const float* x, float* out, int64_t n, double* scratch, cudaStream_t s) {
  const int64_t blocks = MeanScratch(n);
  MeanPartialKernel<<<static_cast<unsigned>(blocks), kMeanThreads, 0, s>>>(x, n, scratch);
  MeanFinalKernel<<<1, kMeanThreads, 0, s>>>(scratch, blocks, n, out);
}

void LaunchMeanGrad(const float* dout, float* dx, float count, int64_t n, cudaStream_t s) {
  if (n == 0) return;
  MeanGradKernel<<<LaunchBlocks(n), kLaunchThreads, 0, s>>>(dout, dx, count, n);
}

#define PD_INSTANTIATE(L)                                                                       \
  template void LaunchSoftmaxCrossEntropy<L>(const float*, const L*, float*, float*, int64_t,   \
                                             int64_t, int64_t, cudaStream_t);                   \
  template void LaunchSoftmaxCrossEntropyGrad<L>(const float*, const L*, const float*, float*,  \
                                                 int64_t, int64_t, int64_t, cudaStream_t);      \
  template void LaunchCrossEntropy2<L>(const float*, const L*, float*, float*, int64_t, int64_t, \
                                       int64_t, cudaStream_t);                                  \
  template void LaunchCrossEntropyGrad2<L>(const float*, const L*, const float*, float*,        \
                                           int64_t, int64_t, int64_t, cudaStream_t);
PD_INSTANTIATE(int64_t)
PD_INSTANTIATE(int32_t)
#undef PD_INSTANTIATE

}  // namespace pd::cuda
