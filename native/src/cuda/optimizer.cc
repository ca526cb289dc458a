// sgd, momentum, adam and adamw on the GPU, computing what kernels/optimizer.cc computes (its
// shape inference checks the inputs and attributes and sizes the outputs); the updates are in
// optimizer.cu. In a training program each output names its input: the update then lands in
// the tensor every op reads, written through data_mut so that its stamp changes.
#include <string>

#include "cuda/op_util.h"
#include "cuda/optimizer_launch.h"
#include "cuda/register.h"
#include "kernels/kernel_util.h"

namespace pd::cuda {
namespace {

// Writable device storage for out, which may be in itself (in place).
float* OutFor(Tensor* out, const Tensor& in) {
  return out == &in ? out->data_mut<float>() : out->mutable_data<float>();
}

const float* Float(const OpContext& ctx, const char* slot) {
  return InputOfType(ctx, slot, DType::kFP32).data<float>();
}

// The optional one-value tensor slot, read on the device, else the attribute's value.
DeviceScalar AttrOrTensor(const OpContext& ctx, const char* slot, const char* attr, float def) {
  DeviceScalar s;
  if (!ctx.HasInput(slot)) {
    s.attr = attr == nullptr ? def : ctx.op().GetFloat(attr, def);
    return s;
  }
  const Tensor& t = InputWithData(ctx, slot);
  PD_CHECK(t.numel() == 1, ctx.op().type(), ": input ", slot,
           " must hold exactly one value, got shape ", DimsToString(t.dims()));
  s.ptr = t.raw_data();
  switch (t.dtype()) {
    case DType::kFP32:
      s.kind = DeviceScalar::kFP32;
      break;
    case DType::kFP64:
      s.kind = DeviceScalar::kFP64;
      break;
    case DType::kInt32:
      s.kind = DeviceScalar::kInt32;
      break;
    case DType::kInt64:
      s.kind = DeviceScalar::kInt64;
      break;
    case DType::kBool:
      PD_CHECK(attr == nullptr, ctx.op().type(), ": input ", slot, " has unsupported type bool");
      s.kind = DeviceScalar::kBool;
      break;
    default:
      Fail(ctx.op().type(), ": input ", slot, " has unsupported type ", DTypeName(t.dtype()));
  }
  return s;
}

void SgdKernel(OpContext& ctx) {
  CudaContext& cu = Ctx(ctx);
  const Tensor& p = InputOfType(ctx, "Param", DType::kFP32);
  const float* g = Float(ctx, "Grad");
  const float* lr = Float(ctx, "LearningRate");
  LaunchSgd(p.data<float>(), g, lr, OutFor(ctx.Out("ParamOut"), p), p.numel(), cu.cuda_stream());
  CheckLaunch(ctx);
}

// rescale_grad is not read: Paddle's CPU kernel, which ours follows, ignores it.
void MomentumKernel(OpContext& ctx) {
  CudaContext& cu = Ctx(ctx);
  const Tensor& p = InputOfType(ctx, "Param", DType::kFP32);
  const Tensor& v = InputOfType(ctx, "Velocity", DType::kFP32);
  MomentumArgs a;
  a.param = p.data<float>();
  a.grad = Float(ctx, "Grad");
  a.velocity = v.data<float>();
  a.lr = Float(ctx, "LearningRate");
  a.param_out = OutFor(ctx.Out("ParamOut"), p);
  a.velocity_out = OutFor(ctx.Out("VelocityOut"), v);
  a.mu = ctx.op().GetFloat("mu", 0.0f);
  a.nesterov = ctx.op().GetBool("use_nesterov", false);
  a.coeff = ctx.op().GetString("regularization_method", "") == "l2_decay"
                ? ctx.op().GetFloat("regularization_coeff", 0.0f)
                : 0.0f;
  LaunchMomentum(a, p.numel(), cu.cuda_stream());
  CheckLaunch(ctx);
}

// merged_momentum (kernels/optimizer.cc checks the lists): the parameters in launches of up to
// kMaxMergedParams each.
void MergedMomentumKernel(OpContext& ctx) {
  CudaContext& cu = Ctx(ctx);
  const OpView& op = ctx.op();
  const auto methods = op.GetStrings("regularization_method", {});
  const auto coeffs = op.GetFloats("regularization_coeff", {});
  const size_t params = ctx.Ins("Param").size(), lrs = ctx.Ins("LearningRate").size();
  MergedMomentumArgs a{};  // zeros past count: nothing stale in the launch's arguments
  a.mu = op.GetFloat("mu", 0.0f);
  a.nesterov = op.GetBool("use_nesterov", false);
  a.rescale = op.GetFloat("rescale_grad", 1.0f);
  for (size_t i = 0; i < params; ++i) {
    const Tensor& p = ctx.In("Param", i);
    const Tensor& v = ctx.In("Velocity", i);
    const Tensor& g = ctx.In("Grad", i);
    const Tensor& lr = ctx.In("LearningRate", lrs == 1 ? 0 : i);
    PD_CHECK(p.dtype() == DType::kFP32 && v.dtype() == DType::kFP32 &&
                 g.dtype() == DType::kFP32 && lr.dtype() == DType::kFP32,
             "merged_momentum: Param, Grad, Velocity and LearningRate [", i,
             "] must be float32");
    const int k = a.count++;
    a.param[k] = p.data<float>();
    a.grad[k] = g.data<float>();
    a.velocity[k] = v.data<float>();
    a.lr[k] = lr.data<float>();
    a.param_out[k] = OutFor(ctx.Out("ParamOut", i), p);
    a.velocity_out[k] = OutFor(ctx.Out("VelocityOut", i), v);
    a.coeff[k] = !methods.empty() && methods[i] == "l2_decay" ? coeffs[i] : 0.0f;
    a.n[k] = p.numel();
    if (a.count == kMaxMergedParams || i + 1 == params) {
      LaunchMergedMomentum(a, cu.cuda_stream());
      a.count = 0;
    }
  }
  CheckLaunch(ctx);
}

// The tensors of parameter i of an adam, adamw or merged_adam op (learning rate lr_index); the
// scalars are left to the caller.
AdamArgs AdamTensorsOf(OpContext& ctx, size_t i, size_t lr_index) {
  const std::string& type = ctx.op().type();
  const auto in = [&](const char* slot) -> const Tensor& {
    const Tensor& t = InputWithData(ctx, slot, slot == std::string("LearningRate") ? lr_index : i);
    PD_CHECK(t.dtype() == DType::kFP32, type, ": ", slot, " must be float32, not ",
             DTypeName(t.dtype()));
    return t;
  };
  const Tensor& p = in("Param");
  const Tensor& m1 = in("Moment1");
  const Tensor& m2 = in("Moment2");
  const Tensor& b1p = in("Beta1Pow");
  const Tensor& b2p = in("Beta2Pow");
  AdamArgs a;
  a.param = p.data<float>();
  a.grad = in("Grad").data<float>();
  a.moment1 = m1.data<float>();
  a.moment2 = m2.data<float>();
  a.lr = in("LearningRate").data<float>();
  a.beta1_pow = b1p.data<float>();
  a.beta2_pow = b2p.data<float>();
  a.param_out = OutFor(ctx.Out("ParamOut", i), p);
  a.moment1_out = OutFor(ctx.Out("Moment1Out", i), m1);
  a.moment2_out = OutFor(ctx.Out("Moment2Out", i), m2);
  a.beta1_pow_out = a.beta2_pow_out = nullptr;
  if (!ctx.op().GetBool("use_global_beta_pow", false)) {
    a.beta1_pow_out = OutFor(ctx.Out("Beta1PowOut", i), b1p);
    a.beta2_pow_out = OutFor(ctx.Out("Beta2PowOut", i), b2p);
  }
  a.decay = false;
  a.lr_ratio = a.coeff = 0.0f;
  return a;
}

void AdamCommon(OpContext& ctx, bool adamw) {
  CudaContext& cu = Ctx(ctx);
  AdamArgs a = AdamTensorsOf(ctx, 0, 0);
  a.beta1 = AttrOrTensor(ctx, "Beta1Tensor", "beta1", 0.9f);
  a.beta2 = AttrOrTensor(ctx, "Beta2Tensor", "beta2", 0.999f);
  a.epsilon = AttrOrTensor(ctx, "EpsilonTensor", "epsilon", 1e-8f);
  a.skip = AttrOrTensor(ctx, "SkipUpdate", nullptr, 0.0f);
  a.decay = adamw && ctx.op().GetBool("with_decay", true);
  a.lr_ratio = ctx.op().GetFloat("lr_ratio", 1.0f);
  a.coeff = ctx.op().GetFloat("coeff", 0.01f);
  LaunchAdam(a, ctx.In("Param").numel(), cu.cuda_stream());
  CheckLaunch(ctx);
}

// merged_adam (kernels/optimizer.cc checks the lists): beta1, beta2 and epsilon from the
// attributes, the parameters in launches of up to kMaxMergedAdamParams each.
void MergedAdamKernel(OpContext& ctx) {
  CudaContext& cu = Ctx(ctx);
  const OpView& op = ctx.op();
  const size_t params = ctx.Ins("Param").size(), lrs = ctx.Ins("LearningRate").size();
  MergedAdamArgs m{};  // zeros past count: nothing stale in the launch's arguments
  for (size_t i = 0; i < params; ++i) {
    const int k = m.count++;
    m.param[k] = AdamTensorsOf(ctx, i, lrs == 1 ? 0 : i);
    m.param[k].beta1.attr = op.GetFloat("beta1", 0.9f);
    m.param[k].beta2.attr = op.GetFloat("beta2", 0.999f);
    m.param[k].epsilon.attr = op.GetFloat("epsilon", 1e-8f);
    m.n[k] = ctx.In("Param", i).numel();
    if (m.count == kMaxMergedAdamParams || i + 1 == params) {
      LaunchMergedAdam(m, cu.cuda_stream());
      m.count = 0;
    }
  }
  CheckLaunch(ctx);
}

void AdamKernel(OpContext& ctx) { AdamCommon(ctx, false); }
void AdamWKernel(OpContext& ctx) { AdamCommon(ctx, true); }

}  // namespace

void RegisterOptimizerKernels(OpRegistry& r) {
  r.AddKernel("sgd", DeviceType::kGPU, DType::kFP32, SgdKernel);
  r.AddKernel("momentum", DeviceType::kGPU, DType::kFP32, MomentumKernel);
  r.AddKernel("merged_momentum", DeviceType::kGPU, DType::kFP32, MergedMomentumKernel);
  r.AddKernel("merged_adam", DeviceType::kGPU, DType::kFP32, MergedAdamKernel);
  r.AddKernel("adam", DeviceType::kGPU, DType::kFP32, AdamKernel);
  r.AddKernel("adamw", DeviceType::kGPU, DType::kFP32, AdamWKernel);
}

}  // namespace pd::cuda
