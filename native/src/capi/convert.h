// Conversions between framework values and the C API's enums and returned structs. The
// New* functions allocate with new/new[] as the Destroy helpers of pd_utils.cc expect.
#pragma once

#include <string>
#include <vector>

#include "framework/dtype.h"
#include "framework/program.h"
#include "framework/tensor.h"
#include "pd_types.h"

namespace pd::capi {

// PD_DATA_UNK for element types the C API has no value for (fp16, bool, ...).
PD_DataType ToPD(DType t);
// The suffix of the typed tensor functions for t ("Float", "Int64", ...), for messages.
const char* TypedSuffix(DType t);

PD_OneDimArrayCstr* NewCstrArray(const std::vector<std::string>& v);
PD_Cstr* NewCstr(const std::string& s);
PD_IOInfos* NewIOInfos(const std::vector<VarInfo>& infos);
PD_TwoDimArraySize* NewTwoDimSize(const LoD& lod);
PD_OneDimArrayInt32* NewInt32Array(const std::vector<int32_t>& v);

// Allocates a C string with malloc, for the functions whose result the caller free()s.
char* MallocCopy(const std::string& s);

}  // namespace pd::capi
