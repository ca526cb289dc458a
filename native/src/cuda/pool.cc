// pool2d (max and average, global, adaptive, exclusive, ceil mode) with Paddle's window rules:
// the geometry comes from kernels/pool_shape.h, shared with the CPU kernel, so both sides agree
// on every output cell's window. Our own kernels rather than cuDNN's, which has no ceil mode or
// adaptive pooling.
#include "cuda/dense_launch.h"
#include "cuda/op_util.h"
#include "cuda/pool_args.h"
#include "cuda/register.h"

namespace pd::cuda {
namespace {

void PoolKernel(OpContext& ctx) {
  CudaContext& cu = Ctx(ctx);
  const PoolShape s = PoolShapeOf(ctx);
  const PoolArgs a = PoolArgsOf(s);
  float* y = ctx.Out("Out")->mutable_data_for_overwrite<float>();  // written in full
  LaunchPool2d(ctx.In("X").data<float>(), y, a, cu.cuda_stream());
  CheckLaunch(ctx);
}

}  // namespace

void RegisterPoolKernels(OpRegistry& r) {
  r.AddKernel("pool2d", DeviceType::kGPU, DType::kFP32, PoolKernel);
}

}  // namespace pd::cuda
