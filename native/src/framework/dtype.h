// Element types, numbered as Paddle's VarType.Type so that values read from model files map
// one to one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace pd {

enum class DType : int {
  kBool = 0,
  kInt16 = 1,
  kInt32 = 2,
  kInt64 = 3,
  kFP16 = 4,
  kFP32 = 5,
  kFP64 = 6,
  kSizeT = 19,
  kUInt8 = 20,
  kInt8 = 21,
  kBF16 = 22,
  kComplex64 = 23,
  kComplex128 = 24,
  kUndefined = -1,
};

// Bytes per element; 0 for a value that is not a tensor element type.
size_t SizeOf(DType t);
std::string DTypeName(DType t);
// True for the raw values of VarType.Type that name an element type.
bool IsElementType(int raw);

template <typename T>
struct DTypeOf;
template <> struct DTypeOf<bool> { static constexpr DType value = DType::kBool; };
template <> struct DTypeOf<int16_t> { static constexpr DType value = DType::kInt16; };
template <> struct DTypeOf<int32_t> { static constexpr DType value = DType::kInt32; };
template <> struct DTypeOf<int64_t> { static constexpr DType value = DType::kInt64; };
template <> struct DTypeOf<float> { static constexpr DType value = DType::kFP32; };
template <> struct DTypeOf<double> { static constexpr DType value = DType::kFP64; };
template <> struct DTypeOf<uint8_t> { static constexpr DType value = DType::kUInt8; };
template <> struct DTypeOf<int8_t> { static constexpr DType value = DType::kInt8; };

}  // namespace pd
