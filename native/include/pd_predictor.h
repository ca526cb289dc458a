// PD_Predictor: a loaded model ready to run. One predictor serves one thread at a time;
// PD_PredictorClone gives another predictor sharing the loaded parameters for concurrent use.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "pd_common.h"  // NOLINT

typedef struct PD_Predictor PD_Predictor;
typedef struct PD_Config PD_Config;
typedef struct PD_Tensor PD_Tensor;
typedef struct PD_OneDimArrayCstr PD_OneDimArrayCstr;
typedef struct PD_IOInfos PD_IOInfos;

#ifdef __cplusplus
extern "C" {
#endif

// Loads the model the config names. The predictor takes the config over, whether creation
// succeeds or not: the caller must not use or destroy it afterwards. NULL on failure.
PADDLE_CAPI_EXPORT extern __pd_give PD_Predictor* PD_PredictorCreate(
    __pd_take PD_Config* pd_config);
// A new predictor sharing the program and parameters, with its own inputs and activations.
PADDLE_CAPI_EXPORT extern __pd_give PD_Predictor* PD_PredictorClone(
    __pd_keep PD_Predictor* pd_predictor);
// Names in feed-column order; release with PD_OneDimArrayCstrDestroy.
PADDLE_CAPI_EXPORT extern __pd_give PD_OneDimArrayCstr* PD_PredictorGetInputNames(
    __pd_keep PD_Predictor* pd_predictor);
// Declared name, shape and type of each input; release with PD_IOInfosDestroy.
PADDLE_CAPI_EXPORT extern __pd_give PD_IOInfos* PD_PredictorGetInputInfos(
    __pd_keep PD_Predictor* pd_predictor);
// Names in fetch-column order; release with PD_OneDimArrayCstrDestroy.
PADDLE_CAPI_EXPORT extern __pd_give PD_OneDimArrayCstr* PD_PredictorGetOutputNames(
    __pd_keep PD_Predictor* pd_predictor);
PADDLE_CAPI_EXPORT extern __pd_give PD_IOInfos* PD_PredictorGetOutputInfos(
    __pd_keep PD_Predictor* pd_predictor);
PADDLE_CAPI_EXPORT extern size_t PD_PredictorGetInputNum(__pd_keep PD_Predictor* pd_predictor);
PADDLE_CAPI_EXPORT extern size_t PD_PredictorGetOutputNum(__pd_keep PD_Predictor* pd_predictor);
// A new handle on each call, valid while the predictor lives; release with PD_TensorDestroy
// (which leaves the predictor's variable alone).
PADDLE_CAPI_EXPORT extern __pd_give PD_Tensor* PD_PredictorGetInputHandle(
    __pd_keep PD_Predictor* pd_predictor, const char* name);
PADDLE_CAPI_EXPORT extern __pd_give PD_Tensor* PD_PredictorGetOutputHandle(
    __pd_keep PD_Predictor* pd_predictor, const char* name);
PADDLE_CAPI_EXPORT extern PD_Bool PD_PredictorRun(__pd_keep PD_Predictor* pd_predictor);
// Frees the activations of the last run (inputs, outputs and parameters stay).
PADDLE_CAPI_EXPORT extern void PD_PredictorClearIntermediateTensor(
    __pd_keep PD_Predictor* pd_predictor);
// Frees what the predictor holds beyond its parameters; returns the bytes released.
PADDLE_CAPI_EXPORT extern uint64_t PD_PredictorTryShrinkMemory(
    __pd_keep PD_Predictor* pd_predictor);
// NULL-safe.
PADDLE_CAPI_EXPORT extern void PD_PredictorDestroy(__pd_take PD_Predictor* pd_predictor);

// "version: ...\ncommit: ...\nbranch: ..."; a static string, never freed.
PADDLE_CAPI_EXPORT extern const char* PD_GetVersion(void);

#ifdef __cplusplus
}  // extern "C"
#endif
