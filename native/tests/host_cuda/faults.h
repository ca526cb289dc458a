// Refusals the host CUDA's cuDNN makes on request, for what the real library may refuse on
// some GPU or version and the backend must answer (cuda/conv_algos.h). HOSTCUDA_CUDNN_FAULTS,
// read at each call, is a comma-separated list of:
//   find-bf16     cudnnFind over bfloat16 descriptors: CUDNN_STATUS_NOT_SUPPORTED_DATA_TYPE
//   find-nhwc     cudnnFind over NHWC descriptors: CUDNN_STATUS_NOT_SUPPORTED_LAYOUT
//   find-alloc    every other cudnnFind (the first, third, ...) fails to allocate its timing
//                 scratch: CUDNN_STATUS_INTERNAL_ERROR_DEVICE_ALLOCATION_FAILED
//   call-fastest  a convolution run with the algorithm cudnnFind lists first:
//                 CUDNN_STATUS_NOT_SUPPORTED_SHAPE, though cudnnFind listed it as running
//   call-nhwc     a convolution run over NHWC descriptors: CUDNN_STATUS_NOT_SUPPORTED_LAYOUT,
//                 though cudnnFind listed its algorithms as running
// Each refusal made appends a line "<fault> <function>" to the file HOSTCUDA_FAULT_LOG names,
// so that a test sees its faults were met.
#pragma once

namespace hostcuda {

// Whether HOSTCUDA_CUDNN_FAULTS names fault; if so the refusal is logged against function.
bool FaultInjected(const char* fault, const char* function);

}  // namespace hostcuda
