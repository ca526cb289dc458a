#include "framework/backward.h"

#include <map>

#include "framework/error.h"
#include "framework/op_registry.h"

namespace pd {
namespace {

std::vector<std::string> SlotArgs(const google::protobuf::RepeatedPtrField<proto::OpDesc::Var>& vars,
                                  const std::string& slot) {
  for (const auto& v : vars)
    if (v.parameter() == slot) return {v.arguments().begin(), v.arguments().end()};
  return {};
}

void AddSlot(google::protobuf::RepeatedPtrField<proto::OpDesc::Var>* vars, const std::string& slot,
             const std::vector<std::string>& names) {
  std::vector<std::string> kept;
  for (const std::string& n : names)
    if (!n.empty()) kept.push_back(n);
  if (kept.empty()) return;
  auto* v = vars->Add();
  v->set_parameter(slot);
  for (const std::string& n : kept) v->add_arguments(n);
}

bool IsFloat(const proto::VarDesc* var) {
  if (var == nullptr || !var->type().has_lod_tensor()) return true;  // undeclared: assume so
  const auto t = var->type().lod_tensor().tensor().data_type();
  return t == proto::VarType::FP32 || t == proto::VarType::FP64 || t == proto::VarType::FP16 ||
         t == proto::VarType::BF16;
}

std::vector<std::string> AllArgs(const google::protobuf::RepeatedPtrField<proto::OpDesc::Var>& vars) {
  std::vector<std::string> names;
  for (const auto& v : vars)
    for (const auto& a : v.arguments()) names.push_back(a);
  return names;
}

// The variable a gradient name belongs to: "x@GRAD@RENAME@block0@1" -> "x".
std::string ForwardName(const std::string& grad) {
  const auto at = grad.find("@GRAD");
  return at == std::string::npos ? grad : grad.substr(0, at);
}

// Paddle's _addup_repetitive_outputs_: a gradient written by more than one grad op is written
// to renamed variables and summed into its own name right before its first reader (or at the
// end).
void SumRepeatedGradients(std::vector<proto::OpDesc>* ops) {
  struct Writer {
    size_t op;
    int slot, arg;
  };
  std::map<std::string, std::vector<Writer>> pending;  // writes not yet read
  std::map<std::string, int> renames;                  // renamed copies made so far, per name
  std::vector<proto::OpDesc> out;
  const auto rename = [&](proto::OpDesc& op, const Writer& w, const std::string& name) {
    const std::string to = name + "@RENAME@block0@" + std::to_string(renames[name]++);
    op.mutable_outputs(w.slot)->set_arguments(w.arg, to);
    return to;
  };
  const auto make_sum = [&](const std::string& name) {
    proto::OpDesc sum;
    sum.set_type("sum");
    auto* x = sum.add_inputs();
    x->set_parameter("X");
    for (const Writer& w : pending[name])
      x->add_arguments(out[w.op].outputs(w.slot).arguments(w.arg));
    AddSlot(sum.mutable_outputs(), "Out", {name});
    pending.erase(name);
    return sum;
  };
  for (proto::OpDesc& op : *ops) {
    for (const std::string& name : AllArgs(op.inputs())) {
      auto it = pending.find(name);
      if (it == pending.end()) continue;
      if (it->second.size() > 1) {
        out.push_back(make_sum(name));
      } else {
        pending.erase(it);
      }
    }
    const size_t index = out.size();
    out.push_back(op);
    proto::OpDesc& placed = out.back();
    for (int s = 0; s < placed.outputs_size(); ++s) {
      for (int a = 0; a < placed.outputs(s).arguments_size(); ++a) {
        const std::string name = placed.outputs(s).arguments(a);
        if (name.find("@GRAD") == std::string::npos) continue;
        auto& writers = pending[name];
        if (writers.size() == 1) rename(out[writers[0].op], writers[0], name);
        if (!writers.empty()) rename(placed, Writer{index, s, a}, name);
        writers.push_back(Writer{index, s, a});
      }
    }
  }
  for (auto it = pending.begin(); it != pending.end();) {
    const std::string name = it->first;
    ++it;
    if (pending[name].size() > 1) out.push_back(make_sum(name));
  }
  *ops = std::move(out);
}

}  // namespace

GradOpBuilder::Op& GradOpBuilder::Op::In(const std::string& slot,
                                         const std::vector<std::string>& names) {
  AddSlot(desc_->mutable_inputs(), slot, names);
  return *this;
}

GradOpBuilder::Op& GradOpBuilder::Op::Out(const std::string& slot,
                                          const std::vector<std::string>& names) {
  AddSlot(desc_->mutable_outputs(), slot, names);
  return *this;
}

proto::OpDesc::Attr* GradOpBuilder::Op::Attr(const std::string& name) {
  for (auto& a : *desc_->mutable_attrs())
    if (a.name() == name) {
      a.Clear();
      a.set_name(name);
      return &a;
    }
  auto* a = desc_->add_attrs();
  a->set_name(name);
  return a;
}

GradOpBuilder::Op& GradOpBuilder::Op::Float(const std::string& name, float v) {
  auto* a = Attr(name);
  a->set_type(proto::FLOAT);
  a->set_f(v);
  return *this;
}

GradOpBuilder::Op& GradOpBuilder::Op::Bool(const std::string& name, bool v) {
  auto* a = Attr(name);
  a->set_type(proto::BOOLEAN);
  a->set_b(v);
  return *this;
}

std::vector<std::string> GradOpBuilder::Input(const std::string& slot) const {
  return SlotArgs(forward_.inputs(), slot);
}

std::vector<std::string> GradOpBuilder::Output(const std::string& slot) const {
  return SlotArgs(forward_.outputs(), slot);
}

std::vector<std::string> GradOpBuilder::InputGrad(const std::string& slot) const {
  std::vector<std::string> names = Input(slot);
  for (std::string& n : names) n = needs_grad_.count(n) ? GradVarName(n) : "";
  return names;
}

std::vector<std::string> GradOpBuilder::OutputGrad(const std::string& slot) const {
  std::vector<std::string> names = Output(slot);
  for (std::string& n : names) n = available_.count(n) ? GradVarName(n) : "";
  return names;
}

GradOpBuilder::Op GradOpBuilder::Add(const std::string& type) {
  ops_.emplace_back();
  proto::OpDesc& op = ops_.back();
  op.set_type(type);
  for (const auto& attr : forward_.attrs()) *op.add_attrs() = attr;
  return Op(&op);
}

BackwardResult AppendBackward(proto::ProgramDesc* program, const std::string& loss,
                              const std::set<std::string>& no_grad_set) {
  PD_CHECK(program->blocks_size() > 0, "append_backward: the program has no blocks");
  proto::BlockDesc* block = program->mutable_blocks(0);
  std::map<std::string, proto::VarDesc*> vars;
  for (auto& v : *block->mutable_vars()) vars[v.name()] = &v;
  const auto var = [&](const std::string& name) -> proto::VarDesc* {
    auto it = vars.find(name);
    return it == vars.end() ? nullptr : it->second;
  };
  PD_CHECK(var(loss) != nullptr, "append_backward: the loss ", loss, " is not a variable of block 0");

  // The ops the loss depends on.
  const int n = block->ops_size();
  std::vector<bool> on_path(n, false);
  std::set<std::string> needed{loss};
  for (int i = n - 1; i >= 0; --i) {
    const proto::OpDesc& op = block->ops(i);
    bool hit = false;
    for (const std::string& o : AllArgs(op.outputs())) hit |= needed.count(o) != 0;
    if (!hit) continue;
    on_path[i] = true;
    for (const std::string& in : AllArgs(op.inputs())) needed.insert(in);
  }

  // Which variables want a gradient: float ones that are not stopped, and op outputs computed
  // from at least one such input.
  std::set<std::string> wants;
  const auto stopped = [&](const std::string& name) {
    const proto::VarDesc* v = var(name);
    return no_grad_set.count(name) || (v != nullptr && v->stop_gradient()) || !IsFloat(v);
  };
  std::set<std::string> produced;
  for (int i = 0; i < n; ++i)
    if (on_path[i])
      for (const std::string& o : AllArgs(block->ops(i).outputs())) produced.insert(o);
  for (const auto& kv : vars)
    if (!produced.count(kv.first) && !stopped(kv.first)) wants.insert(kv.first);
  for (int i = 0; i < n; ++i) {
    if (!on_path[i]) continue;
    const proto::OpDesc& op = block->ops(i);
    bool any = false;
    for (const std::string& in : AllArgs(op.inputs())) any |= wants.count(in) != 0;
    for (const std::string& o : AllArgs(op.outputs()))
      if (any && !stopped(o)) wants.insert(o);
  }
  PD_CHECK(wants.count(loss), "append_backward: nothing the loss ", loss,
           " is computed from wants a gradient (all inputs stop_gradient?)");

  // loss@GRAD = 1, shaped like the loss.
  std::vector<proto::OpDesc> grad_ops;
  {
    proto::OpDesc fill;
    fill.set_type("fill_constant");
    AddSlot(fill.mutable_outputs(), "Out", {GradVarName(loss)});
    auto* shape = fill.add_attrs();
    shape->set_name("shape");
    shape->set_type(proto::LONGS);
    for (int64_t d : var(loss)->type().lod_tensor().tensor().dims()) shape->add_longs(d < 0 ? 1 : d);
    auto* value = fill.add_attrs();
    value->set_name("value");
    value->set_type(proto::FLOAT);
    value->set_f(1.0f);
    auto* dtype = fill.add_attrs();
    dtype->set_name("dtype");
    dtype->set_type(proto::INT);
    dtype->set_i(var(loss)->type().lod_tensor().tensor().data_type());
    grad_ops.push_back(fill);
  }
  std::set<std::string> available{loss};
  for (int i = n - 1; i >= 0; --i) {
    if (!on_path[i]) continue;
    const proto::OpDesc& op = block->ops(i);
    bool flows = false;
    for (const std::string& o : AllArgs(op.outputs())) flows |= available.count(o) != 0;
    bool wanted = false;
    for (const std::string& in : AllArgs(op.inputs())) wanted |= wants.count(in) != 0;
    if (!flows || !wanted) continue;
    const OpDef* def = OpRegistry::Global().Find(op.type());
    PD_CHECK(def != nullptr && def->grad_maker != nullptr, "append_backward: op #", i, " (",
             op.type(), ") is on the loss's path but has no gradient rule");
    GradOpBuilder g(op, wants, available);
    def->grad_maker(g);
    for (proto::OpDesc& gop : g.ops()) {
      for (const std::string& o : AllArgs(gop.outputs())) available.insert(ForwardName(o));
      grad_ops.push_back(std::move(gop));
    }
  }
  SumRepeatedGradients(&grad_ops);

  BackwardResult result;
  result.first_grad_op = n;
  for (proto::OpDesc& op : grad_ops) {
    for (const std::string& name : AllArgs(op.outputs())) {
      if (var(name) != nullptr) continue;
      proto::VarDesc* grad = block->add_vars();
      const proto::VarDesc* fwd = var(ForwardName(name));
      if (fwd != nullptr) {
        *grad->mutable_type() = fwd->type();
      } else {
        grad->mutable_type()->set_type(proto::VarType::LOD_TENSOR);
      }
      grad->set_name(name);
      vars[name] = grad;
    }
    *block->add_ops() = std::move(op);
  }
  for (const auto& v : block->vars()) {
    if (!v.persistable() || !wants.count(v.name())) continue;
    if (available.count(v.name())) result.param_grads.emplace_back(v.name(), GradVarName(v.name()));
  }
  return result;
}

}  // namespace pd
