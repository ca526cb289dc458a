// The host CUDA's errors, kept as CUDA keeps them: a launch refused for its configuration is the
// calling thread's last error (cudaGetLastError returns and clears it); a fault while work runs
// (a kernel handed host memory, a barrier no thread can pass) is sticky, as an illegal address
// is on a GPU: every later call returns it. Both are printed to stderr with where they arose,
// and cudaGetErrorString adds that to CUDA's own text for the sticky one.
#pragma once

#include <cuda_runtime_api.h>

#include <sstream>
#include <stdexcept>
#include <string>

namespace hostcuda {

template <typename... A>
[[noreturn]] void Fail(const A&... parts) {
  std::ostringstream s;
  (s << ... << parts);
  throw std::runtime_error(s.str());
}

void ReportError(cudaError_t error, const std::string& message);
void ReportFault(const std::string& message);
// The sticky fault, or cudaSuccess.
cudaError_t Sticky();

}  // namespace hostcuda
