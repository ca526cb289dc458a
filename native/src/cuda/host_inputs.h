// Shape-giving inputs (reshape's Shape, interp's OutSize, scale's ScaleTensor, ...) read on the
// host. The executor copies every input of a GPU-placed op to the GPU, but the shared shape
// inference (kernels/*.cc) and some attributes-as-tensors are read with plain host loads:
// these helpers hand such code host copies of the GPU tensors of the named slots.
#pragma once

#include <string>
#include <vector>

#include "framework/op_registry.h"

namespace pd::cuda {

// While alive, the named input slots of ctx that are on a GPU are bound to host copies (one
// synchronous copy each: these inputs hold a few numbers); the destructor binds the originals
// back, so the executor's own copies stay in place for the next run.
class HostInputs {
 public:
  HostInputs(OpContext& ctx, const std::vector<std::string>& slots);
  ~HostInputs();
  HostInputs(const HostInputs&) = delete;
  HostInputs& operator=(const HostInputs&) = delete;

 private:
  struct Bound {
    std::string slot;
    size_t index;
    const Tensor* original;
  };
  OpContext& ctx_;
  std::vector<Bound> bound_;
  std::vector<Tensor> copies_;
};

// Replaces type's shape inference with one that runs the registered one under HostInputs for
// slots. Needed before a kernel for kGPU is added to an op whose inference reads those inputs'
// data; host inputs pass through untouched, so the CPU path is unchanged.
void ReadOnHostForInferShape(OpRegistry& r, const std::string& type,
                             const std::vector<std::string>& slots);

}  // namespace pd::cuda
