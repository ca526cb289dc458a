#include "passes/graph.h"

#include <algorithm>

namespace pd {

namespace {
bool Names(const google::protobuf::RepeatedPtrField<proto::OpDesc::Var>& slots,
           const std::string& var) {
  for (const auto& s : slots)
    for (const auto& a : s.arguments())
      if (a == var) return true;
  return false;
}

void SetSlot(google::protobuf::RepeatedPtrField<proto::OpDesc::Var>* slots,
             const std::string& slot, const std::vector<std::string>& names) {
  proto::OpDesc::Var* var = nullptr;
  for (auto& s : *slots) {
    if (s.parameter() == slot) {
      var = &s;
      break;
    }
  }
  if (var == nullptr) {
    var = slots->Add();
    var->set_parameter(slot);
  }
  var->clear_arguments();
  for (const std::string& name : names) var->add_arguments(name);
}

proto::OpDesc::Attr* AttrFor(proto::OpDesc* op, const std::string& name, proto::AttrType type) {
  proto::OpDesc::Attr* attr = nullptr;
  for (auto& a : *op->mutable_attrs())
    if (a.name() == name) attr = &a;
  if (attr == nullptr) attr = op->add_attrs();
  attr->Clear();
  attr->set_name(name);
  attr->set_type(type);
  return attr;
}
}  // namespace

Graph::Graph(const Program& program, Scope* weights)
    : desc_(program.desc()), weights_(weights), removed_(program.ops().size(), false) {}

int Graph::Readers(const std::string& var, int except) const {
  int n = 0;
  for (int b = 0; b < desc_.blocks_size(); ++b) {
    const auto& ops = desc_.blocks(b).ops();
    for (int i = 0; i < ops.size(); ++i) {
      if (b == 0 && (removed(i) || i == except)) continue;
      if (Names(ops[i].inputs(), var)) ++n;
    }
  }
  return n;
}

int Graph::SoleReader(const std::string& var) const {
  if (Readers(var) != 1) return -1;
  for (int i = 0; i < num_ops(); ++i)
    if (!removed(i) && Names(block().ops(i).inputs(), var)) return i;
  return -1;  // the reader is in another block
}

int Graph::Writers(const std::string& var) const {
  int n = 0;
  for (int b = 0; b < desc_.blocks_size(); ++b) {
    const auto& ops = desc_.blocks(b).ops();
    for (int i = 0; i < ops.size(); ++i)
      if (!(b == 0 && removed(i)) && Names(ops[i].outputs(), var)) ++n;
  }
  return n;
}

const Tensor* Graph::Weight(const std::string& name) const {
  bool persistable = false;
  for (const auto& v : block().vars())
    if (v.name() == name) persistable = v.persistable();
  if (!persistable) return nullptr;
  const Tensor* t = weights_->Find(name);
  return t != nullptr && t->initialized() && t->dtype() == DType::kFP32 ? t : nullptr;
}

bool Graph::SameDeclaredShape(const std::string& a, const std::string& b) const {
  const proto::VarDesc *va = nullptr, *vb = nullptr;
  for (const auto& v : block().vars()) {
    if (v.name() == a) va = &v;
    if (v.name() == b) vb = &v;
  }
  if (va == nullptr || vb == nullptr || !va->type().has_lod_tensor() ||
      !vb->type().has_lod_tensor())
    return false;
  const auto& da = va->type().lod_tensor().tensor().dims();
  const auto& db = vb->type().lod_tensor().tensor().dims();
  if (da.size() != db.size() || da.size() == 0) return false;
  // Only the batch may be unknown: two -1 extents elsewhere need not be equal at run time.
  for (int k = 0; k < da.size(); ++k)
    if (da[k] != db[k] || (k > 0 && da[k] < 0)) return false;
  return true;
}

int Graph::DeclaredRank(const std::string& name) const {
  const Dims dims = DeclaredDims(name);
  return dims.empty() ? -1 : static_cast<int>(dims.size());
}

Dims Graph::DeclaredDims(const std::string& name) const {
  for (const auto& v : block().vars()) {
    if (v.name() != name) continue;
    if (!v.type().has_lod_tensor()) return {};
    const auto& dims = v.type().lod_tensor().tensor().dims();
    return Dims(dims.begin(), dims.end());
  }
  return {};
}

bool Graph::HasVar(const std::string& name) const {
  if (weights_->Has(name)) return true;
  for (const auto& v : block().vars())
    if (v.name() == name) return true;
  return false;
}

std::string Graph::AddWeight(const std::string& hint, const Tensor& t) {
  std::string name = hint;
  for (int k = 1; HasVar(name); ++k) name = hint + "_" + std::to_string(k);
  weights_->Var(name)->CopyFrom(t);
  auto* var = desc_.mutable_blocks(0)->add_vars();
  var->set_name(name);
  var->set_persistable(true);
  auto* type = var->mutable_type();
  type->set_type(proto::VarType::LOD_TENSOR);
  auto* tensor = type->mutable_lod_tensor()->mutable_tensor();
  tensor->set_data_type(proto::VarType::FP32);
  for (int64_t d : t.dims()) tensor->add_dims(d);
  return name;
}

void Graph::Compact() {
  auto* ops = desc_.mutable_blocks(0)->mutable_ops();
  int kept = 0;
  for (int i = 0; i < ops->size(); ++i)
    if (!removed(i)) ops->SwapElements(kept++, i);
  ops->DeleteSubrange(kept, ops->size() - kept);
  removed_.assign(static_cast<size_t>(kept), false);
}

std::shared_ptr<const Program> Graph::ToProgram() {
  Compact();
  return Program::FromDesc(desc_, "the optimised program");
}

void SetInput(proto::OpDesc* op, const std::string& slot, const std::string& name) {
  SetSlot(op->mutable_inputs(), slot, {name});
}

void SetOutput(proto::OpDesc* op, const std::string& slot, const std::string& name) {
  SetSlot(op->mutable_outputs(), slot, {name});
}

void SetInputs(proto::OpDesc* op, const std::string& slot, const std::vector<std::string>& names) {
  SetSlot(op->mutable_inputs(), slot, names);
}

void SetOutputs(proto::OpDesc* op, const std::string& slot,
                const std::vector<std::string>& names) {
  SetSlot(op->mutable_outputs(), slot, names);
}

void SetAttr(proto::OpDesc* op, const std::string& name, const std::string& value) {
  AttrFor(op, name, proto::STRING)->set_s(value);
}

void SetAttr(proto::OpDesc* op, const std::string& name, float value) {
  AttrFor(op, name, proto::FLOAT)->set_f(value);
}

void SetAttr(proto::OpDesc* op, const std::string& name, int value) {
  AttrFor(op, name, proto::INT)->set_i(value);
}

void SetAttr(proto::OpDesc* op, const std::string& name, const std::vector<int>& values) {
  proto::OpDesc::Attr* attr = AttrFor(op, name, proto::INTS);
  for (int v : values) attr->add_ints(v);
}

void SetAttr(proto::OpDesc* op, const std::string& name, const std::vector<float>& values) {
  proto::OpDesc::Attr* attr = AttrFor(op, name, proto::FLOATS);
  for (float v : values) attr->add_floats(v);
}

void SetAttr(proto::OpDesc* op, const std::string& name, const std::vector<std::string>& values) {
  proto::OpDesc::Attr* attr = AttrFor(op, name, proto::STRINGS);
  for (const std::string& v : values) attr->add_strings(v);
}

bool ReadsOutside(const OpView& op, const std::string& slot, const std::string& var) {
  for (const auto& [name, args] : op.AllInputs())
    if (name != slot && std::find(args.begin(), args.end(), var) != args.end()) return true;
  return false;
}

bool OtherOutputsUnused(const Graph& g, int i, const std::string& keep) {
  for (const auto& [name, args] : g.view(i).AllOutputs()) {
    if (name == keep) continue;
    for (const auto& a : args)
      if (g.Readers(a, i) > 0) return false;
  }
  return true;
}

}  // namespace pd
