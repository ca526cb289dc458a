// A second place for tests on machines without a GPU: DeviceType::kTestDevice, host memory from
// an allocator of its own (not the CPU's pool), copies that count themselves, a few kernels
// (the element-wise family, relu/relu6, softmax and concat: the CPU's functions run for this
// device) and recorded runs as CUDA graphs make them. The executor refuses to hand a kernel an
// input that is not on its op's place, so a missing copy between places fails a run instead of
// going unnoticed.
#pragma once

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <utility>
#include <vector>

#include "framework/device.h"
#include "framework/op_registry.h"

namespace pd::test {

// Recording on the test device, as a CUDA graph records: while a run is recorded the device's
// kernels are noted instead of run, and launching the recording runs the noted kernels on the
// tensors they were bound to; allocating while recording fails, as the CUDA allocator does.
struct TestRecording final : RecordedWork {
  std::vector<std::pair<KernelFn, OpContext*>> kernels;
  int* launches = nullptr;
  void Launch(DeviceContext&) override {
    for (const auto& [fn, ctx] : kernels) fn(*ctx);
    ++*launches;
  }
};

// The recording in progress on this thread, if any.
inline TestRecording*& ActiveRecording() {
  static thread_local TestRecording* active = nullptr;
  return active;
}

// The test device's kernel for every op type: the CPU's, run or (while recording) noted.
inline void TestDeviceKernel(OpContext& ctx) {
  const KernelFn cpu =
      OpRegistry::Global().Find(ctx.op().type())->devices.at(DeviceType::kCPU).by_type.at(
          DType::kFP32);
  if (TestRecording* r = ActiveRecording()) {
    r->kernels.emplace_back(cpu, &ctx);
    return;
  }
  cpu(ctx);
}

class TestDeviceAllocator final : public Allocator {
 public:
  Place place() const override { return Place{DeviceType::kTestDevice, 0}; }
  void* Allocate(size_t bytes, Stream) override {
    PD_CHECK(ActiveRecording() == nullptr, "allocated while a run was recorded");
    void* p = std::aligned_alloc(64, (bytes + 63) / 64 * 64 + 64);
    if (p == nullptr) throw std::bad_alloc();
    std::memset(p, 0, bytes);
    in_use_ += bytes;
    ++allocs_;
    return p;
  }
  void Free(void* ptr, size_t bytes, Stream) override {
    if (ptr == nullptr) return;
    in_use_ -= bytes;
    std::free(ptr);
  }
  Stats stats() const override {
    Stats s;
    s.in_use = in_use_;
    s.system_allocs = allocs_;
    return s;
  }
  void ReleaseCached() override {}

 private:
  std::atomic<uint64_t> in_use_{0}, allocs_{0};
};

class TestDevice final : public Device {
 public:
  DeviceType type() const override { return DeviceType::kTestDevice; }
  Allocator& allocator(int) override { return allocator_; }
  std::unique_ptr<DeviceContext> NewContext(Place place, const ExecConfig& config) override {
    return std::make_unique<DeviceContext>(place, config);
  }
  void CopyToHost(int, void* dst, const void* src, size_t bytes, Stream) override {
    std::memcpy(dst, src, bytes);
    ++to_host_;
  }
  void CopyFromHost(int, void* dst, const void* src, size_t bytes, Stream) override {
    std::memcpy(dst, src, bytes);
    ++from_host_;
  }
  void CopyOnDevice(int, void* dst, const void* src, size_t bytes, Stream) override {
    std::memcpy(dst, src, bytes);
  }

  std::unique_ptr<RecordedWork> Record(DeviceContext&, const std::function<void()>& queue) override {
    auto recording = std::make_unique<TestRecording>();
    recording->launches = &launches_;
    ActiveRecording() = recording.get();
    try {
      queue();
    } catch (...) {
      ActiveRecording() = nullptr;
      throw;
    }
    ActiveRecording() = nullptr;
    ++recordings_;
    return recording;
  }
  int recordings() const { return recordings_; }
  int launches() const { return launches_; }

  uint64_t to_host() const { return to_host_; }
  uint64_t from_host() const { return from_host_; }

 private:
  TestDeviceAllocator allocator_;
  std::atomic<uint64_t> to_host_{0}, from_host_{0};
  int recordings_ = 0, launches_ = 0;
};

// The op types the test device has kernels for (float32 only): what stays of the element-wise
// family in a model whose passes fused it into convolutions, plus the ops around those.
inline const char* const kTestDeviceOps[] = {
    "elementwise_add", "elementwise_sub", "elementwise_mul", "elementwise_div", "elementwise_max",
    "elementwise_min", "relu",            "relu6",           "softmax",         "concat"};

// Registers the test device and its kernels for the life of the object.
class ScopedTestDevice {
 public:
  ScopedTestDevice() {
    auto device = std::make_unique<TestDevice>();
    device_ = device.get();
    DeviceRegistry::Global().Add(std::move(device));
    OpRegistry& ops = OpRegistry::Mutable();
    for (const char* type : kTestDeviceOps) {
      ops.AddKernel(type, DeviceType::kTestDevice, DType::kFP32, TestDeviceKernel);
    }
  }
  ~ScopedTestDevice() {
    // Staging blocks cached for this device go back through its allocator while it exists.
    HostStagingFor(device_->allocator(0)).ReleaseCached();
    OpRegistry::Mutable().RemoveDevice(DeviceType::kTestDevice);
    DeviceRegistry::Global().Remove(DeviceType::kTestDevice);
  }
  ScopedTestDevice(const ScopedTestDevice&) = delete;
  ScopedTestDevice& operator=(const ScopedTestDevice&) = delete;

  TestDevice& device() { return *device_; }
  static Place place() { return Place{DeviceType::kTestDevice, 0}; }

 private:
  TestDevice* device_;
};

}  // namespace pd::test
