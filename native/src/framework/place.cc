#include "framework/place.h"

namespace pd {

const char* DeviceTypeName(DeviceType type) {
  switch (type) {
    case DeviceType::kCPU:
      return "CPU";
    case DeviceType::kGPU:
      return "GPU";
    case DeviceType::kTestDevice:
      return "test device";
  }
  return "unknown device";
}

std::string Place::ToString() const {
  if (is_cpu()) return "CPU";
  return std::string(DeviceTypeName(type)) + ":" + std::to_string(device);
}

}  // namespace pd
