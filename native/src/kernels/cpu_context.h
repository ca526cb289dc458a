// The CPU's device context: the host thread count, and oneDNN's engine and a stream of this
// executor's own (streams are not to be shared by threads running at once; each predictor clone
// has its own executor). Registered as the CPU device by kernels/register.cc.
#pragma once

#include <dnnl.hpp>
#include <memory>

#include "framework/device.h"
#include "framework/op_registry.h"

namespace pd {

// Not final: the tests' emulated GPU runs the CPU's kernels in a context of its own kind.
class CpuContext : public DeviceContext {
 public:
  CpuContext(Place place, const ExecConfig& config);

  const dnnl::engine& engine() const { return engine_; }
  dnnl::stream& stream_ref() { return stream_; }
  void Wait() override { stream_.wait(); }

 private:
  dnnl::engine engine_;
  dnnl::stream stream_;
};

// The context of a kernel that runs on the CPU (fails if the op was placed on a device with a
// context of its own; the emulated GPU of the tests gives the CPU's kernels this one).
CpuContext& CpuContextOf(const OpContext& ctx);

// The CPU device: CpuAllocator(), CpuContext, host copies, and the oneDNN layout converter.
std::unique_ptr<Device> NewCpuDevice();

}  // namespace pd
