// PD_Tensor functions: shape, typed data access, LoD and metadata of one predictor variable.
#include "pd_tensor.h"

#include <climits>
#include <cstring>

#include "capi/convert.h"
#include "capi/guard.h"
#include "capi/handles.h"
#include "pd_types.h"

using pd::capi::Guard;
using pd::capi::GuardVoid;
using pd::capi::Tens;

namespace {

// The variable's data must already be set, with element type T.
template <typename T>
const pd::Tensor& Typed(const PD_Tensor& h) {
  const pd::Tensor& t = *h.tensor;
  PD_CHECK(t.initialized(), "tensor '", h.name, "' holds no data (run the predictor, or copy ",
           "data into it, first)");
  pd::DType want = pd::DTypeOf<T>::value;
  if (t.dtype() != want) {
    const char* suffix = pd::capi::TypedSuffix(t.dtype());
    pd::Fail("tensor '", h.name, "' holds ", pd::DTypeName(t.dtype()), ", not ",
             pd::DTypeName(want),
             suffix ? std::string("; use the ") + suffix + " variant"
                    : std::string("; the C API has no functions for that type"));
  }
  return t;
}

// A shape must have been set, since the element count comes from it.
void CheckShaped(const PD_Tensor& h) {
  PD_CHECK(!h.tensor->dims().empty() || h.tensor->initialized(), "tensor '", h.name,
           "' has no shape; call PD_TensorReshape first");
}

void CheckCpu(PD_PlaceType place) {
  // A GPU predictor takes its inputs from and gives its outputs to host memory, as Paddle's
  // does with CopyFromCpu / CopyToCpu; device pointers are not handed out.
  PD_CHECK(place != PD_PLACE_GPU,
           "tensor data is host memory here, also for a GPU predictor: use PD_PLACE_CPU, or "
           "PD_TensorCopyFromCpu* / PD_TensorCopyToCpu*");
  PD_CHECK(place == PD_PLACE_CPU, "place ", place, " is not available; use PD_PLACE_CPU");
}

template <typename T>
T* MutableData(PD_Tensor* handle, PD_PlaceType place) {
  PD_Tensor& h = Tens(handle);
  CheckCpu(place);
  CheckShaped(h);
  return h.tensor->mutable_data<T>();
}

template <typename T>
T* Data(PD_Tensor* handle, PD_PlaceType* place, int32_t* size) {
  PD_Tensor& h = Tens(handle);
  PD_CHECK(place != nullptr && size != nullptr,
           "the place and size out-parameters must not be NULL");
  const pd::Tensor& t = Typed<T>(h);
  PD_CHECK(t.numel() <= INT32_MAX, "tensor '", h.name, "' has ", t.numel(),
           " elements, more than an int32 size can report");
  *place = PD_PLACE_CPU;
  *size = static_cast<int32_t>(t.numel());
  return h.tensor->data_mut<T>();
}

template <typename T>
void CopyFromCpu(PD_Tensor* handle, const T* data) {
  PD_Tensor& h = Tens(handle);
  CheckShaped(h);
  size_t n = static_cast<size_t>(h.tensor->numel());
  PD_CHECK(data != nullptr || n == 0, "the source data is NULL");
  T* dst = h.tensor->mutable_data<T>();
  if (n > 0) std::memcpy(dst, data, n * sizeof(T));
}

template <typename T>
void CopyToCpu(PD_Tensor* handle, T* data) {
  PD_Tensor& h = Tens(handle);
  const pd::Tensor& t = Typed<T>(h);
  size_t n = static_cast<size_t>(t.numel());
  PD_CHECK(data != nullptr || n == 0, "the destination is NULL");
  if (n > 0) std::memcpy(data, t.data<T>(), n * sizeof(T));
}

}  // namespace

