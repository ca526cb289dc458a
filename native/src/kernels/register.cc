// framework/builtins.h: what this build registers.
#include "framework/builtins.h"

#include "framework/device.h"
#include "kernels/cpu_context.h"
#include "kernels/register.h"

namespace pd {

void RegisterBuiltinOps(OpRegistry& registry) { RegisterAllKernels(registry); }

void RegisterBuiltinDevices(DeviceRegistry& registry) { registry.Add(NewCpuDevice()); }

}  // namespace pd
