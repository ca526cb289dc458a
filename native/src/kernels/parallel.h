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

// Calls body(lane, lanes) once on each of up to `lanes` threads, lane in [0, lanes), where lanes
// is the number of threads the team really got; body(0, 1) on this thread when lanes <= 1.
template <typename Body>
void ParallelLanes(int64_t lanes, Body&& body) {
#ifdef _OPENMP
  if (lanes > 1) {
#pragma omp parallel num_threads(static_cast<int>(lanes))
    body(int64_t{omp_get_thread_num()}, int64_t{omp_get_num_threads()});
    return;
  }
#endif
  (void)lanes;
  body(int64_t{0}, int64_t{1});
}

// Calls body(begin, end) over contiguous parts of [0, n), one part per thread, when n has at
// least min_per_thread items for each; else body(0, n) on this thread.
template <typename Body>
void ParallelFor(int64_t n, int threads, int64_t min_per_thread, Body&& body) {
  if (n <= 0) return;
  const int64_t parts = std::min<int64_t>(threads, n / std::max<int64_t>(min_per_thread, 1));
  ParallelLanes(parts, [&](int64_t t, int64_t used) {
    const int64_t begin = n * t / used, end = n * (t + 1) / used;
    if (begin < end) body(begin, end);
  });
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
