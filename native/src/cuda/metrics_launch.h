// Launchers of the classifier head's metrics (metrics.cu): plain pointers and sizes in, work
// queued on the given stream. metrics.cc reads the ops and calls them.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

namespace pd::cuda {

// The k largest of each of rows rows of n values, largest first, equal values in index order
// (kernels/metrics.cc's stable order).
void LaunchTopK(const float* x, int64_t rows, int64_t n, int64_t k, float* out, int64_t* indices,
                cudaStream_t s);

// The share of rows whose label is among their k indices; correct and total may be null.
template <typename Label>
void LaunchAccuracy(const int64_t* indices, const Label* labels, int64_t rows, int64_t k,
                    float* accuracy, int32_t* correct, int32_t* total, cudaStream_t s);

}  // namespace pd::cuda
