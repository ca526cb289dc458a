#include "faults.h"

#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <sstream>
#include <string>

namespace hostcuda {

bool FaultInjected(const char* fault, const char* function) {
  const char* list = std::getenv("HOSTCUDA_CUDNN_FAULTS");
  if (list == nullptr) return false;
  std::istringstream names(list);
  bool named = false;
  for (std::string name; std::getline(names, name, ',');) named = named || name == fault;
  if (!named) return false;
  if (const char* path = std::getenv("HOSTCUDA_FAULT_LOG")) {
    static std::mutex mu;
    std::lock_guard<std::mutex> lock(mu);
    if (FILE* f = std::fopen(path, "a")) {
      std::fprintf(f, "%s %s\n", fault, function);
      std::fclose(f);
    }
  }
  return true;
}

}  // namespace hostcuda
