#include "framework/op_registry.h"

#include "kernels/register.h"

namespace pd {

OpContext::OpContext(const OpView& op, Scope* scope, const ExecConfig* config)
    : op_(op), config_(config) {
  for (const auto& slot : op_.AllInputs()) {
    std::vector<const Tensor*> ts;
    for (const auto& name : slot.second) {
      const Tensor* t = scope->Find(name);
      if (t != nullptr && scope->FindLocal(name) == nullptr) const_ins_.push_back(t);
      // A variable no earlier op writes and no parameter holds is fed by the caller: make it.
      ts.push_back(t ? t : scope->Var(name));
    }
    ins_.emplace_back(slot.first, std::move(ts));
  }
  for (const auto& slot : op_.AllOutputs()) {
    std::vector<Tensor*> ts;
    for (const auto& name : slot.second) ts.push_back(scope->Var(name));
    outs_.emplace_back(slot.first, std::move(ts));
  }
}

bool OpContext::HasInput(const std::string& slot) const {
  for (const auto& kv : ins_)
    if (kv.first == slot) return !kv.second.empty();
  return false;
}

bool OpContext::HasOutput(const std::string& slot) const {
  for (const auto& kv : outs_)
    if (kv.first == slot) return !kv.second.empty();
  return false;
}

const std::vector<const Tensor*>& OpContext::Ins(const std::string& slot) const {
  for (const auto& kv : ins_)
    if (kv.first == slot) return kv.second;
  Fail("op ", op_.type(), ": input ", slot, " is missing");
}

const Tensor& OpContext::In(const std::string& slot, size_t i) const {
  const auto& ts = Ins(slot);
  PD_CHECK(i < ts.size(), "op ", op_.type(), ": input ", slot, " has no argument ", i);
  return *ts[i];
}

const std::vector<Tensor*>& OpContext::Outs(const std::string& slot) const {
  for (const auto& kv : outs_)
    if (kv.first == slot) return kv.second;
  Fail("op ", op_.type(), ": output ", slot, " is missing");
}

Tensor* OpContext::Out(const std::string& slot, size_t i) const {
  const auto& ts = Outs(slot);
  PD_CHECK(i < ts.size(), "op ", op_.type(), ": output ", slot, " has no argument ", i);
  return ts[i];
}

bool OpContext::InputIsConst(const std::string& slot, size_t i) const {
  const Tensor* t = &In(slot, i);
  for (const Tensor* c : const_ins_)
    if (c == t) return true;
  return false;
}

KernelFn OpDef::Select(const OpContext& ctx, Place place) const {
  if (key_input.empty()) {
    PD_CHECK(any_type_kernel != nullptr, "op ", type, " has no kernel");
    return any_type_kernel;
  }
  const Tensor& key = ctx.In(key_input);
  PD_CHECK(key.initialized(), "op ", type, ": input ", key_input, " (", ctx.op().Input(key_input),
           ") has no data; was it fed?");
  auto it = kernels.find({place, key.dtype()});
  PD_CHECK(it != kernels.end(), "op ", type, " has no ", place == Place::kGPU ? "GPU" : "CPU",
           " kernel for ", DTypeName(key.dtype()), " input ", key_input);
  return it->second;
}

const OpRegistry& OpRegistry::Global() {
  static const OpRegistry* registry = [] {
    auto* r = new OpRegistry();
    RegisterAllKernels(*r);
    return r;
  }();
  return *registry;
}

const OpDef* OpRegistry::Find(const std::string& type) const {
  auto it = defs_.find(type);
  return it == defs_.end() ? nullptr : &it->second;
}

std::vector<std::string> OpRegistry::Types() const {
  std::vector<std::string> types;
  for (const auto& kv : defs_) types.push_back(kv.first);
  return types;
}

OpDef& OpRegistry::Add(const std::string& type, InferShapeFn infer_shape,
                       const std::string& key_input) {
  OpDef& def = defs_[type];
  def.type = type;
  def.infer_shape = infer_shape;
  def.key_input = key_input;
  return def;
}

void OpRegistry::AddKernel(const std::string& type, Place place, DType dtype, KernelFn fn) {
  auto it = defs_.find(type);
  PD_CHECK(it != defs_.end(), "kernel registered for unknown op ", type);
  if (it->second.key_input.empty()) {
    it->second.any_type_kernel = fn;
  } else {
    it->second.kernels[{place, dtype}] = fn;
  }
}

void ShareLoD(OpContext& ctx, const std::string& in_slot, const std::string& out_slot) {
  ctx.Out(out_slot)->set_lod(ctx.In(in_slot).lod());
}

}  // namespace pd
