// Optimizer ops, float32 and dense only, as Paddle's CPU kernels compute them
// (paddle/phi/kernels/cpu/{sgd,adam,adamw}_kernel.cc, impl/momentum_kernel_impl.h, and the
// jit reference kernels they call):
// - sgd: ParamOut = Param - LearningRate * Grad.
// - momentum: g = Grad (+ regularization_coeff * Param for "l2_decay"); VelocityOut =
//   mu * Velocity + g; ParamOut = Param - lr * (use_nesterov ? g + mu * VelocityOut : VelocityOut).
// - adam: m1 = b1*m1 + (1-b1)*g; m2 = b2*m2 + (1-b2)*g*g; ParamOut = Param - lr_t * m1 /
//   (sqrt(m2) + eps_t) with lr_t = lr*sqrt(1-b2pow)/(1-b1pow), eps_t = eps*sqrt(1-b2pow);
//   Beta{1,2}PowOut = Beta{1,2}Pow * beta{1,2} unless use_global_beta_pow.
// - adamw: adam on Param - lr * lr_ratio * coeff * Param (with_decay; coeff 0 otherwise).
// In a training program every output names its input (ParamOut is Param, VelocityOut is
// Velocity...): the update lands in the tensor that every op reads (framework/op_registry.h,
// OpContext), and kernels that keep something derived from it see its stamp change. So each
// kernel reads an element before writing it, and writes through data_mut when out == &in.
//
// Where Paddle's CPU kernels differ from its GPU ones we follow the CPU (our oracle): the CPU
// momentum kernel ignores rescale_grad, and the CPU adamw kernel applies lr_ratio to the decay
// only, not to the adam step (checked on Paddle 3.3.1: momentum_rescale_grad, adamw_lr_ratio).
#include <cmath>
#include <initializer_list>
#include <string>
#include <type_traits>

#include "kernels/kernel_util.h"
#include "kernels/parallel.h"
#include "kernels/register.h"

