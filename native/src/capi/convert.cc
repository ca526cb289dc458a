#include "capi/convert.h"

#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>

#include "pd_utils.h"

namespace pd::capi {

PD_DataType ToPD(DType t) {
  switch (t) {
    case DType::kFP32: return PD_DATA_FLOAT32;
    case DType::kInt32: return PD_DATA_INT32;
    case DType::kInt64: return PD_DATA_INT64;
    case DType::kUInt8: return PD_DATA_UINT8;
    case DType::kInt8: return PD_DATA_INT8;
    default: return PD_DATA_UNK;
  }
}

const char* TypedSuffix(DType t) {
  switch (t) {
    case DType::kFP32: return "Float";
    case DType::kInt32: return "Int32";
    case DType::kInt64: return "Int64";
    case DType::kUInt8: return "Uint8";
    case DType::kInt8: return "Int8";
    default: return nullptr;
  }
}

// Each builder owns its partial result through the matching Destroy function, so a failed
// allocation half-way frees what was built.
template <typename T>
using Owned = std::unique_ptr<T, void (*)(T*)>;

namespace {
char* NewCharsCopy(const std::string& s) {
  char* c = new char[s.size() + 1];
  std::memcpy(c, s.c_str(), s.size() + 1);
  return c;
}
}  // namespace

PD_OneDimArrayCstr* NewCstrArray(const std::vector<std::string>& v) {
  Owned<PD_OneDimArrayCstr> arr(new PD_OneDimArrayCstr{0, nullptr}, PD_OneDimArrayCstrDestroy);
  if (!v.empty()) {
    arr->data = new char*[v.size()]();
    arr->size = v.size();
    for (size_t i = 0; i < v.size(); ++i) arr->data[i] = NewCharsCopy(v[i]);
  }
  return arr.release();
}

PD_Cstr* NewCstr(const std::string& s) {
  // Paddle's convention: size counts the NUL; the empty string is {0, NULL}.
  Owned<PD_Cstr> c(new PD_Cstr{0, nullptr}, PD_CstrDestroy);
  if (!s.empty()) {
    c->data = NewCharsCopy(s);
    c->size = s.size() + 1;
  }
  return c.release();
}

namespace {
PD_OneDimArrayInt64* NewInt64Array(const std::vector<int64_t>& v) {
  Owned<PD_OneDimArrayInt64> arr(new PD_OneDimArrayInt64{0, nullptr}, PD_OneDimArrayInt64Destroy);
  if (!v.empty()) {
    arr->data = new int64_t[v.size()];
    arr->size = v.size();
    std::copy(v.begin(), v.end(), arr->data);
  }
  return arr.release();
}

PD_OneDimArraySize* NewSizeArray(const std::vector<size_t>& v) {
  Owned<PD_OneDimArraySize> arr(new PD_OneDimArraySize{0, nullptr}, PD_OneDimArraySizeDestroy);
  if (!v.empty()) {
    arr->data = new size_t[v.size()];
    arr->size = v.size();
    std::copy(v.begin(), v.end(), arr->data);
  }
  return arr.release();
}
}  // namespace

PD_OneDimArrayInt32* NewInt32Array(const std::vector<int32_t>& v) {
  Owned<PD_OneDimArrayInt32> arr(new PD_OneDimArrayInt32{0, nullptr}, PD_OneDimArrayInt32Destroy);
  if (!v.empty()) {
    arr->data = new int32_t[v.size()];
    arr->size = v.size();
    std::copy(v.begin(), v.end(), arr->data);
  }
  return arr.release();
}

PD_IOInfos* NewIOInfos(const std::vector<VarInfo>& infos) {
  Owned<PD_IOInfos> out(new PD_IOInfos{0, nullptr}, PD_IOInfosDestroy);
  if (infos.empty()) return out.release();
  out->io_info = new PD_IOInfo*[infos.size()]();
  out->size = infos.size();
  for (size_t i = 0; i < infos.size(); ++i) {
    out->io_info[i] = new PD_IOInfo{nullptr, nullptr, ToPD(infos[i].dtype)};
    out->io_info[i]->name = NewCstr(infos[i].name);
    out->io_info[i]->shape = NewInt64Array(infos[i].dims);
  }
  return out.release();
}

PD_TwoDimArraySize* NewTwoDimSize(const LoD& lod) {
  Owned<PD_TwoDimArraySize> out(new PD_TwoDimArraySize{0, nullptr}, PD_TwoDimArraySizeDestroy);
  if (lod.empty()) return out.release();
  out->data = new PD_OneDimArraySize*[lod.size()]();
  out->size = lod.size();
  for (size_t i = 0; i < lod.size(); ++i) out->data[i] = NewSizeArray(lod[i]);
  return out.release();
}

char* MallocCopy(const std::string& s) {
  char* c = static_cast<char*>(std::malloc(s.size() + 1));
  if (c == nullptr) throw std::bad_alloc();
  std::memcpy(c, s.c_str(), s.size() + 1);
  return c;
}

}  // namespace pd::capi
