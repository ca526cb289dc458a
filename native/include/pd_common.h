// Common definitions of the Paddle Inference C API (2.6 generation): the export macro,
// ownership annotations, the boolean type and the enums shared by every other header.
// Written for gohub's native library; declarations match the official library so that a
// program built against these headers runs with either one.
#pragma once

#include <stdint.h>
#include <stdio.h>

#if defined(_WIN32)
#if defined(PADDLE_DLL_INFERENCE)
#define PADDLE_CAPI_EXPORT __declspec(dllexport)
#else
#define PADDLE_CAPI_EXPORT __declspec(dllimport)
#endif
#else
#define PADDLE_CAPI_EXPORT __attribute__((visibility("default")))
#endif

// Ownership annotations; they expand to nothing and only document the contract.
// __pd_give: the function returns a new object; pass it exactly once to its Destroy function.
#ifndef __pd_give
#define __pd_give
#endif
// __pd_take: the function takes over the object; the caller must not use it afterwards.
#ifndef __pd_take
#define __pd_take
#endif
// __pd_keep: the function only borrows the object for the duration of the call.
#ifndef __pd_keep
#define __pd_keep
#endif

typedef int8_t PD_Bool;
#ifndef TRUE
#define TRUE 1
#endif
#ifndef FALSE
#define FALSE 0
#endif

// Every enum of the API is a 32-bit integer on the wire.
#define PD_ENUM(type) \
  typedef int32_t type; \
  enum

PD_ENUM(PD_PrecisionType){
    PD_PRECISION_FLOAT32 = 0,
    PD_PRECISION_INT8 = 1,
    PD_PRECISION_HALF = 2,
};

PD_ENUM(PD_PlaceType){
    PD_PLACE_UNK = -1,
    PD_PLACE_CPU = 0,
    PD_PLACE_GPU = 1,
    PD_PLACE_XPU = 2,
    PD_PLACE_CUSTOM = 3,
};

PD_ENUM(PD_DataType){
    PD_DATA_UNK = -1,
    PD_DATA_FLOAT32 = 0,
    PD_DATA_INT32 = 1,
    PD_DATA_INT64 = 2,
    PD_DATA_UINT8 = 3,
    PD_DATA_INT8 = 4,
};