extern "C" {

void PD_TensorDestroy(PD_Tensor* pd_tensor) { delete pd_tensor; }

void PD_TensorReshape(PD_Tensor* pd_tensor, size_t shape_size, int32_t* shape) {
  GuardVoid(__func__, [&] {
    PD_Tensor& h = Tens(pd_tensor);
    PD_CHECK(shape != nullptr || shape_size == 0, "the shape is NULL");
    pd::Dims dims(shape, shape + shape_size);
    // Reject shapes whose element count overflows before anything multiplies them.
    int64_t numel = 1;
    for (int64_t d : dims) {
      PD_CHECK(d >= 0, "invalid shape ", pd::DimsToString(dims), " for tensor '", h.name, "'");
      PD_CHECK(d == 0 || numel <= INT64_MAX / 16 / d, "shape ", pd::DimsToString(dims),
               " is too large");
      numel *= d;
    }
    h.tensor->Resize(std::move(dims));
  });
}

PD_OneDimArrayInt32* PD_TensorGetShape(PD_Tensor* pd_tensor) {
  return Guard(__func__, static_cast<PD_OneDimArrayInt32*>(nullptr), [&] {
    PD_Tensor& h = Tens(pd_tensor);
    std::vector<int32_t> shape;
    for (int64_t d : h.tensor->dims()) {
      PD_CHECK(d <= INT32_MAX, "dimension ", d, " of tensor '", h.name, "' exceeds int32");
      shape.push_back(static_cast<int32_t>(d));
    }
    return pd::capi::NewInt32Array(shape);
  });
}

// Copies lod (the caller keeps it) after checking it is well formed; against the rows of the
// tensor when its shape is already set, otherwise only level against level.
void PD_TensorSetLod(PD_Tensor* pd_tensor, PD_TwoDimArraySize* lod) {
  GuardVoid(__func__, [&] {
    PD_Tensor& h = Tens(pd_tensor);
    PD_CHECK(lod != nullptr, "the LoD is NULL");
    PD_CHECK(lod->size == 0 || lod->data != nullptr, "the LoD levels are NULL");
    pd::LoD copy(lod->size);
    for (size_t i = 0; i < lod->size; ++i) {
      const PD_OneDimArraySize* level = lod->data[i];
      PD_CHECK(level != nullptr, "LoD level ", i, " is NULL");
      PD_CHECK(level->size == 0 || level->data != nullptr, "LoD level ", i, " has NULL data");
      copy[i].assign(level->data, level->data + level->size);
    }
    if (!copy.empty()) {
      const pd::Dims& dims = h.tensor->dims();
      int64_t rows = !dims.empty()         ? dims[0]
                     : copy.back().empty() ? 0
                                           : static_cast<int64_t>(copy.back().back());
      pd::ValidateLoD(copy, rows);
    }
    h.tensor->set_lod(std::move(copy));
  });
}

PD_TwoDimArraySize* PD_TensorGetLod(PD_Tensor* pd_tensor) {
  return Guard(__func__, static_cast<PD_TwoDimArraySize*>(nullptr),
               [&] { return pd::capi::NewTwoDimSize(Tens(pd_tensor).tensor->lod()); });
}

const char* PD_TensorGetName(PD_Tensor* pd_tensor) {
  return Guard(__func__, static_cast<const char*>(nullptr),
               [&] { return Tens(pd_tensor).name.c_str(); });
}

// The runtime type when the tensor holds data (an output may differ from its declaration,
// e.g. LAC's crf_decoding output is declared float32 but holds int64), else the declared one.
PD_DataType PD_TensorGetDataType(PD_Tensor* pd_tensor) {
  return Guard(__func__, PD_DataType{PD_DATA_UNK}, [&] {
    PD_Tensor& h = Tens(pd_tensor);
    pd::DType t = h.tensor->initialized() ? h.tensor->dtype() : h.owner->DeclaredType(h.name);
    return pd::capi::ToPD(t);
  });
}

#define PD_TENSOR_TYPED_FUNCTIONS(Suffix, T)                                           \
  T* PD_TensorMutableData##Suffix(PD_Tensor* pd_tensor, PD_PlaceType place) {          \
    return Guard(__func__, static_cast<T*>(nullptr),                                   \
                 [&] { return MutableData<T>(pd_tensor, place); });                    \
  }                                                                                    \
  T* PD_TensorData##Suffix(PD_Tensor* pd_tensor, PD_PlaceType* place, int32_t* size) { \
    return Guard(__func__, static_cast<T*>(nullptr),                                   \
                 [&] { return Data<T>(pd_tensor, place, size); });                     \
  }                                                                                    \
  void PD_TensorCopyFromCpu##Suffix(PD_Tensor* pd_tensor, const T* data) {             \
    GuardVoid(__func__, [&] { CopyFromCpu<T>(pd_tensor, data); });                     \
  }                                                                                    \
  void PD_TensorCopyToCpu##Suffix(PD_Tensor* pd_tensor, T* data) {                     \
    GuardVoid(__func__, [&] { CopyToCpu<T>(pd_tensor, data); });                       \
  }

PD_TENSOR_TYPED_FUNCTIONS(Float, float)
PD_TENSOR_TYPED_FUNCTIONS(Int64, int64_t)
PD_TENSOR_TYPED_FUNCTIONS(Int32, int32_t)
PD_TENSOR_TYPED_FUNCTIONS(Uint8, uint8_t)
PD_TENSOR_TYPED_FUNCTIONS(Int8, int8_t)

#undef PD_TENSOR_TYPED_FUNCTIONS

}  // extern "C"
