// pool2d (max and average, global, adaptive, exclusive, ceil mode) with Paddle's window rules:
// the geometry comes from kernels/pool_shape.h, shared with the CPU kernel, so both sides agree
// on every output cell's window. Our own kernels rather than cuDNN's, which has no ceil mode or
// adaptive pooling.
#include "cuda/dense_launch.h"
#include "cuda/op_util.h"
#include "cuda/register.h"
#include "kernels/pool_shape.h"

namespace pd::cuda {
namespace {

void PoolKernel(OpContext& ctx) {
  CudaContext& cu = Ctx(ctx);
  const PoolShape s = PoolShapeOf(ctx);
  PoolArgs a{};
  a.n = s.in.n, a.c = s.in.c, a.in_h = s.in.h, a.in_w = s.in.w, a.out_h = s.out.h,
  a.out_w = s.out.w;
  for (int i = 0; i < 2; ++i) {
    a.k[i] = s.win.k[i];
    a.stride[i] = s.win.stride[i];
    a.pad_begin[i] = s.win.pad_begin[i];
  }
  a.nhwc = s.in.nhwc, a.max = s.max, a.adaptive = s.adaptive, a.exclusive = s.exclusive;
  float* y = ctx.Out("Out")->mutable_data<float>();
  LaunchPool2d(ctx.In("X").data<float>(), y, a, cu.cuda_stream());
  CheckLaunch(ctx);
}

}  // namespace

void RegisterPoolKernels(OpRegistry& r) {
  r.AddKernel("pool2d", DeviceType::kGPU, DType::kFP32, PoolKernel);
}

}  // namespace pd::cuda
