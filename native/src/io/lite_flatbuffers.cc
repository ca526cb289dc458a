#include "io/lite_flatbuffers.h"

#include "framework/error.h"
#include "io/flatbuffer_reader.h"

namespace pd::lite {

namespace {

using fbs::Table;
using fbs::Vector;

// Field ids, in declaration order of framework.fbs / param.fbs.
enum ProgramField { kProgBlocks = 0, kProgVersion = 1 };
enum BlockField { kBlockIdx = 0, kBlockParent = 1, kBlockVars = 2, kBlockOps = 3, kBlockFwd = 4 };
enum VarField { kVarName = 0, kVarType = 1, kVarPersistable = 2 };
enum VarTypeField { kVtType = 0, kVtLoDTensor = 2 };
enum TensorField { kTdDataType = 0, kTdDims = 1 };
enum OpField { kOpType = 0, kOpInputs = 1, kOpOutputs = 2, kOpAttrs = 3, kOpIsTarget = 4 };
enum SlotField { kSlotParameter = 0, kSlotArguments = 1 };
enum AttrField {
  kAName = 0, kAType, kAI, kAF, kAS, kAInts, kAFloats, kAStrings, kAB, kABools, kABlockIdx,
  kAL, kABlocksIdx, kALongs
};
enum ParamField { kParamName = 1, kParamVariableType = 2, kParamVariable = 3 };
enum ParamTensorField { kPtDim = 2, kPtDataType = 3, kPtData = 4 };

void ReadSlots(const Table& op, int field, const char* name,
               google::protobuf::RepeatedPtrField<proto::OpDesc::Var>* out) {
  Vector v = op.Vec(field, 4, name);
  for (uint32_t i = 0; i < v.count; ++i) {
    Table slot = op.TableAt(v, i, StrCat(op.what(), " ", name, " #", i));
    proto::OpDesc::Var* var = out->Add();
    var->set_parameter(slot.String(kSlotParameter, "parameter"));
    Vector args = slot.Vec(kSlotArguments, 4, "arguments");
    for (uint32_t j = 0; j < args.count; ++j)
      var->add_arguments(slot.StringAt(args, j, "arguments"));
  }
}

AttrFields ReadAttr(const Table& t) {
  AttrFields a;
  a.name = t.String(kAName, "name");
  a.type = t.Scalar<int32_t>(kAType, 0, "type");
  a.i = t.Scalar<int32_t>(kAI, 0, "i");
  a.f = t.Scalar<float>(kAF, 0.f, "f");
  a.s = t.String(kAS, "s");
  a.ints = t.Scalars<int32_t>(kAInts, "ints");
  a.floats = t.Scalars<float>(kAFloats, "floats");
  Vector strings = t.Vec(kAStrings, 4, "strings");
  for (uint32_t i = 0; i < strings.count; ++i) a.strings.push_back(t.StringAt(strings, i, "strings"));
  a.b = t.Scalar<uint8_t>(kAB, 0, "b") != 0;
  for (uint8_t v : t.Scalars<uint8_t>(kABools, "bools")) a.bools.push_back(v != 0);
  a.block_idx = t.Scalar<int32_t>(kABlockIdx, 0, "block_idx");
  a.l = t.Scalar<int64_t>(kAL, 0, "l");
  a.blocks_idx = t.Scalars<int32_t>(kABlocksIdx, "blocks_idx");
  a.longs = t.Scalars<int64_t>(kALongs, "longs");
  return a;
}

void ReadOp(const Table& t, proto::OpDesc* op) {
  op->set_type(t.String(kOpType, "type"));
  std::string where = StrCat(t.buffer().origin(), ", ", t.what(), " (", op->type(), ")");
  ReadSlots(t, kOpInputs, "inputs", op->mutable_inputs());
  ReadSlots(t, kOpOutputs, "outputs", op->mutable_outputs());
  Vector attrs = t.Vec(kOpAttrs, 4, "attrs");
  for (uint32_t i = 0; i < attrs.count; ++i) {
    Table a = t.TableAt(attrs, i, StrCat(where, " attribute #", i));
    *op->add_attrs() = ToProtoAttr(ReadAttr(a), where);
  }
  op->set_is_target(t.Scalar<uint8_t>(kOpIsTarget, 0, "is_target") != 0);
}

void ReadVar(const Table& t, proto::VarDesc* var) {
  var->set_name(t.String(kVarName, "name"));
  Table type = t.Child(kVarType, "type");
  int32_t kind = type.Scalar<int32_t>(kVtType, 0, "type");
  if (kind < 0 || kind > 30 || IsElementType(kind)) {
    Fail(t.buffer().origin(), ", ", t.what(), " '", var->name(), "': type ", kind,
         " is not a variable kind (LOD_TENSOR=7 ... in framework.proto numbering)");
  }
  proto::VarType* vt = var->mutable_type();
  vt->set_type(static_cast<proto::VarType::Type>(kind));
  if (kind == proto::VarType::LOD_TENSOR && type.Has(kVtLoDTensor)) {
    Table lod = type.Child(kVtLoDTensor, "lod_tensor");
    Table td = lod.Child(0, "tensor");
    int32_t dtype = td.Scalar<int32_t>(kTdDataType, 0, "data_type");
    std::vector<int64_t> dims = td.Scalars<int64_t>(kTdDims, "dims");
    // As in the naive format, declare a type only with a shape: opt may leave both unset.
    if (!dims.empty() && IsElementType(dtype)) {
      auto* out = vt->mutable_lod_tensor();
      out->set_lod_level(lod.Scalar<int32_t>(1, 0, "lod_level"));
      out->mutable_tensor()->set_data_type(static_cast<proto::VarType::Type>(dtype));
      for (int64_t d : dims) out->mutable_tensor()->add_dims(d);
    }
  }
  var->set_persistable(t.Scalar<uint8_t>(kVarPersistable, 0, "persistable") != 0);
}

Param ReadParamTable(const Table& t) {
  Param p;
  p.name = t.String(kParamName, "name");
  std::string where = StrCat(t.buffer().origin(), ", ", t.what(), " '", p.name, "'");
  uint8_t kind = t.Scalar<uint8_t>(kParamVariableType, 0, "variable_type");
  PD_CHECK(kind == 1, where, ": variable type ", static_cast<int>(kind),
           " is not LoDTensorDesc (1), the only kind param.fbs defines");
  Table tensor = t.Child(kParamVariable, "variable");
  Dims dims = tensor.Scalars<int64_t>(kPtDim, "dim");
  DType dtype = ParamDType(tensor.Scalar<int32_t>(kPtDataType, 0, "data_type"), where);
  Vector data = tensor.Vec(kPtData, 1, "data");
  FillTensor(dims, dtype, tensor.buffer().data() + data.pos, data.count, {}, &p.tensor, where);
  return p;
}

}  // namespace

proto::ProgramDesc ReadFbsProgram(const char* data, size_t size, const std::string& origin,
                                  uint64_t base) {
  fbs::Buffer buf(data, size, origin, base);
  Table root = Table::Root(&buf, "topology ProgramDesc");
  proto::ProgramDesc prog;
  Vector blocks = root.Vec(kProgBlocks, 4, "blocks");
  for (uint32_t b = 0; b < blocks.count; ++b) {
    Table bt = root.TableAt(blocks, b, StrCat("block ", b));
    proto::BlockDesc* block = prog.add_blocks();
    block->set_idx(bt.Scalar<int32_t>(kBlockIdx, 0, "idx"));
    block->set_parent_idx(bt.Scalar<int32_t>(kBlockParent, 0, "parent_idx"));
    block->set_forward_block_idx(bt.Scalar<int32_t>(kBlockFwd, -1, "forward_block_idx"));
    Vector vars = bt.Vec(kBlockVars, 4, "vars");
    for (uint32_t i = 0; i < vars.count; ++i)
      ReadVar(bt.TableAt(vars, i, StrCat("block ", b, ", variable #", i)), block->add_vars());
    Vector ops = bt.Vec(kBlockOps, 4, "ops");
    for (uint32_t i = 0; i < ops.count; ++i)
      ReadOp(bt.TableAt(ops, i, StrCat("block ", b, ", op #", i)), block->add_ops());
  }
  if (root.Has(kProgVersion)) {
    Table v = root.Child(kProgVersion, "version");
    prog.mutable_version()->set_version(v.Scalar<int64_t>(0, 0, "version"));
  }
  return prog;
}

Param ReadFbsParam(const char* data, size_t size, const std::string& origin, uint64_t base) {
  fbs::Buffer buf(data, size, origin, base);
  return ReadParamTable(Table::Root(&buf, "ParamDesc"));
}

std::vector<Param> ReadFbsCombinedParams(const char* data, size_t size,
                                         const std::string& origin, uint64_t base) {
  fbs::Buffer buf(data, size, origin, base);
  Table root = Table::Root(&buf, "CombinedParamsDesc");
  Vector v = root.Vec(0, 4, "params");
  std::vector<Param> params;
  for (uint32_t i = 0; i < v.count; ++i)
    params.push_back(ReadParamTable(root.TableAt(v, i, StrCat("ParamDesc #", i))));
  return params;
}

}  // namespace pd::lite
