// A training program ends with one optimizer op per parameter (161 for ResNet-50). Run one by
// one on a GPU, each is a launch and a pass of host work for a few microseconds of device time;
// Paddle's merged_momentum and merged_adam update many parameters in one op, as its
// fuse_optimizer_ops passes use them. Only consecutive ops that share no state merge, so no op
// sees a parameter or an accumulator in the middle of its update; the per-element arithmetic
// is the single op's, so the step is the same bit for bit.
#include <set>
#include <string>
#include <vector>

#include "passes/fusions.h"

namespace pd {
namespace {

// How one optimizer op type merges: the slots that become lists (one argument per parameter),
// which ops can join, which must agree to share an op, and the merged op's attributes.
struct MergeRule {
  const char* type;
  const char* merged;
  std::vector<const char*> ins, outs;
  bool (*mergeable)(const OpView&);
  bool (*agree)(const OpView&, const OpView&);
  void (*attrs)(const std::vector<OpView>&, proto::OpDesc*);
};

bool OneArgEach(const OpView& op, const MergeRule& rule) {
  for (const char* slot : rule.ins)
    if (op.Inputs(slot).size() != 1) return false;
  for (const char* slot : rule.outs)
    if (op.Outputs(slot).size() != 1) return false;
  return op.Input("MasterParam").empty() && !op.GetBool("multi_precision", false);
}

// momentum's CPU kernel ignores rescale_grad (as Paddle's does) while merged_momentum applies
// it: only ops with none or 1 merge.
bool MomentumMergeable(const OpView& op) { return op.GetFloat("rescale_grad", 1.0f) == 1.0f; }

bool MomentumAgree(const OpView& a, const OpView& b) {
  return a.GetFloat("mu", 0.0f) == b.GetFloat("mu", 0.0f) &&
         a.GetBool("use_nesterov", false) == b.GetBool("use_nesterov", false);
}

void MomentumAttrs(const std::vector<OpView>& ops, proto::OpDesc* merged) {
  std::vector<std::string> methods;
  std::vector<float> coeffs;
  for (const OpView& op : ops) {
    methods.push_back(op.GetString("regularization_method", ""));
    coeffs.push_back(op.GetFloat("regularization_coeff", 0.0f));
  }
  SetAttr(merged, "mu", ops[0].GetFloat("mu", 0.0f));
  SetAttr(merged, "use_nesterov", ops[0].GetBool("use_nesterov", false) ? 1 : 0);
  SetAttr(merged, "rescale_grad", 1.0f);
  SetAttr(merged, "regularization_method", methods);
  SetAttr(merged, "regularization_coeff", coeffs);
}

// merged_adam takes beta1, beta2 and epsilon as attributes alone, and skips nothing.
bool AdamMergeable(const OpView& op) {
  for (const char* slot : {"Beta1Tensor", "Beta2Tensor", "EpsilonTensor", "SkipUpdate"})
    if (!op.Input(slot).empty()) return false;
  return !op.GetBool("lazy_mode", false) && !op.GetBool("amsgrad", false) &&
         !op.GetBool("use_global_beta_pow", false);
}

bool AdamAgree(const OpView& a, const OpView& b) {
  return a.GetFloat("beta1", 0.9f) == b.GetFloat("beta1", 0.9f) &&
         a.GetFloat("beta2", 0.999f) == b.GetFloat("beta2", 0.999f) &&
         a.GetFloat("epsilon", 1e-8f) == b.GetFloat("epsilon", 1e-8f);
}

void AdamAttrs(const std::vector<OpView>& ops, proto::OpDesc* merged) {
  SetAttr(merged, "beta1", ops[0].GetFloat("beta1", 0.9f));
  SetAttr(merged, "beta2", ops[0].GetFloat("beta2", 0.999f));
  SetAttr(merged, "epsilon", ops[0].GetFloat("epsilon", 1e-8f));
}

const std::vector<MergeRule>& Rules() {
  static const std::vector<MergeRule> rules = {
      {"momentum", "merged_momentum", {"Param", "Grad", "Velocity", "LearningRate"},
       {"ParamOut", "VelocityOut"}, MomentumMergeable, MomentumAgree, MomentumAttrs},
      {"adam", "merged_adam",
       {"Param", "Grad", "LearningRate", "Moment1", "Moment2", "Beta1Pow", "Beta2Pow"},
       {"ParamOut", "Moment1Out", "Moment2Out", "Beta1PowOut", "Beta2PowOut"}, AdamMergeable,
       AdamAgree, AdamAttrs},
  };
  return rules;
}

const MergeRule* RuleFor(const OpView& op) {
  for (const MergeRule& r : Rules())
    if (op.type() == r.type) return OneArgEach(op, r) && r.mergeable(op) ? &r : nullptr;
  return nullptr;
}

// Merges ops [first, end) into op first.
void Merge(Graph& g, const MergeRule& rule, int first, int end) {
  std::vector<OpView> ops;
  for (int i = first; i < end; ++i) ops.push_back(g.view(i));
  proto::OpDesc merged;
  merged.set_type(rule.merged);
  for (const char* slot : rule.ins) {
    std::vector<std::string> names;
    for (const OpView& op : ops) names.push_back(op.Input(slot));
    SetInputs(&merged, slot, names);
  }
  for (const char* slot : rule.outs) {
    std::vector<std::string> names;
    for (const OpView& op : ops) names.push_back(op.Output(slot));
    SetOutputs(&merged, slot, names);
  }
  rule.attrs(ops, &merged);
  *g.mutable_op(first) = merged;
  for (int i = first + 1; i < end; ++i) g.RemoveOp(i);
}

// Whether op touches a variable that the ops in written wrote: two updates sharing state (one
// accumulator for two parameters) must run one after the other, which a merged op does not.
bool ReadsOrWritesAny(const OpView& op, const std::set<std::string>& written) {
  for (const auto& slots : {op.AllInputs(), op.AllOutputs()})
    for (const auto& [slot, names] : slots)
      for (const std::string& name : names)
        if (written.count(name)) return true;
  return false;
}

void AddOutputs(const OpView& op, std::set<std::string>* written) {
  for (const auto& [slot, names] : op.AllOutputs()) written->insert(names.begin(), names.end());
}

}  // namespace

int FuseOptimizers(Graph& g) {
  int merged = 0;
  for (int i = 0; i < g.num_ops();) {
    const MergeRule* rule = g.removed(i) ? nullptr : RuleFor(g.view(i));
    if (rule == nullptr) {
      ++i;
      continue;
    }
    std::set<std::string> written;
    AddOutputs(g.view(i), &written);
    int end = i + 1;
    while (end < g.num_ops() && !g.removed(end) && RuleFor(g.view(end)) == rule &&
           rule->agree(g.view(i), g.view(end)) && !ReadsOrWritesAny(g.view(end), written)) {
      AddOutputs(g.view(end), &written);
      ++end;
    }
    if (end - i > 1) {
      Merge(g, *rule, i, end);
      ++merged;
    }
    i = end;
  }
  return merged;
}

}  // namespace pd
