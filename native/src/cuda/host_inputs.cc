#include "cuda/host_inputs.h"

#include <map>
#include <utility>

#include "framework/device.h"

namespace pd::cuda {

HostInputs::HostInputs(OpContext& ctx, const std::vector<std::string>& slots) : ctx_(ctx) {
  for (const std::string& slot : slots) {
    if (!ctx.HasInput(slot)) continue;
    const auto& ins = ctx.Ins(slot);
    for (size_t i = 0; i < ins.size(); ++i) {
      if (ins[i]->initialized() && !ins[i]->place().is_cpu()) bound_.push_back({slot, i, ins[i]});
    }
  }
  // All copies first (a failing one leaves nothing rebound), then the rebinding, which keeps
  // pointers into copies_: it is not resized afterwards.
  copies_.resize(bound_.size());
  for (size_t k = 0; k < bound_.size(); ++k)
    CopyTensor(*bound_[k].original, Place::CPU(), &copies_[k], ctx.device().stream());  // waits
  for (size_t k = 0; k < bound_.size(); ++k)
    ctx.RebindInput(bound_[k].slot, bound_[k].index, &copies_[k]);
}

HostInputs::~HostInputs() {
  for (const Bound& b : bound_) ctx_.RebindInput(b.slot, b.index, b.original);
}

namespace {

struct Wrapped {
  InferShapeFn infer;
  std::vector<std::string> slots;
};

// Filled while the backend registers its kernels (one thread, before any executor exists),
// read only afterwards.
std::map<std::string, Wrapped>& WrappedOps() {
  static std::map<std::string, Wrapped> ops;
  return ops;
}

void InferOnHost(OpContext& ctx) {
  const Wrapped& w = WrappedOps().at(ctx.op().type());
  HostInputs host(ctx, w.slots);
  w.infer(ctx);
}

}  // namespace

void ReadOnHostForInferShape(OpRegistry& r, const std::string& type,
                             const std::vector<std::string>& slots) {
  const OpDef* def = r.Find(type);
  PD_CHECK(def != nullptr, "CUDA backend: op ", type, " is not registered");
  if (def->infer_shape == nullptr || def->infer_shape == InferOnHost) return;
  WrappedOps()[type] = Wrapped{def->infer_shape, slots};
  // Add keeps the op's kernels and grad maker; only the inference is replaced.
  r.Add(type, InferOnHost, def->key_input);
}

}  // namespace pd::cuda
