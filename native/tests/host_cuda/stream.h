// The host CUDA's one stream model: every piece of device work (a kernel launch, a copy, a
// memset, a cuBLAS or cuDNN call) is handed to Enqueue, which runs it at once or, while the
// calling thread's stream is being captured (cudaStreamBeginCapture), appends it to the graph
// being recorded so that cudaGraphLaunch runs it later. A recorded piece must therefore own
// everything it reads at launch time except device memory: copy descriptors and host scalars
// into the closure.
#pragma once

#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

namespace hostcuda {

// Runs work now, or records it when the calling thread's stream is being captured.
void Enqueue(cudaStream_t stream, std::function<void()> work);

// Whether the calling thread's stream is being captured. A call that CUDA refuses during a
// thread-local capture (a synchronous copy, a plain cudaMalloc) returns
// cudaErrorStreamCaptureUnsupported and invalidates the capture: use InvalidateCapture.
bool Capturing();
void InvalidateCapture();

// A piece of work's access to device memory: bytes from p, or from p to the end of its block
// (kToBlockEnd: a kernel's pointer argument, whose range is not known).
constexpr size_t kToBlockEnd = SIZE_MAX;
struct DeviceAccess {
  const void* p;
  size_t bytes;
  bool write;
};

// Checks work about to be queued on stream s against the race check (races.h): each access to
// an ordinary device block, at one point in the stream's order. what names the work in a race
// found then or later, so it lives as long as the process.
void TrackWork(cudaStream_t s, const std::vector<DeviceAccess>& accesses, const char* what);

}  // namespace hostcuda
