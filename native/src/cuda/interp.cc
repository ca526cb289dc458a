// Host side of nearest_interp(_v2) and bilinear_interp(_v2) on the GPU: the output size and
// source ratios come from the CPU's own functions (kernels/interp.h), which read the
// OutSize / SizeTensor / Scale inputs on the host.
#include <string>
#include <vector>

#include "cuda/host_inputs.h"
#include "cuda/launchers.h"
#include "cuda/op_util.h"
#include "cuda/register.h"
#include "kernels/interp.h"

namespace pd::cuda {
namespace {

// The inputs that may give the output size, which PlanFor reads as host memory.
const std::vector<std::string> kSizeInputs = {"OutSize", "SizeTensor", "Scale"};

interp::Plan PlanOnHost(OpContext& ctx) {
  HostInputs host(ctx, kSizeInputs);
  return interp::PlanFor(ctx);
}

void InterpKernel(OpContext& ctx) {
  CudaContext& c = Ctx(ctx);
  const interp::Plan p = PlanOnHost(ctx);
  const Tensor& x = ctx.In("X");
  float* out = ctx.Out("Out")->mutable_data<float>();
  if (x.numel() == 0) return;
  if (p.in_h == p.out_h && p.in_w == p.out_w) {
    PD_CUDA_CHECK(cudaMemcpyAsync(out, x.data<float>(), x.nbytes(), cudaMemcpyDeviceToDevice,
                                  c.cuda_stream()));
    return;
  }
  InterpShape s;
  s.images = int64_t{p.n} * p.c;
  s.in_h = p.in_h;
  s.in_w = p.in_w;
  s.out_h = p.out_h;
  s.out_w = p.out_w;
  s.align_corners = ctx.op().GetBool("align_corners", true);
  s.align_mode = static_cast<int>(ctx.op().GetInt("align_mode", 1));
  s.ratio_h = interp::Ratio(p.in_h, p.out_h, p.scale_h, s.align_corners);
  s.ratio_w = interp::Ratio(p.in_w, p.out_w, p.scale_w, s.align_corners);
  if (ctx.op().type().rfind("nearest", 0) == 0) {
    LaunchNearestInterp(s, x.data<float>(), out, c.cuda_stream());
  } else {
    LaunchBilinearInterp(s, x.data<float>(), out, c.cuda_stream());
  }
  CheckLaunch(ctx);
}

}  // namespace

void RegisterInterpKernels(OpRegistry& r) {
  for (const char* type :
       {"nearest_interp", "nearest_interp_v2", "bilinear_interp", "bilinear_interp_v2"}) {
    ReadOnHostForInferShape(r, type, kSizeInputs);
    r.AddKernel(type, DeviceType::kGPU, DType::kFP32, InterpKernel);
  }
}

}  // namespace pd::cuda
