// An emulated GPU backend for tests on machines without one: a shared object with the CUDA
// backend's entry points (framework/cuda_backend.h) that registers a GPU device whose memory is
// host memory and whose kernels are the CPU's. Loaded through GOHUB_CUDA_BACKEND, it lets the
// test suites run every path that asks for a GPU (predictors with EnableUseGpu, training
// executors on the GPU, RunConfig.UseGPU, gohub run --use_gpu) through the engine's placement,
// its copies between places, its staging memory and the Go code above them, on any machine.
// It checks the orchestration, not a GPU's arithmetic: that is scripts/device/check.sh's job
// on a real GPU. Built with the tests, never installed.
//
// Copies to the device run as CUDA runs them. From page-locked host memory (the device's host
// blocks: the executors' staging memory) a copy runs after the call that queues it returns, in
// order with the thread's other device work (its next kernel, copy home or synchronisation): a
// caller that rewrites or frees the source before then is caught, the device getting what the
// source holds when the copy runs. From pageable memory the call returns once the source has
// been read (the driver stages it), so that source may be reused at once.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <new>
#include <string>
#include <utility>
#include <vector>

#include "framework/device.h"
#include "framework/op_registry.h"
#include "kernels/cpu_context.h"

namespace pd {
namespace {

// The copies to the device this thread has queued and the device has not run yet (CUDA's
// per-thread default stream, which the backend's work goes to).
struct PendingCopy {
  void* dst;
  const void* src;
  size_t bytes;
};
thread_local std::vector<PendingCopy> pending;

// The thread's queued copies, run in order: what the device does before its next work.
void RunPendingCopies() {
  for (const PendingCopy& c : pending) std::memcpy(c.dst, c.src, c.bytes);
  pending.clear();
}

// Every kernel of the emulated GPU: the queued copies, then the CPU's kernel for the op.
void EmulatedKernel(OpContext& ctx) {
  RunPendingCopies();
  OpRegistry::Global().Find(ctx.op().type())->Select(ctx, DeviceType::kCPU)(ctx);
}

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

  // The "page-locked" blocks: host memory that copies to the device read late.
  void* AllocateHost(size_t bytes) override {
    void* p = std::aligned_alloc(64, (bytes + 63) / 64 * 64 + 64);
    if (p == nullptr) throw std::bad_alloc();
    std::lock_guard<std::mutex> lock(mu_);
    locked_[static_cast<const char*>(p)] = bytes;
    return p;
  }
  void FreeHost(void* ptr, size_t) override {
    if (ptr == nullptr) return;
    {
      std::lock_guard<std::mutex> lock(mu_);
      locked_.erase(static_cast<const char*>(ptr));
    }
    std::free(ptr);
  }
  bool PageLocked(const void* p) const {
    const char* c = static_cast<const char*>(p);
    std::lock_guard<std::mutex> lock(mu_);
    auto it = locked_.upper_bound(c);
    if (it == locked_.begin()) return false;
    --it;
    return c < it->first + it->second;
  }

 private:
  mutable std::mutex mu_;
  Stats stats_;
  std::map<const char*, size_t> locked_;  // AllocateHost's blocks and their sizes
};

// The CPU's context, whose Wait is a stream's: the queued copies are done when it returns.
class EmulatedGpuContext final : public CpuContext {
 public:
  using CpuContext::CpuContext;
  void Wait() override {
    RunPendingCopies();
    CpuContext::Wait();
  }
};

// The CPU's converter, run as a device's kernel would be: after the queued copies.
class EmulatedConverter final : public LayoutConverter {
 public:
  explicit EmulatedConverter(std::unique_ptr<LayoutConverter> cpu) : cpu_(std::move(cpu)) {}
  void ToPlain(Tensor* t, DeviceContext& ctx) override {
    RunPendingCopies();
    cpu_->ToPlain(t, ctx);
  }

 private:
  std::unique_ptr<LayoutConverter> cpu_;
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
    return std::make_unique<EmulatedGpuContext>(place, config);
  }
  std::unique_ptr<LayoutConverter> NewLayoutConverter() override {
    return std::make_unique<EmulatedConverter>(cpu_->NewLayoutConverter());
  }
  void CopyToHost(int, void* dst, const void* src, size_t bytes, Stream) override {
    RunPendingCopies();
    std::memcpy(dst, src, bytes);
  }
  void CopyFromHost(int, void* dst, const void* src, size_t bytes, Stream) override {
    if (allocator_.PageLocked(src)) {
      pending.push_back({dst, src, bytes});
    } else {
      RunPendingCopies();  // stream order
      std::memcpy(dst, src, bytes);
    }
  }
  void CopyOnDevice(int, void* dst, const void* src, size_t bytes, Stream) override {
    RunPendingCopies();  // stream order
    std::memcpy(dst, src, bytes);
  }
  void Synchronize(int, Stream) override { RunPendingCopies(); }

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
    pd::OpRegistry::Mutable().CopyKernels(pd::DeviceType::kCPU, pd::DeviceType::kGPU,
                                          pd::EmulatedKernel);
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
