// The host CUDA's one stream model: every piece of device work (a kernel launch, a copy, a
// memset, a cuBLAS or cuDNN call) is handed to Enqueue, which runs it at once or, while the
// calling thread's stream is being captured (cudaStreamBeginCapture), appends it to the graph
// being recorded so that cudaGraphLaunch runs it later. A recorded piece must therefore own
// everything it reads at launch time except device memory: copy descriptors and host scalars
// into the closure.
#pragma once

#include <cuda_runtime_api.h>

#include <functional>

namespace hostcuda {

// Runs work now, or records it when the calling thread's stream is being captured.
void Enqueue(cudaStream_t stream, std::function<void()> work);

// Whether the calling thread's stream is being captured. A call that CUDA refuses during a
// thread-local capture (a synchronous copy, a plain cudaMalloc) returns
// cudaErrorStreamCaptureUnsupported and invalidates the capture: use InvalidateCapture.
bool Capturing();
void InvalidateCapture();

}  // namespace hostcuda
