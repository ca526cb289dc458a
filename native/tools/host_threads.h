// The CPU math threads the GPU tools give the ops that run on the host (detection
// post-processing, a training step's few CPU ops): 8, or the machine's cores where it has fewer.
// More OpenMP threads than cores make every parallel region wait on threads that are not
// running (a dry run on a 2-core machine took seconds per training step so).
#pragma once

#include <algorithm>
#include <thread>

inline int HostMathThreads() {
  const int cores = static_cast<int>(std::thread::hardware_concurrency());
  return std::clamp(cores, 1, 8);
}
