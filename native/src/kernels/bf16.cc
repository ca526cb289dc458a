#include "kernels/bf16.h"

#include <atomic>
#include <cstdint>
#include <cstring>
#include <dnnl.hpp>

namespace pd {
namespace {
std::atomic<bool> force_emulation{false};
}  // namespace

bool WantsBf16(const OpView& op) { return op.GetString("mkldnn_data_type", "") == "bfloat16"; }

bool Bf16ConvIsNative() {
  // oneDNN's bfloat16 convolutions start at avx512_core (emulating the BF16 instructions where
  // the CPU lacks them); get_effective_cpu_isa honours ONEDNN_MAX_CPU_ISA.
  // The ISA values are bit sets, each containing the ones it extends.
  const auto isa = static_cast<unsigned>(dnnl::get_effective_cpu_isa());
  const auto avx512 = static_cast<unsigned>(dnnl::cpu_isa::avx512_core);
  return (isa & avx512) == avx512;
}

void RoundToBf16(float* data, size_t n) {
  // Round to nearest even on the upper 16 bits; the compiler vectorises the loop.
  for (size_t i = 0; i < n; ++i) {
    uint32_t u;
    std::memcpy(&u, &data[i], sizeof u);
    const bool nan = (u & 0x7fffffffu) > 0x7f800000u;
    const uint32_t rounded = (u + 0x7fffu + ((u >> 16) & 1u)) & 0xffff0000u;
    u = nan ? (u | 0x00400000u) & 0xffff0000u : rounded;
    std::memcpy(&data[i], &u, sizeof u);
  }
}

void RoundToBf16(const dnnl::memory& m) {
  RoundToBf16(static_cast<float*>(m.get_data_handle()), m.get_desc().get_size() / sizeof(float));
}

const float* Bf16Rounded(const float* data, size_t n, bool bf16, std::vector<float>* scratch) {
  if (!bf16) return data;
  scratch->assign(data, data + n);
  RoundToBf16(scratch->data(), n);
  return scratch->data();
}

void ForceBf16EmulationForTesting(bool on) { force_emulation = on; }
bool Bf16EmulationForced() { return force_emulation; }

}  // namespace pd
