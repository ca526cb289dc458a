#include "io/lite_format.h"

#include <cstring>
#include <limits>

#include "framework/error.h"

namespace pd::lite {

proto::OpDesc::Attr ToProtoAttr(const AttrFields& a, const std::string& where) {
  proto::OpDesc::Attr out;
  out.set_name(a.name);
  switch (a.type) {
    case proto::INT: out.set_i(a.i); break;
    case proto::FLOAT: out.set_f(a.f); break;
    case proto::STRING: out.set_s(a.s); break;
    case proto::INTS: for (int32_t v : a.ints) out.add_ints(v); break;
    case proto::FLOATS: for (float v : a.floats) out.add_floats(v); break;
    case proto::STRINGS: for (const auto& v : a.strings) out.add_strings(v); break;
    case proto::BOOLEAN: out.set_b(a.b); break;
    case proto::BOOLEANS: for (bool v : a.bools) out.add_bools(v); break;
    case proto::BLOCK: out.set_block_idx(a.block_idx); break;
    case proto::LONG: out.set_l(a.l); break;
    case proto::BLOCKS: for (int32_t v : a.blocks_idx) out.add_blocks_idx(v); break;
    case proto::LONGS: for (int64_t v : a.longs) out.add_longs(v); break;
    default:
      Fail(where, ": attribute '", a.name, "' has type ", a.type,
           ", which Paddle-Lite models cannot carry (valid: 0 INT ... 11 LONGS); the file is "
           "corrupt");
  }
  out.set_type(static_cast<proto::AttrType>(a.type));
  return out;
}

int NaiveTypeToProto(int32_t naive) {
  // BOOL INT16 INT32 INT64 FP16 FP32 FP64 SIZE_T UINT8 INT8, then the variable kinds.
  static const int kMap[] = {0, 1, 2, 3, 4, 5, 6, 19, 20, 21, 7, 8, 9, 10, 11, 12, 13, 14, 15, 17, 18};
  if (naive < 0 || naive >= static_cast<int32_t>(sizeof(kMap) / sizeof(kMap[0]))) return -1;
  return kMap[naive];
}

DType ParamDType(int proto_type, const std::string& origin) {
  switch (proto_type) {
    case proto::VarType::FP32: return DType::kFP32;
    case proto::VarType::FP64: return DType::kFP64;
    case proto::VarType::INT8: return DType::kInt8;
    case proto::VarType::UINT8: return DType::kUInt8;
    case proto::VarType::INT16: return DType::kInt16;
    case proto::VarType::INT32: return DType::kInt32;
    case proto::VarType::INT64: return DType::kInt64;
    case proto::VarType::BOOL: return DType::kBool;
    case proto::VarType::FP16:
      Fail(origin, ": FP16 parameters are not supported (convert the model with opt without "
                   "--enable_fp16)");
    default:
      Fail(origin, ": parameter data type ", proto_type,
           " is not a tensor element type; the file is corrupt");
  }
}

uint64_t TensorBytes(const Dims& dims, DType dtype, const std::string& origin) {
  uint64_t n = SizeOf(dtype);
  for (int64_t d : dims) {
    PD_CHECK(d >= 0, origin, ": negative dimension in tensor shape ", DimsToString(dims));
    if (d != 0 && n > std::numeric_limits<uint64_t>::max() / static_cast<uint64_t>(d)) {
      Fail(origin, ": tensor shape ", DimsToString(dims), " is too large");
    }
    n *= static_cast<uint64_t>(d);
  }
  return n;
}

void FillTensor(const Dims& dims, DType dtype, const char* data, uint64_t n, const LoD& lod,
                Tensor* t, const std::string& origin) {
  uint64_t want = TensorBytes(dims, dtype, origin);
  PD_CHECK(n == want, origin, ": the shape ", DimsToString(dims), " of ", DTypeName(dtype),
           " needs ", want, " data bytes but the file holds ", n);
  t->Resize(dims);
  void* dst = t->mutable_data(dtype);
  if (n > 0) std::memcpy(dst, data, static_cast<size_t>(n));
  if (!lod.empty()) {
    try {
      ValidateLoD(lod, dims.empty() ? 0 : dims[0]);
    } catch (const Error& e) {
      Fail(origin, ": ", e.what());
    }
    t->set_lod(lod);
  }
}

}  // namespace pd::lite
