#include "framework/cuda_backend.h"

#include <dlfcn.h>

#include <cstdlib>
#include <mutex>
#include <string>
#include <vector>

#include "framework/error.h"

namespace pd {
namespace {

constexpr const char* kBackendFile = "libpaddle_inference_cuda.so";

// The entry points the backend exports (native/src/cuda/backend.cc).
using InitFn = int (*)(char* error, size_t error_size);
using InfoFn = const char* (*)();

struct Backend {
  std::string error;  // empty once loaded
  InfoFn info = nullptr;
};

// The directory of the object (shared library or executable) that this function is in.
std::string OwnDirectory(std::string* own_path) {
  Dl_info dl{};
  if (dladdr(reinterpret_cast<void*>(&OwnDirectory), &dl) == 0 || dl.dli_fname == nullptr)
    return "";
  *own_path = dl.dli_fname;
  const size_t slash = own_path->rfind('/');
  return slash == std::string::npos ? "" : own_path->substr(0, slash + 1);
}

Backend Load() {
  Backend b;
  std::string own;
  const std::string dir = OwnDirectory(&own);
  // The backend's references to the engine resolve against the global scope; a library loaded
  // with RTLD_LOCAL (Python's ctypes, for one) is promoted so that they can.
  if (!own.empty()) {
    if (void* self = dlopen(own.c_str(), RTLD_NOW | RTLD_NOLOAD | RTLD_GLOBAL)) dlclose(self);
  }
  std::string path;
  if (const char* env = std::getenv("GOHUB_CUDA_BACKEND"); env != nullptr && *env != '\0')
    path = env;
  void* handle = nullptr;
  std::string why;
  for (const std::string& candidate :
       path.empty() ? std::vector<std::string>{dir + kBackendFile, kBackendFile}
                    : std::vector<std::string>{path}) {
    handle = dlopen(candidate.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle != nullptr) break;
    const char* e = dlerror();
    // Keep the most telling reason: a backend that exists but cannot load (a CUDA library
    // missing) says more than "no such file" for the fallback name.
    if (why.empty() || (e != nullptr && std::string(e).find("No such file") == std::string::npos))
      why = e != nullptr ? e : "unknown error";
  }
  if (handle == nullptr) {
    b.error = StrCat("running on the GPU needs the CUDA backend (", kBackendFile,
                     "), which could not be loaded: ", why,
                     ". It is built by `make build-cuda` and installed beside "
                     "libpaddle_inference_c.so; GOHUB_CUDA_BACKEND may name its path");
    return b;
  }
  auto init = reinterpret_cast<InitFn>(dlsym(handle, "gohub_cuda_backend_init"));
  b.info = reinterpret_cast<InfoFn>(dlsym(handle, "gohub_cuda_backend_info"));
  if (init == nullptr || b.info == nullptr) {
    b.error = StrCat("running on the GPU needs the CUDA backend, but ", kBackendFile,
                     " is not one (its entry points are missing)");
    return b;
  }
  char message[1024] = {0};
  if (init(message, sizeof(message)) != 0) b.error = StrCat("the GPU is unavailable: ", message);
  return b;
}

const Backend& Get() {
  static const Backend backend = Load();
  return backend;
}

}  // namespace

void LoadCudaBackend() {
  const Backend& b = Get();
  PD_CHECK(b.error.empty(), b.error);
}

std::string CudaBackendInfo() {
  const Backend& b = Get();
  if (!b.error.empty()) return "unavailable: " + b.error;
  return b.info();
}

}  // namespace pd