namespace pd {
namespace {

// Writable float storage for out, which may be in itself (in place).
float* OutFor(Tensor* out, const Tensor& in) {
  return out == &in ? out->data_mut<float>() : out->mutable_data<float>();
}

// out = in, element by element; nothing to do when out is in.
void CopyInto(Tensor* out, const Tensor& in) {
  if (out == &in) return;
  out->Resize(in.dims());
  const float* s = in.data<float>();
  float* d = out->mutable_data<float>();
  for (int64_t i = 0; i < in.numel(); ++i) d[i] = s[i];
}

void CheckSameShape(const OpContext& ctx, const char* slot, const Tensor& p) {
  const Tensor& t = InputWithData(ctx, slot);
  PD_CHECK(t.dims() == p.dims(), ctx.op().type(), ": ", slot, " ", DimsToString(t.dims()),
           " must have Param's shape ", DimsToString(p.dims()));
}

void CheckScalar(const OpContext& ctx, const char* slot) {
  PD_CHECK(InputWithData(ctx, slot).numel() == 1, ctx.op().type(), ": ", slot,
           " must hold one value, got shape ", DimsToString(ctx.In(slot).dims()));
}

// MasterParam / multi_precision: float16 training, which these float32 kernels do not do.
void RejectMultiPrecision(const OpContext& ctx) {
  PD_CHECK(!ctx.HasInput("MasterParam") && !ctx.op().GetBool("multi_precision", false),
           ctx.op().type(), ": MasterParam / multi_precision (mixed-precision training) is not "
           "supported; only float32 parameters are");
}

// ---- sgd ----

void SgdInferShape(OpContext& ctx) {
  const Tensor& p = InputWithData(ctx, "Param");
  CheckSameShape(ctx, "Grad", p);
  CheckScalar(ctx, "LearningRate");
  ctx.Out("ParamOut")->Resize(p.dims());
}

void SgdKernel(OpContext& ctx) {
  const Tensor& p = InputOfType(ctx, "Param", DType::kFP32);
  const float* g = InputOfType(ctx, "Grad", DType::kFP32).data<float>();
  const float lr = InputOfType(ctx, "LearningRate", DType::kFP32).data<float>()[0];
  const int64_t n = p.numel();
  // In place (ParamOut is Param): each element is read before it is written.
  const float* in = p.data<float>();
  float* o = OutFor(ctx.Out("ParamOut"), p);
  for (int64_t i = 0; i < n; ++i) o[i] = in[i] - lr * g[i];
}

// ---- momentum ----

void MomentumInferShape(OpContext& ctx) {
  RejectMultiPrecision(ctx);
  const Tensor& p = InputWithData(ctx, "Param");
  CheckSameShape(ctx, "Grad", p);
  CheckSameShape(ctx, "Velocity", p);
  CheckScalar(ctx, "LearningRate");
  const std::string reg = ctx.op().GetString("regularization_method", "");
  PD_CHECK(reg.empty() || reg == "l2_decay", "momentum: regularization_method must be \"\" or "
           "\"l2_decay\", got \"", reg, "\"");
  ctx.Out("ParamOut")->Resize(p.dims());
  ctx.Out("VelocityOut")->Resize(p.dims());
}

// The update of one parameter, shared by momentum and merged_momentum. Paddle's
// merged_momentum scales the gradient by rescale_grad; momentum's CPU kernel does not (1 here).
struct MomentumStep {
  float mu, lr, coeff, rescale;
  bool nesterov;
  void Run(const Tensor& p, const Tensor& grad, const Tensor& v, Tensor* p_out, Tensor* v_out,
           int threads) const {
    const int64_t n = p.numel();
    const float* pin = p.data<float>();
    const float* g = grad.data<float>();
    const float* vin = v.data<float>();
    float* po = OutFor(p_out, p);
    float* vo = OutFor(v_out, v);
    const MomentumStep s = *this;
    // The loop without rescale_grad's product when it is 1 (always, for momentum itself).
    const auto update = [&](auto rescaled) {
      ParallelForElements(n, threads, [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i) {
          const float pi = pin[i];
          float gi = g[i];
          if constexpr (decltype(rescaled)::value) gi = gi * s.rescale;
          gi = gi + s.coeff * pi;
          const float vi = vin[i] * s.mu + gi;
          vo[i] = vi;
          po[i] = s.nesterov ? pi - (gi + vi * s.mu) * s.lr : pi - s.lr * vi;
        }
      });
    };
    if (s.rescale == 1.0f) {
      update(std::false_type{});
    } else {
      update(std::true_type{});
    }
  }
};

float L2Coeff(const std::string& method, float coeff) {
  return method == "l2_decay" ? coeff : 0.0f;
}

void MomentumKernel(OpContext& ctx) {
  const OpView& op = ctx.op();
  MomentumStep step;
  step.lr = InputOfType(ctx, "LearningRate", DType::kFP32).data<float>()[0];
  step.mu = op.GetFloat("mu", 0.0f);
  step.nesterov = op.GetBool("use_nesterov", false);
  step.coeff = L2Coeff(op.GetString("regularization_method", ""),
                       op.GetFloat("regularization_coeff", 0.0f));
  step.rescale = 1.0f;  // rescale_grad is not read: Paddle's CPU kernel ignores it (above)
  const Tensor& p = InputOfType(ctx, "Param", DType::kFP32);
  step.Run(p, InputOfType(ctx, "Grad", DType::kFP32), InputOfType(ctx, "Velocity", DType::kFP32),
           ctx.Out("ParamOut"), ctx.Out("VelocityOut"), ctx.config().num_threads);
}

// ---- merged optimizers: one op over lists of parameters ----
// (passes/optimizer_fuse.cc merges a training program's updates into them.) Checks that each
// slot of like_param holds one tensor of Param[i]'s shape per Param, and sizes the outputs of
// outs (one per Param) so; LearningRate holds one value for all or one per parameter.
void CheckMergedLists(OpContext& ctx, std::initializer_list<const char*> like_param,
                      std::initializer_list<const char*> outs) {
  const std::string& type = ctx.op().type();
  const size_t n = ctx.Ins("Param").size();
  for (const char* slot : like_param)
    PD_CHECK(ctx.Ins(slot).size() == n, type, ": ", ctx.Ins(slot).size(), " ", slot, " for ", n,
             " Param");
  for (const char* slot : outs)
    PD_CHECK(ctx.Outs(slot).size() == n, type, ": ", ctx.Outs(slot).size(), " ", slot, " for ",
             n, " Param");
  const size_t lrs = ctx.Ins("LearningRate").size();
  PD_CHECK(lrs == 1 || lrs == n, type, ": ", lrs, " LearningRate for ", n,
           " Param (want 1 or one each)");
  for (size_t i = 0; i < lrs; ++i)
    PD_CHECK(InputWithData(ctx, "LearningRate", i).numel() == 1 &&
                 ctx.In("LearningRate", i).dtype() == DType::kFP32,
             type, ": LearningRate[", i, "] must hold one float32 value");
  for (size_t i = 0; i < n; ++i) {
    const Tensor& p = InputWithData(ctx, "Param", i);
    for (const char* slot : like_param)
      PD_CHECK(InputWithData(ctx, slot, i).dims() == p.dims(), type, ": ", slot, "[", i, "] ",
               DimsToString(ctx.In(slot, i).dims()), " must have Param[", i, "]'s shape ",
               DimsToString(p.dims()));
    for (const char* slot : outs) ctx.Out(slot, i)->Resize(p.dims());
  }
}

// The learning rate of parameter i.
float MergedLearningRate(const OpContext& ctx, size_t i) {
  const size_t lrs = ctx.Ins("LearningRate").size();
  return ctx.In("LearningRate", lrs == 1 ? 0 : i).data<float>()[0];
}

// Param, and every slot of slots, of parameter i: float32.
void CheckMergedFloat(const OpContext& ctx, size_t i, std::initializer_list<const char*> slots) {
  for (const char* slot : slots)
    PD_CHECK(ctx.In(slot, i).dtype() == DType::kFP32, ctx.op().type(), ": ", slot, "[", i,
             "] must be float32");
}

// ---- merged_momentum ----
// regularization_method and regularization_coeff are empty or hold one entry per parameter.

void MergedMomentumInferShape(OpContext& ctx) {
  RejectMultiPrecision(ctx);
  const OpView& op = ctx.op();
  const size_t n = ctx.Ins("Param").size();
  CheckMergedLists(ctx, {"Grad", "Velocity"}, {"ParamOut", "VelocityOut"});
  const auto methods = op.GetStrings("regularization_method", {});
  const auto coeffs = op.GetFloats("regularization_coeff", {});
  PD_CHECK(methods.size() == coeffs.size() && (methods.empty() || methods.size() == n),
           "merged_momentum: ", methods.size(), " regularization_method and ", coeffs.size(),
           " regularization_coeff for ", n, " Param (want none or one each)");
  for (const std::string& m : methods)
    PD_CHECK(m.empty() || m == "l2_decay", "merged_momentum: regularization_method must be \"\" "
             "or \"l2_decay\", got \"", m, "\"");
}

void MergedMomentumKernel(OpContext& ctx) {
  const OpView& op = ctx.op();
  const auto methods = op.GetStrings("regularization_method", {});
  const auto coeffs = op.GetFloats("regularization_coeff", {});
  MomentumStep step;
  step.mu = op.GetFloat("mu", 0.0f);
  step.nesterov = op.GetBool("use_nesterov", false);
  step.rescale = op.GetFloat("rescale_grad", 1.0f);
  for (size_t i = 0; i < ctx.Ins("Param").size(); ++i) {
    CheckMergedFloat(ctx, i, {"Param", "Grad", "Velocity"});
    step.lr = MergedLearningRate(ctx, i);
    step.coeff = methods.empty() ? 0.0f : L2Coeff(methods[i], coeffs[i]);
    step.Run(ctx.In("Param", i), ctx.In("Grad", i), ctx.In("Velocity", i),
             ctx.Out("ParamOut", i), ctx.Out("VelocityOut", i), ctx.config().num_threads);
  }
}

// ---- adam, adamw ----

void AdamInferShape(OpContext& ctx) {
  RejectMultiPrecision(ctx);
  const std::string& type = ctx.op().type();
  PD_CHECK(!ctx.op().GetBool("lazy_mode", false), type,
           ": lazy_mode (sparse SelectedRows gradients) is not supported; set it to false");
  PD_CHECK(!ctx.op().GetBool("amsgrad", false), type, ": amsgrad is not supported");
  const Tensor& p = InputWithData(ctx, "Param");
  CheckSameShape(ctx, "Grad", p);
  CheckSameShape(ctx, "Moment1", p);
  CheckSameShape(ctx, "Moment2", p);
  CheckScalar(ctx, "LearningRate");
  CheckScalar(ctx, "Beta1Pow");
  CheckScalar(ctx, "Beta2Pow");
  for (const char* slot : {"Beta1Tensor", "Beta2Tensor", "EpsilonTensor", "SkipUpdate"}) {
    if (ctx.HasInput(slot)) CheckScalar(ctx, slot);
  }
  ctx.Out("ParamOut")->Resize(p.dims());
  ctx.Out("Moment1Out")->Resize(p.dims());
  ctx.Out("Moment2Out")->Resize(p.dims());
  if (!ctx.op().GetBool("use_global_beta_pow", false)) {
    ctx.Out("Beta1PowOut")->Resize(ctx.In("Beta1Pow").dims());
    ctx.Out("Beta2PowOut")->Resize(ctx.In("Beta2Pow").dims());
  }
}

// A float attribute that an optional one-value tensor input overrides (Paddle's Scalar).
float AttrOrTensor(const OpContext& ctx, const char* slot, const char* attr, float def) {
  if (ctx.HasInput(slot)) return static_cast<float>(ScalarInput(ctx, slot));
  return ctx.op().GetFloat(attr, def);
}

bool SkipUpdate(const OpContext& ctx) {
  if (!ctx.HasInput("SkipUpdate")) return false;
  const Tensor& t = InputWithData(ctx, "SkipUpdate");
  if (t.dtype() == DType::kBool) return t.data<bool>()[0];
  return ScalarInput(ctx, "SkipUpdate") != 0.0;
}

// One parameter's adam step (adamw's decoupled decay is decay = lr·lr_ratio·coeff, else 0);
// the powers advance unless use_global_beta_pow (b1po and b2po null).
struct AdamStep {
  float lr, beta1, beta2, epsilon, decay;
  void Run(const Tensor& p, const Tensor& grad, const Tensor& m1, const Tensor& m2,
           const Tensor& b1p, const Tensor& b2p, Tensor* po_t, Tensor* m1o_t, Tensor* m2o_t,
           Tensor* b1po_t, Tensor* b2po_t, int threads) const {
    // Read before the (possibly in-place) Beta*PowOut writes.
    const float b1pow = b1p.data<float>()[0];
    const float b2pow = b2p.data<float>()[0];
    const float lr_t = lr * (std::sqrt(1.0f - b2pow) / (1.0f - b1pow));
    const float eps_t = epsilon * std::sqrt(1.0f - b2pow);
    const int64_t n = p.numel();
    const float* g = grad.data<float>();
    const float* pin = p.data<float>();
    const float* m1in = m1.data<float>();
    const float* m2in = m2.data<float>();
    float* po = OutFor(po_t, p);
    float* m1o = OutFor(m1o_t, m1);
    float* m2o = OutFor(m2o_t, m2);
    const float beta1 = this->beta1, beta2 = this->beta2, decay = this->decay;
    ParallelForElements(n, threads, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) {
        const float gi = g[i];
        const float pi = pin[i] - decay * pin[i];
        const float a = beta1 * m1in[i] + (1.0f - beta1) * gi;
        const float b = beta2 * m2in[i] + (1.0f - beta2) * gi * gi;
        m1o[i] = a;
        m2o[i] = b;
        po[i] = pi - lr_t * (a / (std::sqrt(b) + eps_t));
      }
    });
    if (b1po_t != nullptr) {
      OutFor(b1po_t, b1p)[0] = beta1 * b1pow;
      OutFor(b2po_t, b2p)[0] = beta2 * b2pow;
    }
  }
};

