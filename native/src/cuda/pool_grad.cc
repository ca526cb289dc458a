// pool2d_grad with kernels/pool_grad.cc's semantics (max to the window's first maximum, avg by
// the forward's divisor; global, adaptive, exclusive, ceil mode; NCHW and NHWC), the geometry
// from kernels/pool_shape.h so that it agrees with both forward kernels.
#include "cuda/layout.h"
#include "cuda/op_util.h"
#include "cuda/pool_args.h"
#include "cuda/pool_grad_launch.h"
#include "cuda/register.h"
#include "kernels/kernel_util.h"

namespace pd::cuda {
namespace {

void PoolGradKernel(OpContext& ctx) {
  CudaContext& cu = Ctx(ctx);
  CheckNotInPlace(ctx, "X@GRAD", {"X", "Out", "Out@GRAD"});
  const PoolShape s = PoolShapeOf(ctx);
  const Tensor& out = InputOfType(ctx, "Out", DType::kFP32);
  const Tensor& dout = InputOfType(ctx, "Out@GRAD", DType::kFP32);
  const Dims out_dims = s.out.ToDims();
  PD_CHECK(out.dims() == out_dims && dout.dims() == out_dims, "pool2d_grad: Out ",
           DimsToString(out.dims()), " and Out@GRAD ", DimsToString(dout.dims()),
           " must be the forward output's ", DimsToString(out_dims));
  PoolArgs a = PoolArgsOf(s);
  // A channels-last X (cuda/layout.h) makes a channels-last X@GRAD; Out and Out@GRAD are then
  // channels-last too or 1x1 (PoolGradRule), the same bytes either way.
  const bool stored_last = IsGpuChannelsLast(ctx.In("X"));
  PD_CHECK(!(stored_last && s.in.nhwc), "pool2d_grad: a channels-last X with data_format NHWC");
  a.nhwc = a.nhwc || stored_last;
  Tensor argmax;
  if (s.max) {
    argmax.set_place(cu.place());
    argmax.Resize(out_dims);
  }
  // X, Out and Out@GRAD may be bfloat16 (PoolGradRule), read as they are; X@GRAD is stored as
  // Out@GRAD is.
  const FloatData dy = StoredFloats(dout);
  void* dx = OutputIn(ctx.Out("X@GRAD"), (stored_last ? kGpuChannelsLast : 0) |
                                             (dy.bf16 ? kGpuBf16 : 0));  // gathered per cell
  LaunchPool2dGrad(StoredFloats(ctx.In("X")), StoredFloats(out), dy, dx, a,
                   s.max ? argmax.mutable_data<int32_t>() : nullptr, cu.cuda_stream());
  CheckLaunch(ctx);
}

}  // namespace

void RegisterPoolGradKernels(OpRegistry& r) {
  r.AddKernel("pool2d_grad", DeviceType::kGPU, DType::kFP32, PoolGradKernel);
  r.SetLayoutRule("pool2d_grad", DeviceType::kGPU, PoolGradRule());
}

}  // namespace pd::cuda
