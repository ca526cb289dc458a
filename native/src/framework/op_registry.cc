#include "framework/op_registry.h"

#include "framework/builtins.h"

namespace pd {

OpContext::OpContext(const OpView& op, Scope* scope, const ExecConfig* config)
    : op_(op), config_(config) {
  for (const auto& slot : op_.AllInputs()) {
    std::vector<const Tensor*> ts;
    for (const auto& name : slot.second) {
      const Tensor* t = scope->Find(name);
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

void OpContext::RebindInput(const std::string& slot, size_t i, const Tensor* t) {
  for (auto& kv : ins_) {
    if (kv.first != slot) continue;
    PD_CHECK(i < kv.second.size(), "op ", op_.type(), ": input ", slot, " has no argument ", i);
    kv.second[i] = t;
    return;
  }
  Fail("op ", op_.type(), ": input ", slot, " is missing");
}

KernelFn OpDef::Select(const OpContext& ctx, DeviceType device) const {
  auto d = devices.find(device);
  PD_CHECK(d != devices.end(), "op ", type, " has no ", DeviceTypeName(device), " kernel");
  if (key_input.empty()) {
    PD_CHECK(d->second.any_type != nullptr, "op ", type, " has no kernel");
    return d->second.any_type;
  }
  const Tensor& key = ctx.In(key_input);
  // A shape-only key input may come without data (its dtype is still set).
  PD_CHECK(key.initialized() || shape_only_inputs.count(key_input) != 0, "op ", type, ": input ",
           key_input, " (", ctx.op().Input(key_input),
           ") has no data; was it fed?");
  auto it = d->second.by_type.find(key.dtype());
  PD_CHECK(it != d->second.by_type.end(), "op ", type, " has no ", DeviceTypeName(device),
           " kernel for ", DTypeName(key.dtype()), " input ", key_input);
  return it->second;
}

LayoutCheck OpDef::LayoutCheckFor(const OpView& op, DeviceType device) const {
  auto d = devices.find(device);
  if (d == devices.end() || d->second.layout_rule == nullptr) return nullptr;
  return d->second.layout_rule(op);
}

const OpRegistry& OpRegistry::Global() {
  return Mutable();
}

OpRegistry& OpRegistry::Mutable() {
  static OpRegistry* registry = [] {
    auto* r = new OpRegistry();
    RegisterBuiltinOps(*r);
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

OpDef& OpRegistry::Get(const std::string& type) {
  auto it = defs_.find(type);
  PD_CHECK(it != defs_.end(), "kernel registered for unknown op ", type);
  return it->second;
}

void OpRegistry::AddKernel(const std::string& type, DeviceType device, DType dtype, KernelFn fn) {
  OpDef& def = Get(type);
  DeviceKernels& k = def.devices[device];
  if (def.key_input.empty()) {
    k.any_type = fn;
  } else {
    k.by_type[dtype] = fn;
  }
}

void OpRegistry::SetLayoutRule(const std::string& type, DeviceType device, LayoutRule rule) {
  Get(type).devices[device].layout_rule = rule;
}

void OpRegistry::SetInPlace(const std::string& type, const std::string& input,
                            const std::string& output) {
  OpDef& def = Get(type);
  def.in_place_input = input;
  def.in_place_output = output;
}

void OpRegistry::SetShapeOnlyInputs(const std::string& type, std::set<std::string> slots) {
  Get(type).shape_only_inputs = std::move(slots);
}

void OpRegistry::SetGradMaker(const std::string& type, GradMakerFn maker) {
  Get(type).grad_maker = maker;
}

void OpRegistry::RemoveDevice(DeviceType device) {
  for (auto& kv : defs_) kv.second.devices.erase(device);
}

void OpRegistry::CopyKernels(DeviceType from, DeviceType to, KernelFn through) {
  for (auto& [type, def] : defs_) {
    auto it = def.devices.find(from);
    if (it == def.devices.end()) continue;
    DeviceKernels& k = def.devices[to] = it->second;
    if (through == nullptr) continue;
    for (auto& [dtype, fn] : k.by_type) fn = through;
    if (k.any_type != nullptr) k.any_type = through;
  }
}

void ShareLoD(OpContext& ctx, const std::string& in_slot, const std::string& out_slot) {
  ctx.Out(out_slot)->set_lod(ctx.In(in_slot).lod());
}

}  // namespace pd
