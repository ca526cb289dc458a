// The Destroy helpers. They mirror the allocations of convert.cc (new for structs, new[] for
// arrays and strings) and are NULL-safe, also for NULL members of a partially built value.
#include "pd_utils.h"

namespace {
template <typename Array>
void DestroyFlat(Array* array) {
  if (array == nullptr) return;
  delete[] array->data;
  delete array;
}
}  // namespace

extern "C" {

void PD_OneDimArrayInt32Destroy(PD_OneDimArrayInt32* array) { DestroyFlat(array); }
void PD_OneDimArrayInt64Destroy(PD_OneDimArrayInt64* array) { DestroyFlat(array); }
void PD_OneDimArraySizeDestroy(PD_OneDimArraySize* array) { DestroyFlat(array); }

void PD_OneDimArrayCstrDestroy(PD_OneDimArrayCstr* array) {
  if (array == nullptr) return;
  for (size_t i = 0; array->data != nullptr && i < array->size; ++i) delete[] array->data[i];
  delete[] array->data;
  delete array;
}

void PD_TwoDimArraySizeDestroy(PD_TwoDimArraySize* array) {
  if (array == nullptr) return;
  for (size_t i = 0; array->data != nullptr && i < array->size; ++i) {
    PD_OneDimArraySizeDestroy(array->data[i]);
  }
  delete[] array->data;
  delete array;
}

void PD_CstrDestroy(PD_Cstr* cstr) {
  if (cstr == nullptr) return;
  delete[] cstr->data;
  delete cstr;
}

void PD_IOInfoDestroy(PD_IOInfo* io_info) {
  if (io_info == nullptr) return;
  PD_CstrDestroy(io_info->name);
  PD_OneDimArrayInt64Destroy(io_info->shape);
  delete io_info;
}

void PD_IOInfosDestroy(PD_IOInfos* io_infos) {
  if (io_infos == nullptr) return;
  for (size_t i = 0; io_infos->io_info != nullptr && i < io_infos->size; ++i) {
    PD_IOInfoDestroy(io_infos->io_info[i]);
  }
  delete[] io_infos->io_info;
  delete io_infos;
}

}  // extern "C"
