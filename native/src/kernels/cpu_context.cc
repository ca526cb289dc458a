#include "kernels/cpu_context.h"

#include <cstring>

#include "kernels/dnnl_util.h"

namespace pd {
namespace {

// oneDNN engines may be shared by threads; one for the process.
const dnnl::engine& CpuEngine() {
  static const dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

class CpuDevice final : public Device {
 public:
  DeviceType type() const override { return DeviceType::kCPU; }
  Allocator& allocator(int) override { return CpuAllocator(); }
  std::unique_ptr<DeviceContext> NewContext(Place place, const ExecConfig& config) override {
    return std::make_unique<CpuContext>(place, config);
  }
  std::unique_ptr<LayoutConverter> NewLayoutConverter() override {
    return std::make_unique<PlainConverter>();
  }
  void CopyToHost(int, void* dst, const void* src, size_t bytes, Stream) override {
    std::memcpy(dst, src, bytes);
  }
  void CopyFromHost(int, void* dst, const void* src, size_t bytes, Stream) override {
    std::memcpy(dst, src, bytes);
  }
  void CopyOnDevice(int, void* dst, const void* src, size_t bytes, Stream) override {
    std::memcpy(dst, src, bytes);
  }
};

}  // namespace

CpuContext::CpuContext(Place place, const ExecConfig& config)
    : DeviceContext(place, config), engine_(CpuEngine()), stream_(engine_) {}

CpuContext& CpuContextOf(const OpContext& ctx) {
  DeviceContext& d = ctx.device();
  auto* cpu = dynamic_cast<CpuContext*>(&d);
  PD_CHECK(cpu != nullptr, "op ", ctx.op().type(), ": a CPU kernel was given the context of ",
           d.place().ToString());
  return *cpu;
}

std::unique_ptr<Device> NewCpuDevice() { return std::make_unique<CpuDevice>(); }

}  // namespace pd
