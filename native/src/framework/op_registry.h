// Op definitions: per op type a shape-inference function, kernels keyed by device type and the
// element type of one "key" input, and the facts about a kernel that the executor and the graph
// passes need (which layouts it reads, which input it may take over in place), registered next
// to the kernel. Kernel families register themselves from kernels/ (framework/builtins.h).
#pragma once

#include <map>
#include <set>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "framework/backward.h"
#include "framework/device.h"
#include "framework/program.h"
#include "framework/scope.h"
#include "framework/tensor.h"

namespace pd {

// Data a kernel keeps across runs of one op (oneDNN primitives, reordered weights).
class KernelState {
 public:
  virtual ~KernelState() = default;
};

// What a kernel sees: its op's attributes, the tensors bound to its slots and the device
// context of the place it runs on. Tensor pointers are resolved once when the executor prepares
// the program: inputs are found in the scope or its parents, outputs are the scope's own
// variables (made when absent). In a training scope, which has no parent and owns the
// parameters, an op that writes a parameter (ParamOut = Param) therefore writes the very tensor
// that later ops and later runs read. In an inference run scope, whose parent holds the shared
// read-only weights, an output named like a weight (batch_norm's MeanOut in a test-mode program)
// is a local variable that shadows it for the ops after it.
class OpContext {
 public:
  OpContext(const OpView& op, Scope* scope, const ExecConfig* config);

  const OpView& op() const { return op_; }
  const ExecConfig& config() const { return *config_; }
  // The context of the place the executor placed this op on (set before it runs).
  DeviceContext& device() const {
    PD_CHECK(device_ != nullptr, "op ", op_.type(), " has no device context");
    return *device_;
  }
  void set_device(DeviceContext* device) { device_ = device; }

  // True when the slot names at least one variable.
  bool HasInput(const std::string& slot) const;
  bool HasOutput(const std::string& slot) const;
  const Tensor& In(const std::string& slot, size_t i = 0) const;
  const std::vector<const Tensor*>& Ins(const std::string& slot) const;
  Tensor* Out(const std::string& slot, size_t i = 0) const;
  const std::vector<Tensor*>& Outs(const std::string& slot) const;

  // Binds argument i of an input slot to another tensor: the executor's copy of it on the
  // op's place.
  void RebindInput(const std::string& slot, size_t i, const Tensor* t);

  // The kernel's state of type T, made on first use. Every executor, and so every cloned
  // predictor, owns its OpContexts: the state needs no locking.
  template <typename T>
  T& State() {
    if (auto* s = dynamic_cast<T*>(state_.get())) return *s;
    state_ = std::make_unique<T>();
    return static_cast<T&>(*state_);
  }
  // The same for the op's InferShape, apart from the kernel's: InferShape serves the kernels
  // of every place, and each of those keeps a state of its own type.
  template <typename T>
  T& ShapeState() {
    if (auto* s = dynamic_cast<T*>(shape_state_.get())) return *s;
    shape_state_ = std::make_unique<T>();
    return static_cast<T&>(*shape_state_);
  }

 private:
  OpView op_;
  const ExecConfig* config_;
  DeviceContext* device_ = nullptr;
  std::vector<std::pair<std::string, std::vector<const Tensor*>>> ins_;
  std::vector<std::pair<std::string, std::vector<Tensor*>>> outs_;
  std::unique_ptr<KernelState> state_, shape_state_;
};

using InferShapeFn = void (*)(OpContext&);
using KernelFn = void (*)(OpContext&);

// Whether a kernel can read its inputs in the layouts that its place's kernels leave
// (Tensor::layout() != 0), asked before every run of the op; false makes the executor convert
// them to plain first.
using LayoutCheck = bool (*)(const OpContext&);
// Picks an op's LayoutCheck from its attributes once, when the executor prepares it; nullptr
// means plain inputs only (the default for every kernel).
using LayoutRule = LayoutCheck (*)(const OpView&);

// The kernels of one device type and what they accept.
struct DeviceKernels {
  std::map<DType, KernelFn> by_type;
  KernelFn any_type = nullptr;  // used when the op has no key input
  LayoutRule layout_rule = nullptr;
};

struct OpDef {
  std::string type;
  // Sets output dims and LoD from the inputs; may be null when the kernel does it itself.
  InferShapeFn infer_shape = nullptr;
  // Slot whose element type selects the kernel (e.g. "X", "W"); empty: the kernel accepts any.
  std::string key_input;
  std::map<DeviceType, DeviceKernels> devices;
  // Input slot whose buffer the kernel may adopt as its output's (the output slot), when a
  // graph pass has found that input dead after the op (passes/conv_residual_fuse.cc).
  std::string in_place_input, in_place_output;
  // Makes the op's grad ops for append_backward (framework/backward.h); null: not trainable.
  GradMakerFn grad_maker = nullptr;
  // Input slots whose dims (and LoD) the op reads but never their data (prior_box's feature
  // map and image, as Paddle's no-need-buffer inputs): an op on another place than such an
  // input gets a data-less copy of its shape instead of the tensor's bytes.
  std::set<std::string> shape_only_inputs;

  bool HasKernelsOn(DeviceType type) const { return devices.count(type) != 0; }
  // Picks the kernel for the key input's type on the device; throws when none is registered.
  KernelFn Select(const OpContext& ctx, DeviceType type) const;
  // The layout check of op on the device: nullptr for plain inputs only.
  LayoutCheck LayoutCheckFor(const OpView& op, DeviceType type) const;
};

class OpRegistry {
 public:
  // The registry with every kernel family of this build registered (framework/builtins.h).
  static const OpRegistry& Global();
  // The same registry, for a backend that adds kernels of its device when it is loaded, and for
  // tests; only before executors that could use them are built.
  static OpRegistry& Mutable();

  const OpDef* Find(const std::string& type) const;
  std::vector<std::string> Types() const;

  // Registration, used by the kernel families' Register* functions.
  OpDef& Add(const std::string& type, InferShapeFn infer_shape, const std::string& key_input);
  void AddKernel(const std::string& type, DeviceType device, DType dtype, KernelFn fn);
  void SetLayoutRule(const std::string& type, DeviceType device, LayoutRule rule);
  void SetInPlace(const std::string& type, const std::string& input, const std::string& output);
  void SetGradMaker(const std::string& type, GradMakerFn maker);
  void SetShapeOnlyInputs(const std::string& type, std::set<std::string> slots);
  // Drops the kernels of a device (a test device going away).
  void RemoveDevice(DeviceType device);
  // Gives device to the kernels and layout rules of device from (an emulated device in tests);
  // with through, each of to's kernels is through instead, which finds from's itself.
  void CopyKernels(DeviceType from, DeviceType to, KernelFn through = nullptr);

 private:
  OpDef& Get(const std::string& type);

  std::map<std::string, OpDef> defs_;
};

// Copies the LoD of ctx.In(in_slot) onto ctx.Out(out_slot): Paddle's ShareLoD.
void ShareLoD(OpContext& ctx, const std::string& in_slot, const std::string& out_slot);

}  // namespace pd
