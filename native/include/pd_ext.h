// gohub extensions to the Paddle Inference C API. The official library has none of these,
// so callers that must also run against it look them up at run time (dlsym) instead of
// linking them. This header is deliberately not included by pd_inference_api.h.
#pragma once

#include "pd_common.h"  // NOLINT
#include "pd_config.h"  // NOLINT

#ifdef __cplusplus
extern "C" {
#endif

// The message of the last failure on the calling thread, "" when none. Every PD_* function
// of this library that can fail (all but the *Destroy functions and PD_GetVersion) clears it on
// entry and sets it when it fails. So right after such a call, a non-empty message means that
// call failed: a FALSE or NULL result, a void function that could not do its job (e.g.
// PD_TensorCopyToCpuFloat on an int64 tensor), or a setting this library cannot honour (e.g.
// PD_ConfigEnableTensorRtEngine). The pointer is borrowed and stays valid until the thread's
// next call into the library. Callers whose threads can change between two calls (Go's cgo)
// must stay on one OS thread from the call through this read (runtime.LockOSThread).
PADDLE_CAPI_EXPORT extern const char* PD_GetLastError(void);

// TF32 tensor-core math for fp32 convolutions and GEMMs on the GPU: faster, with about 10 bits
// of mantissa in the products. Off by default, so that GPU results match the CPU's to fp32
// rounding. No effect on the CPU.
PADDLE_CAPI_EXPORT extern void PD_ConfigSetGpuTF32(__pd_keep PD_Config* pd_config, PD_Bool allow);
PADDLE_CAPI_EXPORT extern PD_Bool PD_ConfigGpuTF32Enabled(__pd_keep PD_Config* pd_config);

// Records a GPU predictor's run as a CUDA graph and launches the recording on later runs of
// the same input shapes, when every op of the model runs on the GPU: what a small batch spends
// queueing kernels one by one is saved. Off by default; ignored with memory optimisation
// (PD_ConfigEnableMemoryOptim), which frees what a recording writes into.
PADDLE_CAPI_EXPORT extern void PD_ConfigSetGpuGraph(__pd_keep PD_Config* pd_config, PD_Bool on);
PADDLE_CAPI_EXPORT extern PD_Bool PD_ConfigGpuGraphEnabled(__pd_keep PD_Config* pd_config);

// Loads the CUDA backend if it is not loaded yet and describes it: one line with the driver,
// runtime, cuDNN and cuBLAS versions and the GPUs it sees; when it cannot be loaded (not built,
// a CUDA library missing, no GPU), "unavailable: " and the reason. Never fails; the string is
// borrowed and stays valid for the life of the process.
PADDLE_CAPI_EXPORT extern const char* PD_GpuInfo(void);

#ifdef __cplusplus
}  // extern "C"
#endif