void AdamCommon(OpContext& ctx, bool adamw) {
  const Tensor& p = InputOfType(ctx, "Param", DType::kFP32);
  const Tensor& m1 = InputOfType(ctx, "Moment1", DType::kFP32);
  const Tensor& m2 = InputOfType(ctx, "Moment2", DType::kFP32);
  const Tensor& b1p = InputOfType(ctx, "Beta1Pow", DType::kFP32);
  const Tensor& b2p = InputOfType(ctx, "Beta2Pow", DType::kFP32);
  const bool global_pow = ctx.op().GetBool("use_global_beta_pow", false);
  Tensor* po_t = ctx.Out("ParamOut");
  Tensor* m1o_t = ctx.Out("Moment1Out");
  Tensor* m2o_t = ctx.Out("Moment2Out");

  if (SkipUpdate(ctx)) {  // Paddle copies every state through unchanged
    CopyInto(po_t, p);
    CopyInto(m1o_t, m1);
    CopyInto(m2o_t, m2);
    if (!global_pow) {
      CopyInto(ctx.Out("Beta1PowOut"), b1p);
      CopyInto(ctx.Out("Beta2PowOut"), b2p);
    }
    return;
  }

  AdamStep step;
  step.lr = InputOfType(ctx, "LearningRate", DType::kFP32).data<float>()[0];
  step.beta1 = AttrOrTensor(ctx, "Beta1Tensor", "beta1", 0.9f);
  step.beta2 = AttrOrTensor(ctx, "Beta2Tensor", "beta2", 0.999f);
  step.epsilon = AttrOrTensor(ctx, "EpsilonTensor", "epsilon", 1e-8f);
  step.decay = 0.0f;  // lr * lr_ratio * coeff: adamw's decoupled weight decay
  if (adamw && ctx.op().GetBool("with_decay", true)) {
    step.decay = step.lr * ctx.op().GetFloat("lr_ratio", 1.0f) * ctx.op().GetFloat("coeff", 0.01f);
  }
  step.Run(p, InputOfType(ctx, "Grad", DType::kFP32), m1, m2, b1p, b2p, po_t, m1o_t, m2o_t,
           global_pow ? nullptr : ctx.Out("Beta1PowOut"),
           global_pow ? nullptr : ctx.Out("Beta2PowOut"), ctx.config().num_threads);
}

