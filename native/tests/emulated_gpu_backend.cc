// An emulated GPU backend for tests on machines without one: a shared object with the CUDA
// backend's entry points (framework/cuda_backend.h) that registers a GPU device whose memory is
// host memory and whose kernels are the CPU's. Loaded through GOHUB_CUDA_BACKEND, it lets the
// test suites run every path that asks for a GPU (predictors with EnableUseGpu, training
// executors on the GPU, RunConfig.UseGPU, gohub run --use_gpu) through the engine's placement,
// its copies between places, its staging memory and the Go code above them, on any machine.
// It checks the orchestration, not a GPU's arithmetic: that is scripts/device/check.sh's job
// on a real GPU. Built with the tests, never installed.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <memory>
#include <mutex>
#include <new>
#include <string>

#include "framework/device.h"
#include "framework/op_registry.h"
#include "kernels/cpu_context.h"

namespace pd {
namespace {

// Host memory of its own, so that a tensor left on the wrong place is not silently the CPU's.
class EmulatedGpuAllocator final : public Allocator {
 public:
  Place place() const override { return Place{DeviceType::kGPU, 0}; }
  void* Allocate(size_t bytes, Stream) override {
    void* p = std::aligned_alloc(64, (bytes + 63) / 64 * 64 + 64);
    if (p == nullptr) throw std::bad_alloc();
    std::memset(p, 0, bytes);
    std::lock_guard<std::mutex> lock(mu_);
    stats_.in_use += bytes;
    stats_.peak_in_use = std::max(stats_.peak_in_use, stats_.in_use);
    ++stats_.system_allocs;
    return p;
  }
  void Free(void* ptr, size_t bytes, Stream) override {
    if (ptr == nullptr) return;
    std::free(ptr);
    std::lock_guard<std::mutex> lock(mu_);
    stats_.in_use -= bytes;
  }
  Stats stats() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return stats_;
  }
  void ReleaseCached() override {}

 private:
  mutable std::mutex mu_;
  Stats stats_;
};

class EmulatedGpu final : public Device {
 public:
  DeviceType type() const override { return DeviceType::kGPU; }
  Allocator& allocator(int device) override {
    PD_CHECK(device == 0, "the emulated GPU backend has GPU 0 alone, not ", device);
    return allocator_;
  }
  // The CPU's kernels run here, so they get the CPU's context (CpuContextOf accepts it).
  std::unique_ptr<DeviceContext> NewContext(Place place, const ExecConfig& config) override {
    return std::make_unique<CpuContext>(place, config);
  }
  std::unique_ptr<LayoutConverter> NewLayoutConverter() override {
    return cpu_->NewLayoutConverter();
  }
  void CopyToHost(void* dst, const void* src, size_t bytes, Stream) override {
    std::memcpy(dst, src, bytes);
  }
  void CopyFromHost(void* dst, const void* src, size_t bytes, Stream) override {
    std::memcpy(dst, src, bytes);
  }

 private:
  EmulatedGpuAllocator allocator_;
  std::unique_ptr<Device> cpu_ = NewCpuDevice();
};

}  // namespace
}  // namespace pd

extern "C" __attribute__((visibility("default"))) int gohub_cuda_backend_init(char* error,
                                                                             size_t size) {
  try {
    pd::DeviceRegistry::Global().Add(std::make_unique<pd::EmulatedGpu>());
    pd::OpRegistry::Mutable().CopyKernels(pd::DeviceType::kCPU, pd::DeviceType::kGPU);
    return 0;
  } catch (const std::exception& e) {
    std::snprintf(error, size, "%s", e.what());
    return 1;
  }
}

extern "C" __attribute__((visibility("default"))) const char* gohub_cuda_backend_info() {
  return "emulated GPU backend for tests: GPU 0 runs the CPU's kernels on host memory (not a "
         "GPU)";
}
