// reshape(2), flatten(2), flatten_contiguous_range, squeeze(2), unsqueeze(2) on the GPU: the
// CPU's kernel (kernels/shape_ops.cc) only makes Out share X's buffer, which works on any
// place, so the GPU gets that very kernel and a GPU tensor never goes to the host for a view.
#include <string>
#include <utility>
#include <vector>

#include "cuda/host_inputs.h"
#include "cuda/register.h"

namespace pd::cuda {

void RegisterViewKernels(OpRegistry& r) {
  // Each op with the inputs its shape inference reads as host memory (the target shape or the
  // axes given as tensors), which the executor copies to the GPU for a GPU-placed op.
  const std::vector<std::pair<const char*, std::vector<std::string>>> views = {
      {"reshape", {"Shape", "ShapeTensor"}},
      {"reshape2", {"Shape", "ShapeTensor"}},
      {"flatten", {}},
      {"flatten2", {}},
      {"flatten_contiguous_range", {}},
      {"squeeze", {}},
      {"squeeze2", {}},
      {"unsqueeze", {"AxesTensor", "AxesTensorList"}},
      {"unsqueeze2", {"AxesTensor", "AxesTensorList"}},
  };
  for (const auto& [type, host_slots] : views) {
    const OpDef* def = r.Find(type);
    if (def == nullptr || !def->HasKernelsOn(DeviceType::kCPU)) continue;
    const KernelFn share = def->devices.at(DeviceType::kCPU).any_type;
    if (share == nullptr) continue;
    if (!host_slots.empty()) ReadOnHostForInferShape(r, type, host_slots);
    r.AddKernel(type, DeviceType::kGPU, DType::kUndefined, share);
  }
}

}  // namespace pd::cuda
