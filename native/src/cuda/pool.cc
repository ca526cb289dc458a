// pool2d (max and average, global, adaptive, exclusive, ceil mode) with Paddle's window rules:
// the geometry comes from kernels/pool_shape.h, shared with the CPU kernel, so both sides agree
// on every output cell's window. Our own kernels rather than cuDNN's, which has no ceil mode or
// adaptive pooling.
#include "cuda/dense_launch.h"
#include "cuda/layout.h"
#include "cuda/op_util.h"
#include "cuda/pool_args.h"
#include "cuda/register.h"

namespace pd::cuda {
namespace {

void PoolKernel(OpContext& ctx) {
  CudaContext& cu = Ctx(ctx);
  const PoolShape s = PoolShapeOf(ctx);
  PoolArgs a = PoolArgsOf(s);
  // A channels-last X (cuda/layout.h) is pooled as it is stored and Out written so, except a
  // 1x1 Out (global pooling), whose bytes are the same either way: it goes out plain, for the
  // fc or reshape after it. An op declared NHWC takes a plain copy of one. A bfloat16 X (a
  // batch norm's or a residual add's output) is read as it is and Out written in bfloat16 too,
  // but for that 1x1 Out.
  const Tensor& x = ctx.In("X");
  Tensor* out = ctx.Out("Out");
  Tensor plain;
  const bool stored_last = IsGpuChannelsLast(x) && !s.in.nhwc;
  const bool x_as_stored = IsGpuBf16(x) && IsGpuChannelsLast(x) == stored_last && out != &x;
  const FloatData xp = x_as_stored
                           ? StoredFloats(x)
                           : FloatData{InLayout(x, stored_last, &plain, cu.cuda_stream()), false};
  a.nhwc = a.nhwc || stored_last;
  const bool one_by_one = a.out_h * a.out_w == 1;
  const bool y_bf16 = xp.bf16 && !one_by_one;
  void* y = OutputIn(out, (stored_last && !one_by_one ? kGpuChannelsLast : 0) |
                              (y_bf16 ? kGpuBf16 : 0));  // written in full
  LaunchPool2d(xp, y, y_bf16, a, cu.cuda_stream());
  CheckLaunch(ctx);
}

}  // namespace

void RegisterPoolKernels(OpRegistry& r) {
  r.AddKernel("pool2d", DeviceType::kGPU, DType::kFP32, PoolKernel);
  r.SetLayoutRule("pool2d", DeviceType::kGPU, AnyLayoutRule());
}

}  // namespace pd::cuda
