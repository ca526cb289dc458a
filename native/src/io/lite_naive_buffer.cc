#include "io/lite_naive_buffer.h"

#include <string>
#include <utility>

#include "framework/error.h"

namespace pd::lite {

namespace {

// Smallest encoded size of each struct (every field present, every list empty): a count that
// promises more items than these sizes allow is rejected before anything is allocated.
constexpr size_t kMinString = 8;
constexpr size_t kMinVar = 16;         // parameter, arguments
constexpr size_t kMinAttr = 97;        // the 14 attribute fields
constexpr size_t kMinOp = 33;          // type, inputs, outputs, attrs, is_target
constexpr size_t kMinTensorDesc = 12;  // data_type, dims
constexpr size_t kMinLoDTensorDesc = kMinTensorDesc + 4;
constexpr size_t kMinVarDesc = 8 + (4 + kMinTensorDesc + 2 * kMinLoDTensorDesc + 8 + 8) + 1;
constexpr size_t kMinBlock = 28;
constexpr size_t kMinParam = 8 + 4 + 8 + 8 + 4 + kMinTensorDesc + 8;

std::string ReadString(ByteReader& r, const char* what) {
  uint64_t n = r.Count(what, 1);
  const char* p = r.Bytes(n, what);
  return std::string(p, static_cast<size_t>(n));
}

template <typename T>
std::vector<T> ReadPrimitives(ByteReader& r, const char* what) {
  uint64_t n = r.Count(what, sizeof(T));
  std::vector<T> out;
  out.reserve(static_cast<size_t>(n));
  for (uint64_t i = 0; i < n; ++i) out.push_back(r.Read<T>(what));
  return out;
}

std::vector<std::string> ReadStrings(ByteReader& r, const char* what) {
  uint64_t n = r.Count(what, kMinString);
  std::vector<std::string> out;
  out.reserve(static_cast<size_t>(n));
  for (uint64_t i = 0; i < n; ++i) out.push_back(ReadString(r, what));
  return out;
}

struct TensorDesc {
  int32_t data_type = 0;  // naive enum; may be uninitialised garbage when never set
  std::vector<int64_t> dims;
};

TensorDesc ReadTensorDesc(ByteReader& r) {
  TensorDesc t;
  t.data_type = r.Read<int32_t>("tensor data_type");
  t.dims = ReadPrimitives<int64_t>(r, "tensor dims");
  return t;
}

// VarType { type; selected_rows; lod_tensor; tensor_array; reader; tuple }. Only `type` is
// always meaningful; Lite never initialises the enums of the descs it does not fill in.
void ReadVarType(ByteReader& r, proto::VarDesc* var) {
  int32_t naive_type = r.Read<int32_t>("variable type");
  int type = NaiveTypeToProto(naive_type);
  if (type < 0 || IsElementType(type)) {
    Fail(r.where(), ": variable '", var->name(), "' has type ", naive_type,
         ", which is not a variable kind (LOD_TENSOR=10 ... TUPLE=20 in the naive-buffer "
         "enum); the file is corrupt");
  }
  proto::VarType* vt = var->mutable_type();
  vt->set_type(static_cast<proto::VarType::Type>(type));
  ReadTensorDesc(r);  // selected_rows
  TensorDesc lod = ReadTensorDesc(r);
  int32_t lod_level = r.Read<int32_t>("lod_tensor lod_level");
  ReadTensorDesc(r);                   // tensor_array.tensor
  r.Read<int32_t>("tensor_array lod_level");
  uint64_t readers = r.Count("reader count", kMinLoDTensorDesc);
  for (uint64_t i = 0; i < readers; ++i) {
    ReadTensorDesc(r);
    r.Read<int32_t>("reader lod_level");
  }
  ReadPrimitives<int32_t>(r, "tuple element types");

  // Lite's opt writes variables without shapes, and then data_type is whatever was in memory
  // (0 or garbage): declare an element type only for a tensor with a shape and a valid type.
  int dtype = NaiveTypeToProto(lod.data_type);
  if (type == proto::VarType::LOD_TENSOR && !lod.dims.empty() && dtype >= 0 &&
      IsElementType(dtype)) {
    auto* t = vt->mutable_lod_tensor();
    t->set_lod_level(lod_level);
    t->mutable_tensor()->set_data_type(static_cast<proto::VarType::Type>(dtype));
    for (int64_t d : lod.dims) t->mutable_tensor()->add_dims(d);
  }
}

AttrFields ReadAttr(ByteReader& r) {
  AttrFields a;
  a.name = ReadString(r, "attribute name");
  a.type = r.Read<int32_t>("attribute type");
  a.i = r.Read<int32_t>("attribute i");
  a.f = r.Read<float>("attribute f");
  a.s = ReadString(r, "attribute s");
  a.ints = ReadPrimitives<int32_t>(r, "attribute ints");
  a.floats = ReadPrimitives<float>(r, "attribute floats");
  a.strings = ReadStrings(r, "attribute strings");
  a.b = r.Read<uint8_t>("attribute b") != 0;
  for (uint8_t v : ReadPrimitives<uint8_t>(r, "attribute bools")) a.bools.push_back(v != 0);
  a.block_idx = r.Read<int32_t>("attribute block_idx");
  a.l = r.Read<int64_t>("attribute l");
  a.blocks_idx = ReadPrimitives<int32_t>(r, "attribute blocks_idx");
  a.longs = ReadPrimitives<int64_t>(r, "attribute longs");
  return a;
}

void ReadSlots(ByteReader& r, const char* what,
               google::protobuf::RepeatedPtrField<proto::OpDesc::Var>* slots) {
  uint64_t n = r.Count(what, kMinVar);
  for (uint64_t i = 0; i < n; ++i) {
    proto::OpDesc::Var* v = slots->Add();
    v->set_parameter(ReadString(r, "slot name"));
    for (auto& arg : ReadStrings(r, "slot arguments")) v->add_arguments(std::move(arg));
  }
}

void ReadOp(ByteReader& r, const std::string& where, proto::OpDesc* op) {
  op->set_type(ReadString(r, "op type"));
  r.set_context(StrCat(where, " (", op->type(), ")"));
  ReadSlots(r, "op input count", op->mutable_inputs());
  ReadSlots(r, "op output count", op->mutable_outputs());
  uint64_t n = r.Count("op attribute count", kMinAttr);
  for (uint64_t i = 0; i < n; ++i) *op->add_attrs() = ToProtoAttr(ReadAttr(r), r.where());
  op->set_is_target(r.Read<uint8_t>("op is_target") != 0);
}

void ReadBlock(ByteReader& r, int index, proto::BlockDesc* block) {
  r.set_context(StrCat("block ", index));
  block->set_idx(r.Read<int32_t>("block idx"));
  block->set_parent_idx(r.Read<int32_t>("block parent_idx"));
  uint64_t vars = r.Count("block variable count", kMinVarDesc);
  for (uint64_t i = 0; i < vars; ++i) {
    r.set_context(StrCat("block ", index, ", variable #", i));
    proto::VarDesc* var = block->add_vars();
    var->set_name(ReadString(r, "variable name"));
    r.set_context(StrCat("block ", index, ", variable #", i, " '", var->name(), "'"));
    ReadVarType(r, var);
    var->set_persistable(r.Read<uint8_t>("variable persistable") != 0);
  }
  r.set_context(StrCat("block ", index));
  uint64_t ops = r.Count("block op count", kMinOp);
  for (uint64_t i = 0; i < ops; ++i) {
    std::string where = StrCat("block ", index, ", op #", i);
    r.set_context(where);
    ReadOp(r, where, block->add_ops());
  }
  r.set_context(StrCat("block ", index));
  block->set_forward_block_idx(r.Read<int32_t>("block forward_block_idx"));
}

}  // namespace

proto::ProgramDesc ReadNaiveProgram(ByteReader& r) {
  proto::ProgramDesc prog;
  r.set_context("program");
  uint64_t blocks = r.Count("program block count", kMinBlock);
  for (uint64_t i = 0; i < blocks; ++i) ReadBlock(r, static_cast<int>(i), prog.add_blocks());
  r.set_context("program");
  prog.mutable_version()->set_version(r.Read<int64_t>("program version"));
  r.set_context("");
  return prog;
}

Param ReadNaiveParam(ByteReader& r) {
  Param p;
  p.name = ReadString(r, "parameter name");
  r.set_context(StrCat("parameter '", p.name, "'"));
  r.Read<uint32_t>("parameter model_version");
  uint64_t lod_level = r.Read<uint64_t>("parameter lod_level");
  LoD lod;
  uint64_t levels = r.Count("parameter lod", 8);
  for (uint64_t i = 0; i < levels; ++i) {
    std::vector<uint64_t> level = ReadPrimitives<uint64_t>(r, "parameter lod level");
    lod.emplace_back(level.begin(), level.end());
  }
  PD_CHECK(lod_level == lod.size(), r.where(), ": lod_level is ", lod_level, " but ",
           lod.size(), " LoD levels follow");
  uint32_t tensor_version = r.Read<uint32_t>("parameter tensor_version");
  PD_CHECK(tensor_version == 0, r.where(), ": tensor_version is ", tensor_version,
           " (only 0 exists); the file is corrupt");
  TensorDesc desc = ReadTensorDesc(r);
  int proto_type = NaiveTypeToProto(desc.data_type);
  PD_CHECK(proto_type >= 0, r.where(), ": data type ", desc.data_type,
           " is outside the naive-buffer enum; the file is corrupt");
  DType dtype = ParamDType(proto_type, r.where());
  uint64_t start = r.offset();
  uint64_t n = r.Count("parameter data size", 1);
  const char* data = r.Bytes(n, "parameter data");
  FillTensor(desc.dims, dtype, data, n, lod, &p.tensor,
             StrCat(r.where(), " (data at byte ", start, ")"));
  r.set_context("");
  return p;
}

std::vector<Param> ReadNaiveParams(ByteReader& r) {
  r.set_context("parameters");
  uint64_t n = r.Count("parameter count", kMinParam);
  std::vector<Param> params;
  params.reserve(static_cast<size_t>(n));
  for (uint64_t i = 0; i < n; ++i) params.push_back(ReadNaiveParam(r));
  return params;
}

}  // namespace pd::lite
