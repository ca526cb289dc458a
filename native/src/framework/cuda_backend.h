// The CUDA backend is a separate shared object, libpaddle_inference_cuda.so, loaded only when a
// GPU is asked for: a machine without CUDA never needs its libraries, and one library (and one
// gohub binary) serves both. Loading it registers the GPU device and its kernels
// (DeviceRegistry, OpRegistry); it resolves the engine's own symbols against this library.
#pragma once

#include <string>

namespace pd {

// Loads and initialises the backend once per process; later calls return at once. Fails with
// the reason (not installed, a CUDA library missing, no GPU or no driver), and fails the same
// way on every later call.
//
// Where it looks: $GOHUB_CUDA_BACKEND (the .so's path) if set, else beside the library (or
// executable) that holds this engine, else the dynamic loader's search path.
void LoadCudaBackend();

// One line about the backend and the GPUs it sees (driver, runtime, cuDNN and cuBLAS versions),
// or the reason it is unavailable, prefixed "unavailable: ".
std::string CudaBackendInfo();

}  // namespace pd
