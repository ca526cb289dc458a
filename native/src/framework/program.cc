#include "framework/program.h"

#include <algorithm>
#include <utility>

#include "framework/error.h"

namespace pd {

namespace {
const std::vector<std::string>& EmptyArgs() {
  static const std::vector<std::string> empty;
  return empty;
}

const char* AttrTypeName(int t) {
  static const char* names[] = {"INT",   "FLOAT",    "STRING", "INTS",   "FLOATS",   "STRINGS",
                                "BOOLEAN", "BOOLEANS", "BLOCK",  "LONG",   "BLOCKS",   "LONGS",
                                "FLOAT64S", "VAR",     "VARS",   "FLOAT64", "SCALAR", "SCALARS"};
  return t >= 0 && t < 18 ? names[t] : "unknown";
}
}  // namespace

void OpView::InitSlots() const {
  if (slots_ready_) return;
  for (const auto& v : desc_->inputs())
    inputs_.emplace_back(v.parameter(), std::vector<std::string>(v.arguments().begin(), v.arguments().end()));
  for (const auto& v : desc_->outputs())
    outputs_.emplace_back(v.parameter(), std::vector<std::string>(v.arguments().begin(), v.arguments().end()));
  slots_ready_ = true;
}

const std::vector<std::string>& OpView::Inputs(const std::string& slot) const {
  InitSlots();
  for (const auto& kv : inputs_)
    if (kv.first == slot) return kv.second;
  return EmptyArgs();
}

const std::vector<std::string>& OpView::Outputs(const std::string& slot) const {
  InitSlots();
  for (const auto& kv : outputs_)
    if (kv.first == slot) return kv.second;
  return EmptyArgs();
}

std::string OpView::Input(const std::string& slot) const {
  const auto& a = Inputs(slot);
  return a.empty() ? std::string() : a[0];
}

std::string OpView::Output(const std::string& slot) const {
  const auto& a = Outputs(slot);
  return a.empty() ? std::string() : a[0];
}

std::vector<std::pair<std::string, std::vector<std::string>>> OpView::AllInputs() const {
  InitSlots();
  return inputs_;
}

std::vector<std::pair<std::string, std::vector<std::string>>> OpView::AllOutputs() const {
  InitSlots();
  return outputs_;
}

const proto::OpDesc::Attr* OpView::FindAttr(const std::string& name) const {
  for (const auto& a : desc_->attrs())
    if (a.name() == name) return &a;
  return nullptr;
}

namespace {
[[noreturn]] void BadAttr(const OpView& op, const proto::OpDesc::Attr& a, const char* want) {
  Fail("op ", op.type(), ": attribute ", a.name(), " has type ", AttrTypeName(a.type()),
       ", expected ", want);
}
}  // namespace

int64_t OpView::GetInt(const std::string& name, int64_t def) const {
  const auto* a = FindAttr(name);
  if (!a) return def;
  switch (a->type()) {
    case proto::INT: return a->i();
    case proto::LONG: return a->l();
    case proto::BOOLEAN: return a->b() ? 1 : 0;
    default: BadAttr(*this, *a, "an integer");
  }
}

float OpView::GetFloat(const std::string& name, float def) const {
  const auto* a = FindAttr(name);
  if (!a) return def;
  switch (a->type()) {
    case proto::FLOAT: return a->f();
    case proto::FLOAT64: return static_cast<float>(a->float64());
    case proto::INT: return static_cast<float>(a->i());
    case proto::LONG: return static_cast<float>(a->l());
    default: BadAttr(*this, *a, "a float");
  }
}

bool OpView::GetBool(const std::string& name, bool def) const {
  const auto* a = FindAttr(name);
  if (!a) return def;
  switch (a->type()) {
    case proto::BOOLEAN: return a->b();
    case proto::INT: return a->i() != 0;
    default: BadAttr(*this, *a, "a boolean");
  }
}

std::string OpView::GetString(const std::string& name, const std::string& def) const {
  const auto* a = FindAttr(name);
  if (!a) return def;
  if (a->type() != proto::STRING) BadAttr(*this, *a, "a string");
  return a->s();
}

std::vector<int64_t> OpView::GetInts(const std::string& name, const std::vector<int64_t>& def) const {
  const auto* a = FindAttr(name);
  if (!a) return def;
  switch (a->type()) {
    case proto::INTS: return std::vector<int64_t>(a->ints().begin(), a->ints().end());
    case proto::LONGS: return std::vector<int64_t>(a->longs().begin(), a->longs().end());
    default: BadAttr(*this, *a, "a list of integers");
  }
}

std::vector<float> OpView::GetFloats(const std::string& name, const std::vector<float>& def) const {
  const auto* a = FindAttr(name);
  if (!a) return def;
  switch (a->type()) {
    case proto::FLOATS: return std::vector<float>(a->floats().begin(), a->floats().end());
    case proto::FLOAT64S: return std::vector<float>(a->float64s().begin(), a->float64s().end());
    default: BadAttr(*this, *a, "a list of floats");
  }
}

std::vector<std::string> OpView::GetStrings(const std::string& name,
                                            const std::vector<std::string>& def) const {
  const auto* a = FindAttr(name);
  if (!a) return def;
  if (a->type() != proto::STRINGS) BadAttr(*this, *a, "a list of strings");
  return std::vector<std::string>(a->strings().begin(), a->strings().end());
}

std::shared_ptr<Program> Program::Parse(const std::string& bytes, const std::string& origin) {
  PD_CHECK(!bytes.empty(), origin, ": the program file is empty");
  proto::ProgramDesc desc;
  if (desc.ParseFromString(bytes)) return FromDesc(std::move(desc), origin);
  // Paddle 3 writes PIR programs as JSON; they are a different IR, not a ProgramDesc. Asked only
  // after protobuf decoding failed: a ProgramDesc starts with byte 0x0a ('\n'), and one whose
  // first block is 123 bytes long continues with '{'.
  size_t first = bytes.find_first_not_of(" \t\r\n");
  if (first != std::string::npos && bytes[first] == '{') {
    Fail(origin, ": this is a Paddle 3 PIR program (JSON), not a ProgramDesc; re-export the model "
                 "with paddle.static.save_inference_model(..., legacy_format=True) or Paddle 2.x");
  }
  Fail(origin, ": not a Paddle ProgramDesc (protobuf decoding failed; is this the model file?)");
}

std::shared_ptr<Program> Program::FromDesc(proto::ProgramDesc desc, const std::string& origin) {
  auto prog = std::make_shared<Program>();
  prog->desc_ = std::move(desc);
  PD_CHECK(prog->desc_.blocks_size() > 0, origin, ": the program has no blocks");
  const auto& b0 = prog->desc_.blocks(0);
  PD_CHECK(b0.idx() == 0, origin, ": block 0 has index ", b0.idx());
  PD_CHECK(b0.ops_size() > 0, origin, ": block 0 has no ops");
  for (const auto& op : b0.ops()) prog->ops_.emplace_back(&op);
  for (const auto& v : b0.vars()) {
    VarInfo info;
    info.name = v.name();
    info.type = v.type().type();
    info.persistable = v.persistable();
    if (v.type().has_lod_tensor()) {
      const auto& t = v.type().lod_tensor().tensor();
      info.dtype = IsElementType(t.data_type()) ? static_cast<DType>(t.data_type()) : DType::kUndefined;
      info.dims.assign(t.dims().begin(), t.dims().end());
      info.lod_level = v.type().lod_tensor().lod_level();
    }
    prog->vars_.push_back(std::move(info));
  }
  return prog;
}

const VarInfo* Program::FindVar(const std::string& name) const {
  for (const auto& v : vars_)
    if (v.name == name) return &v;
  return nullptr;
}

std::vector<std::string> Program::PersistableNames() const {
  std::vector<std::string> names;
  for (const auto& v : vars_) {
    if (!v.persistable) continue;
    if (v.type == proto::VarType::FEED_MINIBATCH || v.type == proto::VarType::FETCH_LIST ||
        v.type == proto::VarType::RAW)
      continue;
    names.push_back(v.name);
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

}  // namespace pd
