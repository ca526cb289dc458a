// pool2d_grad with kernels/pool_grad.cc's semantics (max to the window's first maximum, avg by
// the forward's divisor; global, adaptive, exclusive, ceil mode; NCHW and NHWC), the geometry
// from kernels/pool_shape.h so that it agrees with both forward kernels.
#include "cuda/op_util.h"
#include "cuda/pool_grad_launch.h"
#include "cuda/register.h"
#include "kernels/kernel_util.h"
#include "kernels/pool_shape.h"

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
  PoolArgs a{};
  a.n = s.in.n, a.c = s.in.c, a.in_h = s.in.h, a.in_w = s.in.w, a.out_h = s.out.h,
  a.out_w = s.out.w;
  for (int i = 0; i < 2; ++i) {
    a.k[i] = s.win.k[i];
    a.stride[i] = s.win.stride[i];
    a.pad_begin[i] = s.win.pad_begin[i];
  }
  a.nhwc = s.in.nhwc, a.max = s.max, a.adaptive = s.adaptive, a.exclusive = s.exclusive;
  Tensor argmax;
  if (s.max) {
    argmax.set_place(cu.place());
    argmax.Resize(out_dims);
  }
  float* dx = ctx.Out("X@GRAD")->mutable_data<float>();
  LaunchPool2dGrad(ctx.In("X").data<float>(), out.data<float>(), dout.data<float>(), dx, a,
                   s.max ? argmax.mutable_data<int32_t>() : nullptr, cu.cuda_stream());
  CheckLaunch(ctx);
}

}  // namespace

void RegisterPoolGradKernels(OpRegistry& r) {
  r.AddKernel("pool2d_grad", DeviceType::kGPU, DType::kFP32, PoolGradKernel);
}

}  // namespace pd::cuda