void AdamKernel(OpContext& ctx) { AdamCommon(ctx, false); }
void AdamWKernel(OpContext& ctx) { AdamCommon(ctx, true); }

// ---- merged_adam: adam over lists of parameters (attributes beta1, beta2, epsilon only) ----

void MergedAdamInferShape(OpContext& ctx) {
  RejectMultiPrecision(ctx);
  const bool global_pow = ctx.op().GetBool("use_global_beta_pow", false);
  CheckMergedLists(ctx, {"Grad", "Moment1", "Moment2"}, {"ParamOut", "Moment1Out", "Moment2Out"});
  const size_t n = ctx.Ins("Param").size();
  for (const char* slot : {"Beta1Pow", "Beta2Pow"}) {
    PD_CHECK(ctx.Ins(slot).size() == n, "merged_adam: ", ctx.Ins(slot).size(), " ", slot,
             " for ", n, " Param");
    const std::string out = std::string(slot) + "Out";
    if (!global_pow)
      PD_CHECK(ctx.Outs(out).size() == n, "merged_adam: ", ctx.Outs(out).size(), " ", out,
               " for ", n, " Param");
    for (size_t i = 0; i < n; ++i) {
      PD_CHECK(InputWithData(ctx, slot, i).numel() == 1, "merged_adam: ", slot, "[", i,
               "] must hold one value");
      if (!global_pow) ctx.Out(out, i)->Resize(ctx.In(slot, i).dims());
    }
  }
}

