// A training program ends with one momentum op per parameter (161 for ResNet-50). Run one by
// one on a GPU, each is a launch and a pass of host work for a few microseconds of device time;
// merged_momentum updates them all in one op, as Paddle's fuse_optimizer_ops pass and its
// merged_momentum op do. Only consecutive ops merge, so no op sees a parameter at another point
// of its update than before; the per-element arithmetic is momentum's, so the step is the same
// bit for bit.
#include <string>
#include <vector>

#include "passes/fusions.h"

namespace pd {
namespace {

// The momentum ops that can join a merged op: float32 updates of one parameter without a master
// copy. momentum's CPU kernel ignores rescale_grad (as Paddle's does) while merged_momentum
// applies it: only ops with none or 1 merge.
bool Mergeable(const OpView& op) {
  if (op.type() != "momentum" || op.GetBool("multi_precision", false)) return false;
  if (op.GetFloat("rescale_grad", 1.0f) != 1.0f) return false;
  if (!op.Input("MasterParam").empty()) return false;
  for (const char* slot : {"Param", "Grad", "Velocity", "LearningRate"})
    if (op.Inputs(slot).size() != 1) return false;
  for (const char* slot : {"ParamOut", "VelocityOut"})
    if (op.Outputs(slot).size() != 1) return false;
  return true;
}

// The attributes the whole merged op shares (the regularization it keeps per parameter).
bool SharedAttrsMatch(const OpView& a, const OpView& b) {
  return a.GetFloat("mu", 0.0f) == b.GetFloat("mu", 0.0f) &&
         a.GetBool("use_nesterov", false) == b.GetBool("use_nesterov", false);
}

// Merges ops [first, end) into op first.
void Merge(Graph& g, int first, int end) {
  std::vector<std::string> param, grad, velocity, lr, param_out, velocity_out, methods;
  std::vector<float> coeffs;
  for (int i = first; i < end; ++i) {
    const OpView op = g.view(i);
    param.push_back(op.Input("Param"));
    grad.push_back(op.Input("Grad"));
    velocity.push_back(op.Input("Velocity"));
    lr.push_back(op.Input("LearningRate"));
    param_out.push_back(op.Output("ParamOut"));
    velocity_out.push_back(op.Output("VelocityOut"));
    methods.push_back(op.GetString("regularization_method", ""));
    coeffs.push_back(op.GetFloat("regularization_coeff", 0.0f));
  }
  const OpView head = g.view(first);
  proto::OpDesc merged;
  merged.set_type("merged_momentum");
  SetInputs(&merged, "Param", param);
  SetInputs(&merged, "Grad", grad);
  SetInputs(&merged, "Velocity", velocity);
  SetInputs(&merged, "LearningRate", lr);
  SetOutputs(&merged, "ParamOut", param_out);
  SetOutputs(&merged, "VelocityOut", velocity_out);
  SetAttr(&merged, "mu", head.GetFloat("mu", 0.0f));
  SetAttr(&merged, "use_nesterov", head.GetBool("use_nesterov", false) ? 1 : 0);
  SetAttr(&merged, "rescale_grad", 1.0f);
  SetAttr(&merged, "regularization_method", methods);
  SetAttr(&merged, "regularization_coeff", coeffs);
  *g.mutable_op(first) = merged;
  for (int i = first + 1; i < end; ++i) g.RemoveOp(i);
}

}  // namespace

int FuseMomentum(Graph& g) {
  int merged = 0;
  for (int i = 0; i < g.num_ops();) {
    if (g.removed(i) || !Mergeable(g.view(i))) {
      ++i;
      continue;
    }
    int end = i + 1;
    while (end < g.num_ops() && !g.removed(end) && Mergeable(g.view(end)) &&
           SharedAttrsMatch(g.view(i), g.view(end)))
      ++end;
    if (end - i > 1) {
      Merge(g, i, end);
      ++merged;
    }
    i = end;
  }
  return merged;
}

}  // namespace pd
