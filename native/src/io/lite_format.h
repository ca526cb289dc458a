// What the Paddle-Lite model formats (naive buffer, flatbuffers) have in common once decoded:
// parameters as named tensors, element types, and attributes that carry every field with the
// value selected by their type. Both parsers produce framework.proto messages through these.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "framework.pb.h"
#include "framework/tensor.h"

namespace pd::lite {

namespace proto = paddle::framework::proto;

struct Param {
  std::string name;
  Tensor tensor;
};

// An attribute as both Lite encodings store it: all fields, one of them meaningful.
struct AttrFields {
  std::string name;
  int32_t type = 0;  // AttrType, protobuf numbering in both encodings
  int32_t i = 0;
  float f = 0;
  std::string s;
  std::vector<int32_t> ints;
  std::vector<float> floats;
  std::vector<std::string> strings;
  bool b = false;
  std::vector<bool> bools;
  int32_t block_idx = 0;
  int64_t l = 0;
  std::vector<int32_t> blocks_idx;
  std::vector<int64_t> longs;
};

// The framework.proto attribute holding the field that type selects. Fails, naming where
// ("op #3 (fc)"), for an attribute type that neither encoding can carry.
proto::OpDesc::Attr ToProtoAttr(const AttrFields& a, const std::string& where);

// The naive buffer's VarDataType (sequential: BOOL=0 ... INT8=9, LOD_TENSOR=10 ... TUPLE=20)
// as framework.proto's VarType.Type; -1 for a value outside the enum.
int NaiveTypeToProto(int32_t naive);

// Element type of a parameter from a framework.proto VarType.Type value; fails naming origin
// for anything that is not one of the types Lite writes parameters in.
DType ParamDType(int proto_type, const std::string& origin);

// numel(dims) * element size, failing (naming origin) for negative or overflowing shapes.
uint64_t TensorBytes(const Dims& dims, DType dtype, const std::string& origin);

// Fills t with dims, dtype and a copy of the n data bytes; n must match the shape exactly.
void FillTensor(const Dims& dims, DType dtype, const char* data, uint64_t n, const LoD& lod,
                Tensor* t, const std::string& origin);

}  // namespace pd::lite
