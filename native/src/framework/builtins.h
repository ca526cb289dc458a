// The ops, kernels and devices this build carries. Declared here and defined by kernels/
// (kernels/register.cc), so that framework/ calls them without depending on kernels/; explicit
// calls (rather than static registrars) keep every kernel in static test binaries.
#pragma once

namespace pd {

class OpRegistry;
class DeviceRegistry;

void RegisterBuiltinOps(OpRegistry& registry);
void RegisterBuiltinDevices(DeviceRegistry& registry);

}  // namespace pd
