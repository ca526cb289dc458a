#include "framework/dtype.h"

namespace pd {

size_t SizeOf(DType t) {
  switch (t) {
    case DType::kBool: return 1;
    case DType::kInt16: return 2;
    case DType::kInt32: return 4;
    case DType::kInt64: return 8;
    case DType::kFP16: return 2;
    case DType::kFP32: return 4;
    case DType::kFP64: return 8;
    case DType::kSizeT: return 8;
    case DType::kUInt8: return 1;
    case DType::kInt8: return 1;
    case DType::kBF16: return 2;
    case DType::kComplex64: return 8;
    case DType::kComplex128: return 16;
    case DType::kUndefined: return 0;
  }
  return 0;
}

std::string DTypeName(DType t) {
  switch (t) {
    case DType::kBool: return "bool";
    case DType::kInt16: return "int16";
    case DType::kInt32: return "int32";
    case DType::kInt64: return "int64";
    case DType::kFP16: return "float16";
    case DType::kFP32: return "float32";
    case DType::kFP64: return "float64";
    case DType::kSizeT: return "size_t";
    case DType::kUInt8: return "uint8";
    case DType::kInt8: return "int8";
    case DType::kBF16: return "bfloat16";
    case DType::kComplex64: return "complex64";
    case DType::kComplex128: return "complex128";
    case DType::kUndefined: return "undefined";
  }
  return "type " + std::to_string(static_cast<int>(t));
}

bool IsElementType(int raw) {
  return (raw >= 0 && raw <= 6) || (raw >= 19 && raw <= 24);
}

}  // namespace pd
