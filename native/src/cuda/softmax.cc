// Host side of softmax on the GPU: X viewed as [outer, n, inner] around the axis, as on the CPU
// (kernels/softmax.cc, whose shape inference has already checked the axis).
#include "cuda/launchers.h"
#include "cuda/op_util.h"
#include "cuda/register.h"
#include "kernels/kernel_util.h"

namespace pd::cuda {
namespace {

void SoftmaxKernel(OpContext& ctx) {
  CudaContext& c = Ctx(ctx);
  const Tensor& x = ctx.In("X");
  const int rank = x.rank();
  int64_t axis = ctx.op().GetInt("axis", -1);
  const int64_t r = rank > 1 ? rank : 1;
  PD_CHECK(axis >= -r && axis < r, "softmax: axis ", axis, " is out of range for ",
           DimsToString(x.dims()));
  if (axis < 0) axis += r;
  const float* in = x.data<float>();  // read first: Out may be X
  float* out = ctx.Out("Out")->mutable_data<float>();
  if (x.numel() == 0) return;
  const int64_t n = rank == 0 ? 1 : x.dim(static_cast<int>(axis));
  const int64_t inner = DimProduct(x.dims(), axis + 1, x.dims().size());
  const int64_t outer = x.numel() / (n * inner);
  LaunchSoftmax(in, out, outer, n, inner, c.cuda_stream());
  CheckLaunch(ctx);
}

}  // namespace

void RegisterSoftmaxKernels(OpRegistry& r) {
  r.AddKernel("softmax", DeviceType::kGPU, DType::kFP32, SoftmaxKernel);
}

}  // namespace pd::cuda
