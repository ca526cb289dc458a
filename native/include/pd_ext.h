// gohub extensions to the Paddle Inference C API. The official library has none of these,
// so callers that must also run against it look them up at run time (dlsym) instead of
// linking them. This header is deliberately not included by pd_inference_api.h.
#pragma once

#include "pd_common.h"  // NOLINT

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

#ifdef __cplusplus
}  // extern "C"
#endif
