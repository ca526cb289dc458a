// Splitting a kernel's independent rows over the predictor's math threads (OpenMP, as oneDNN
// uses, so the two share one thread team). Built without OpenMP, everything runs on the caller.
#pragma once

#include <algorithm>
#include <cstdint>
#include <utility>

#ifdef _OPENMP
#include <omp.h>
#endif

namespace pd {

// Items a thread takes at least in the element-wise kernels (floats read and written once or
// twice): fewer cost less to do on one thread than to hand out.
constexpr int64_t kMinElementsPerThread = 32 * 1024;

// Calls body(begin, end) over contiguous parts of [0, n), one part per thread, when n has at
// least min_per_thread items for each; else body(0, n) on this thread.
template <typename Body>
void ParallelFor(int64_t n, int threads, int64_t min_per_thread, Body&& body) {
  int64_t parts = std::min<int64_t>(threads, n / std::max<int64_t>(min_per_thread, 1));
#ifdef _OPENMP
  if (parts > 1) {
#pragma omp parallel num_threads(static_cast<int>(parts))
    {
      const int64_t t = omp_get_thread_num(), used = omp_get_num_threads();
      const int64_t begin = n * t / used, end = n * (t + 1) / used;
      if (begin < end) body(begin, end);
    }
    return;
  }
#endif
  (void)parts;
  if (n > 0) body(int64_t{0}, n);
}

// Rows per thread below which splitting a copy of rows of row_bytes over threads costs more
// than it saves.
inline int64_t MinRowsPerThread(size_t row_bytes) {
  return static_cast<int64_t>(64 * 1024 / (row_bytes + 1)) + 1;
}

// ParallelFor over the elements [0, n) of an element-wise kernel.
template <typename Body>
void ParallelForElements(int64_t n, int threads, Body&& body) {
  ParallelFor(n, threads, kMinElementsPerThread, std::forward<Body>(body));
}

}  // namespace pd
