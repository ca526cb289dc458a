// The backend's entry points, looked up by framework/cuda_backend.cc after dlopen.
#include <cudnn.h>

#include <cstdio>
#include <cstring>
#include <string>

#include "cuda/cuda_device.h"
#include "cuda/register.h"
#include "framework/op_registry.h"

namespace pd::cuda {
namespace {

std::string VersionString(int v, int major_div, int minor_div, int minor_mod) {
  return std::to_string(v / major_div) + "." + std::to_string(v / minor_div % minor_mod);
}

std::string Describe(const CudaDevice& device) {
  int driver = 0, runtime = 0;
  cudaDriverGetVersion(&driver);
  cudaRuntimeGetVersion(&runtime);
  int cublas = 0;
  cublasGetProperty(MAJOR_VERSION, &cublas);
  int cublas_minor = 0;
  cublasGetProperty(MINOR_VERSION, &cublas_minor);
  const size_t cudnn = cudnnGetVersion();
  std::string s = "CUDA backend: driver " + VersionString(driver, 1000, 10, 100) + ", runtime " +
                  VersionString(runtime, 1000, 10, 100) + ", cuDNN " +
                  std::to_string(cudnn / 10000) + "." + std::to_string(cudnn / 100 % 100) + "." +
                  std::to_string(cudnn % 100) + ", cuBLAS " + std::to_string(cublas) + "." +
                  std::to_string(cublas_minor);
  for (int i = 0; i < device.count(); ++i) {
    cudaDeviceProp p{};
    if (cudaGetDeviceProperties(&p, i) != cudaSuccess) continue;
    char line[320];
    std::snprintf(line, sizeof(line), "; GPU %d: %s (sm_%d%d, %.0f GiB)", i, p.name, p.major,
                  p.minor, p.totalGlobalMem / double(1 << 30));
    s += line;
  }
  return s;
}

std::string& Info() {
  static std::string info;
  return info;
}

void Init() {
  int n = 0;
  const cudaError_t err = cudaGetDeviceCount(&n);
  PD_CHECK(err == cudaSuccess, "no usable NVIDIA GPU: ", cudaGetErrorString(err));
  PD_CHECK(n > 0, "no NVIDIA GPU found");
  for (int i = 0; i < n; ++i) {
    cudaDeviceProp p{};
    PD_CUDA_CHECK(cudaGetDeviceProperties(&p, i));
    PD_CHECK(p.major >= 8, "GPU ", i, " (", p.name, ", sm_", p.major, p.minor,
             ") is older than this backend's sm_80 minimum");
  }
  // cuDNN's and cuBLAS's libraries load lazily; fail here, with their names, if they cannot.
  cudnnHandle_t h = nullptr;
  PD_CUDNN_CHECK(cudnnCreate(&h));
  cudnnDestroy(h);
  auto device = std::make_unique<CudaDevice>();
  Info() = Describe(*device);
  DeviceRegistry::Global().Add(std::move(device));
  OpRegistry& r = OpRegistry::Mutable();
  RegisterConvKernels(r);
  RegisterPoolKernels(r);
  RegisterNormKernels(r);
  RegisterBlasKernels(r);
  RegisterViewKernels(r);
  RegisterElementwiseKernels(r);
  RegisterActivationKernels(r);
  RegisterSoftmaxKernels(r);
  RegisterTensorKernels(r);
  RegisterInterpKernels(r);
  RegisterConvGradKernels(r);
  RegisterPoolGradKernels(r);
  RegisterNormGradKernels(r);
  RegisterActivationGradKernels(r);
  RegisterElementwiseGradKernels(r);
  RegisterLossKernels(r);
  RegisterBlasGradKernels(r);
  RegisterShapeGradKernels(r);
  RegisterOptimizerKernels(r);
  RegisterMetricKernels(r);
}

}  // namespace
}  // namespace pd::cuda

extern "C" __attribute__((visibility("default"))) int gohub_cuda_backend_init(char* error,
                                                                             size_t size) {
  try {
    pd::cuda::Init();
    return 0;
  } catch (const std::exception& e) {
    std::snprintf(error, size, "%s", e.what());
    return 1;
  }
}

extern "C" __attribute__((visibility("default"))) const char* gohub_cuda_backend_info() {
  return pd::cuda::Info().c_str();
}
