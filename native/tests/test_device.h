// A second place for tests on machines without a GPU: DeviceType::kTestDevice, host memory from
// an allocator of its own (not the CPU's pool), copies that count themselves, and a few kernels
// (the element-wise family, relu/relu6, softmax and concat: the CPU's functions registered again
// for this device). The executor refuses to hand a kernel an input that is not on its op's place, so a
// missing copy between places fails a run instead of going unnoticed.
#pragma once

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>

#include "framework/device.h"
#include "framework/op_registry.h"

namespace pd::test {

class TestDeviceAllocator final : public Allocator {
 public:
  Place place() const override { return Place{DeviceType::kTestDevice, 0}; }
  void* Allocate(size_t bytes, Stream) override {
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
  void CopyToHost(void* dst, const void* src, size_t bytes, Stream) override {
    std::memcpy(dst, src, bytes);
    ++to_host_;
  }
  void CopyFromHost(void* dst, const void* src, size_t bytes, Stream) override {
    std::memcpy(dst, src, bytes);
    ++from_host_;
  }

  uint64_t to_host() const { return to_host_; }
  uint64_t from_host() const { return from_host_; }

 private:
  TestDeviceAllocator allocator_;
  std::atomic<uint64_t> to_host_{0}, from_host_{0};
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
      const OpDef* def = ops.Find(type);
      const KernelFn cpu = def->devices.at(DeviceType::kCPU).by_type.at(DType::kFP32);
      ops.AddKernel(type, DeviceType::kTestDevice, DType::kFP32, cpu);
    }
  }
  ~ScopedTestDevice() {
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
