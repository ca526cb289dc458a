// nearest and bilinear resizing of NCHW images, one thread per output pixel. The source
// indices and weights repeat kernels/interp.cc operation for operation (the same float and
// double steps, rounded one at a time: no fused multiply-adds), because one ulp in a source
// coordinate can move a nearest-neighbour pick or a truncation.
#include "cuda/launchers.h"

namespace pd::cuda {
namespace {

// interp::NearestIndex.
__device__ __forceinline__ int NearestIndex(float ratio, int i, bool align_corners) {
  const float at = __fmul_rn(ratio, static_cast<float>(i));
  return align_corners ? static_cast<int>(__dadd_rn(static_cast<double>(at), 0.5))
                       : static_cast<int>(at);
}

// One output index's two source indices and the weight of the upper one (interp::Taps).
struct Tap {
  int lo, hi;
  float w_hi;
};
__device__ __forceinline__ Tap LinearTap(int in, float ratio, int i, bool centre) {
  // ratio * (i + 0.5) - 0.5 in double, as the CPU's expression promotes it.
  const double src_d = __dadd_rn(__dmul_rn(static_cast<double>(ratio), i + 0.5), -0.5);
  const float at = __fmul_rn(ratio, static_cast<float>(i));
  int lo = centre ? static_cast<int>(src_d) : static_cast<int>(at);
  lo = lo > 0 ? lo : 0;
  const int hi = lo + 1 < in - 1 ? lo + 1 : in - 1;
  float src = static_cast<float>(src_d);
  src = src > 0 ? src : 0;
  const float d = centre ? __fsub_rn(src, static_cast<float>(lo))
                         : __fsub_rn(at, static_cast<float>(lo));
  return Tap{lo, hi, d};
}

__global__ void NearestKernel(InterpShape p, const float* __restrict__ x,
                              float* __restrict__ out, int64_t n) {
  const int64_t stride = int64_t{gridDim.x} * blockDim.x;
  for (int64_t i = int64_t{blockIdx.x} * blockDim.x + threadIdx.x; i < n; i += stride) {
    const int l = static_cast<int>(i % p.out_w);
    const int k = static_cast<int>(i / p.out_w % p.out_h);
    const int64_t img = i / (int64_t{p.out_w} * p.out_h);
    const int sh = NearestIndex(p.ratio_h, k, p.align_corners);
    const int sw = NearestIndex(p.ratio_w, l, p.align_corners);
    out[i] = x[(img * p.in_h + sh) * p.in_w + sw];
  }
}

__global__ void BilinearKernel(InterpShape p, const float* __restrict__ x,
                               float* __restrict__ out, int64_t n) {
  const bool centre = p.align_mode == 0 && !p.align_corners;
  const int64_t stride = int64_t{gridDim.x} * blockDim.x;
  for (int64_t i = int64_t{blockIdx.x} * blockDim.x + threadIdx.x; i < n; i += stride) {
    const int l = static_cast<int>(i % p.out_w);
    const int k = static_cast<int>(i / p.out_w % p.out_h);
    const int64_t img = i / (int64_t{p.out_w} * p.out_h);
    const Tap th = LinearTap(p.in_h, p.ratio_h, k, centre);
    const Tap tw = LinearTap(p.in_w, p.ratio_w, l, centre);
    const float wt = __fsub_rn(1.f, th.w_hi), wb = th.w_hi;
    const float wl = __fsub_rn(1.f, tw.w_hi), wr = tw.w_hi;
    const float* src = x + img * p.in_h * p.in_w;
    const float* top = src + int64_t{th.lo} * p.in_w;
    const float* bottom = src + int64_t{th.hi} * p.in_w;
    // The CPU's summation order: top-left, bottom-left, top-right, bottom-right.
    float v = __fmul_rn(__fmul_rn(top[tw.lo], wt), wl);
    v = __fadd_rn(v, __fmul_rn(__fmul_rn(bottom[tw.lo], wb), wl));
    v = __fadd_rn(v, __fmul_rn(__fmul_rn(top[tw.hi], wt), wr));
    v = __fadd_rn(v, __fmul_rn(__fmul_rn(bottom[tw.hi], wb), wr));
    out[i] = v;
  }
}

int64_t OutputSize(const InterpShape& p) { return p.images * p.out_h * p.out_w; }

}  // namespace

void LaunchNearestInterp(const InterpShape& p, const float* x, float* out, cudaStream_t s) {
  const int64_t n = OutputSize(p);
  if (n == 0) return;
  NearestKernel<<<LaunchBlocks(n), kLaunchThreads, 0, s>>>(p, x, out, n);
}

void LaunchBilinearInterp(const InterpShape& p, const float* x, float* out, cudaStream_t s) {
  const int64_t n = OutputSize(p);
  if (n == 0) return;
  BilinearKernel<<<LaunchBlocks(n), kLaunchThreads, 0, s>>>(p, x, out, n);
}

}  // namespace pd::cuda
