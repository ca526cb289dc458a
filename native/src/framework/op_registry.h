// Op definitions: per op type a shape-inference function and kernels keyed by place and the
// element type of one "key" input. Kernel families register themselves from kernels/.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "framework/program.h"
#include "framework/scope.h"
#include "framework/tensor.h"

namespace pd {

// Settings a predictor passes to every kernel.
struct ExecConfig {
  int num_threads = 1;
};

// Data a kernel keeps across runs of one op (oneDNN primitives, reordered weights).
class KernelState {
 public:
  virtual ~KernelState() = default;
};

// What a kernel sees: its op's attributes and the tensors bound to its slots. Tensor pointers
// are resolved once when the executor prepares the program.
class OpContext {
 public:
  OpContext(const OpView& op, Scope* scope, const ExecConfig* config);

  const OpView& op() const { return op_; }
  const ExecConfig& config() const { return *config_; }

  // True when the slot names at least one variable.
  bool HasInput(const std::string& slot) const;
  bool HasOutput(const std::string& slot) const;
  const Tensor& In(const std::string& slot, size_t i = 0) const;
  const std::vector<const Tensor*>& Ins(const std::string& slot) const;
  Tensor* Out(const std::string& slot, size_t i = 0) const;
  const std::vector<Tensor*>& Outs(const std::string& slot) const;

  // True when the input lives in a parent scope, which runs never write (a predictor's
  // weights): a kernel may cache what it derives from it.
  bool InputIsConst(const std::string& slot, size_t i = 0) const;

  // The kernel's state of type T, made on first use. Every executor, and so every cloned
  // predictor, owns its OpContexts: the state needs no locking.
  template <typename T>
  T& State() {
    if (auto* s = dynamic_cast<T*>(state_.get())) return *s;
    state_ = std::make_unique<T>();
    return static_cast<T&>(*state_);
  }

 private:
  OpView op_;
  const ExecConfig* config_;
  std::vector<std::pair<std::string, std::vector<const Tensor*>>> ins_;
  std::vector<std::pair<std::string, std::vector<Tensor*>>> outs_;
  std::vector<const Tensor*> const_ins_;
  std::unique_ptr<KernelState> state_;
};

using InferShapeFn = void (*)(OpContext&);
using KernelFn = void (*)(OpContext&);

struct OpDef {
  std::string type;
  // Sets output dims and LoD from the inputs; may be null when the kernel does it itself.
  InferShapeFn infer_shape = nullptr;
  // Slot whose element type selects the kernel (e.g. "X", "W"); empty: the kernel accepts any.
  std::string key_input;
  std::map<std::pair<Place, DType>, KernelFn> kernels;
  KernelFn any_type_kernel = nullptr;  // used when key_input is empty

  // Picks the kernel for the key input's type on place; throws when none is registered.
  KernelFn Select(const OpContext& ctx, Place place) const;
};

class OpRegistry {
 public:
  // The registry with every kernel family of this build registered.
  static const OpRegistry& Global();

  const OpDef* Find(const std::string& type) const;
  std::vector<std::string> Types() const;

  // Registration, used by the kernel families' Register* functions.
  OpDef& Add(const std::string& type, InferShapeFn infer_shape, const std::string& key_input);
  void AddKernel(const std::string& type, Place place, DType dtype, KernelFn fn);

 private:
  std::map<std::string, OpDef> defs_;
};

// Copies the LoD of ctx.In(in_slot) onto ctx.Out(out_slot): Paddle's ShareLoD.
void ShareLoD(OpContext& ctx, const std::string& in_slot, const std::string& out_slot);

}  // namespace pd