void MergedAdamKernel(OpContext& ctx) {
  const OpView& op = ctx.op();
  const bool global_pow = op.GetBool("use_global_beta_pow", false);
  AdamStep step;
  step.beta1 = op.GetFloat("beta1", 0.9f);
  step.beta2 = op.GetFloat("beta2", 0.999f);
  step.epsilon = op.GetFloat("epsilon", 1e-8f);
  step.decay = 0.0f;
  for (size_t i = 0; i < ctx.Ins("Param").size(); ++i) {
    CheckMergedFloat(ctx, i, {"Param", "Grad", "Moment1", "Moment2", "Beta1Pow", "Beta2Pow"});
    step.lr = MergedLearningRate(ctx, i);
    step.Run(ctx.In("Param", i), ctx.In("Grad", i), ctx.In("Moment1", i), ctx.In("Moment2", i),
             ctx.In("Beta1Pow", i), ctx.In("Beta2Pow", i), ctx.Out("ParamOut", i),
             ctx.Out("Moment1Out", i), ctx.Out("Moment2Out", i),
             global_pow ? nullptr : ctx.Out("Beta1PowOut", i),
             global_pow ? nullptr : ctx.Out("Beta2PowOut", i), ctx.config().num_threads);
  }
}

}  // namespace

void RegisterOptimizerKernels(OpRegistry& r) {
  r.Add("sgd", SgdInferShape, "Param");
  r.AddKernel("sgd", DeviceType::kCPU, DType::kFP32, SgdKernel);
  r.Add("momentum", MomentumInferShape, "Param");
  r.AddKernel("momentum", DeviceType::kCPU, DType::kFP32, MomentumKernel);
  r.Add("merged_momentum", MergedMomentumInferShape, "Param");
  r.AddKernel("merged_momentum", DeviceType::kCPU, DType::kFP32, MergedMomentumKernel);
  r.Add("adam", AdamInferShape, "Param");
  r.AddKernel("adam", DeviceType::kCPU, DType::kFP32, AdamKernel);
  r.Add("adamw", AdamInferShape, "Param");
  r.AddKernel("adamw", DeviceType::kCPU, DType::kFP32, AdamWKernel);
  r.Add("merged_adam", MergedAdamInferShape, "Param");
  r.AddKernel("merged_adam", DeviceType::kCPU, DType::kFP32, MergedAdamKernel);
}

}  // namespace pd
