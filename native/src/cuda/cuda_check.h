// Error checks for the CUDA runtime, cuBLAS and cuDNN: a failing call throws pd::Error naming
// the call and the library's own description of the status, so a bad launch or a missing
// algorithm reaches the caller as a message (PD_GetLastError), never as an abort.
#pragma once

#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <cudnn.h>

#include "framework/error.h"

namespace pd::cuda {

const char* CublasStatusName(cublasStatus_t status);

}  // namespace pd::cuda

#define PD_CUDA_CHECK(expr)                                                                   \
  do {                                                                                        \
    const cudaError_t pd_err_ = (expr);                                                       \
    PD_CHECK(pd_err_ == cudaSuccess, #expr, ": ", cudaGetErrorString(pd_err_));               \
  } while (0)

#define PD_CUBLAS_CHECK(expr)                                                                 \
  do {                                                                                        \
    const cublasStatus_t pd_st_ = (expr);                                                     \
    PD_CHECK(pd_st_ == CUBLAS_STATUS_SUCCESS, #expr, ": ", ::pd::cuda::CublasStatusName(pd_st_)); \
  } while (0)

#define PD_CUDNN_CHECK(expr)                                                                  \
  do {                                                                                        \
    const cudnnStatus_t pd_st_ = (expr);                                                      \
    PD_CHECK(pd_st_ == CUDNN_STATUS_SUCCESS, #expr, ": ", cudnnGetErrorString(pd_st_));       \
  } while (0)
