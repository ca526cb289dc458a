// Where a tensor's storage lives and where a kernel runs. A place is a device type plus the
// device's index among those of its type (the GPU ordinal; 0 for the CPU).
#pragma once

#include <cstdint>
#include <string>
#include <tuple>

namespace pd {

enum class DeviceType : uint8_t {
  kCPU = 0,
  kGPU = 1,
  // A host-memory device that only tests register (native/tests/test_device.h): it has its own
  // allocator and a few kernels, so per-op placement and the copies between places are checked
  // on machines without a GPU.
  kTestDevice = 2,
};

const char* DeviceTypeName(DeviceType type);

struct Place {
  DeviceType type = DeviceType::kCPU;
  int device = 0;

  static Place CPU() { return Place{}; }
  bool is_cpu() const { return type == DeviceType::kCPU; }
  std::string ToString() const;

  friend bool operator==(const Place& a, const Place& b) {
    return a.type == b.type && a.device == b.device;
  }
  friend bool operator!=(const Place& a, const Place& b) { return !(a == b); }
  friend bool operator<(const Place& a, const Place& b) {
    return std::tie(a.type, a.device) < std::tie(b.type, b.device);
  }
};

}  // namespace pd
