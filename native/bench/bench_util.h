// What the native benchmarks share: a CPU context outside any executor, medians, flags.
#pragma once

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "kernels/cpu_context.h"

namespace pd::bench {

// These kernels run outside any executor: one CPU context (oneDNN engine and stream) for all.
inline CpuContext& StandaloneCpu() {
  static CpuContext cpu(Place::CPU(), ExecConfig{});
  return cpu;
}

inline double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// The integer after flag `name` on the command line, or fallback.
inline int IntFlag(int argc, char** argv, const char* name, int fallback) {
  for (int i = 1; i + 1 < argc; ++i)
    if (std::strcmp(argv[i], name) == 0) return std::atoi(argv[i + 1]);
  return fallback;
}

}  // namespace pd::bench
