// Gradients of a program, as Paddle's append_backward builds them: the loss's gradient seeded
// with 1 (fill_constant), then the forward ops that the loss depends on walked in reverse, each
// giving the grad ops its type's grad rule makes (registered beside its kernels,
// OpRegistry::SetGradMaker). A gradient has its variable's name plus "@GRAD"; one written by
// several grad ops is written to renamed variables ("@RENAME@block0@<k>") and summed by a `sum`
// op before it is read. Variables marked stop_gradient, those in the no-grad set, non-float ones
// and everything computed only from them get no gradient.
#pragma once

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "framework.pb.h"

namespace pd {
namespace proto = paddle::framework::proto;
}  // namespace pd

namespace pd {

inline std::string GradVarName(const std::string& name) { return name + "@GRAD"; }

// What a grad rule sees of one forward op, and the grad ops it makes.
class GradOpBuilder {
 public:
  // A grad op under construction; empty names are left out, and a slot left without names is
  // not added at all (Paddle drops gradients nobody needs the same way).
  class Op {
   public:
    explicit Op(proto::OpDesc* desc) : desc_(desc) {}
    Op& In(const std::string& slot, const std::vector<std::string>& names);
    Op& Out(const std::string& slot, const std::vector<std::string>& names);
    // Sets (or replaces) an attribute copied from the forward op.
    Op& Float(const std::string& name, float v);
    Op& Bool(const std::string& name, bool v);

   private:
    proto::OpDesc::Attr* Attr(const std::string& name);
    proto::OpDesc* desc_;
  };

  // needs_grad: variables that want a gradient; available: variables whose gradient exists.
  GradOpBuilder(const proto::OpDesc& forward, const std::set<std::string>& needs_grad,
                const std::set<std::string>& available)
      : forward_(forward), needs_grad_(needs_grad), available_(available) {}

  const proto::OpDesc& forward() const { return forward_; }
  std::vector<std::string> Input(const std::string& slot) const;
  std::vector<std::string> Output(const std::string& slot) const;
  // X@GRAD for each argument of an input slot; "" where that variable needs no gradient.
  std::vector<std::string> InputGrad(const std::string& slot) const;
  // Out@GRAD for each argument of an output slot; "" where no gradient flows back into it.
  std::vector<std::string> OutputGrad(const std::string& slot) const;

  // Appends a grad op of type carrying the forward op's attributes.
  Op Add(const std::string& type);
  std::vector<proto::OpDesc>& ops() { return ops_; }

 private:
  const proto::OpDesc& forward_;
  const std::set<std::string>& needs_grad_;
  const std::set<std::string>& available_;
  std::vector<proto::OpDesc> ops_;
};

using GradMakerFn = void (*)(GradOpBuilder& g);

struct BackwardResult {
  // (parameter, its gradient) for every parameter that got one, in program order.
  std::vector<std::pair<std::string, std::string>> param_grads;
  int first_grad_op = 0;  // index in block 0 of the first op appended
};

// Appends the backward part for loss to block 0 of program and declares its variables.
// Fails naming the op when a forward op on the loss's path has no grad rule.
BackwardResult AppendBackward(proto::ProgramDesc* program, const std::string& loss,
                              const std::set<std::string>& no_grad_set = {});

}  // namespace pd
