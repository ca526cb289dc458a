// Plain data structs exchanged across the C API. They are not opaque: callers read size/data
// directly. Arrays returned by the library are released with the Destroy helpers of pd_utils.h.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "pd_common.h"  // NOLINT

typedef struct PD_OneDimArrayInt32 {
  size_t size;
  int32_t* data;
} PD_OneDimArrayInt32;

typedef struct PD_OneDimArraySize {
  size_t size;
  size_t* data;
} PD_OneDimArraySize;

typedef struct PD_OneDimArrayInt64 {
  size_t size;
  int64_t* data;
} PD_OneDimArrayInt64;

// size strings, each NUL-terminated.
typedef struct PD_OneDimArrayCstr {
  size_t size;
  char** data;
} PD_OneDimArrayCstr;

// size counts the terminating NUL; an empty string is {0, NULL}.
typedef struct PD_Cstr {
  size_t size;
  char* data;
} PD_Cstr;

typedef struct PD_TwoDimArraySize {
  size_t size;
  PD_OneDimArraySize** data;
} PD_TwoDimArraySize;

// Name, declared shape (-1 for a dimension known only at run time) and declared data type of
// one model input or output.
typedef struct PD_IOInfo {
  PD_Cstr* name;
  PD_OneDimArrayInt64* shape;
  PD_DataType dtype;
} PD_IOInfo;

typedef struct PD_IOInfos {
  size_t size;
  PD_IOInfo** io_info;
} PD_IOInfos;
