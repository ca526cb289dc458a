// mul(X, W) → elementwise_add(bias) [→ relu] becomes one fc op (kernels/math.cc): the bias and
// the activation are applied to the GEMM's output rows while they are in cache.
#include "passes/fusions.h"

namespace pd {
namespace {

// The bias of add for a mul output of rank k+1 with n columns, or "" when add is not a bias add.
std::string BiasOf(const Graph& g, const OpView& add, const std::string& in, int64_t k,
                   int64_t n) {
  if (add.type() != "elementwise_add" || add.Input("X") != in || ReadsOutside(add, "X", in))
    return "";
  const std::string name = add.Input("Y");
  const Tensor* bias = g.Weight(name);
  const int64_t axis = add.GetInt("axis", -1);
  const bool ok = bias != nullptr && bias->rank() == 1 && bias->numel() == n &&
                  (axis == -1 || axis == k);
  return ok ? name : "";
}

// The relu reading var alone, when it can be folded into the fc; -1 otherwise.
int FusableRelu(const Graph& g, const std::string& var) {
  const int r = g.SoleReader(var);
  if (r < 0) return -1;
  const OpView relu = g.view(r);
  const bool ok = relu.type() == "relu" && relu.Input("X") == var &&
                  !ReadsOutside(relu, "X", var) && g.Writers(relu.Output("Out")) == 1;
  return ok ? r : -1;
}

}  // namespace

int FuseFc(Graph& g) {
  int fused = 0;
  for (int i = 0; i < g.num_ops(); ++i) {
    if (g.removed(i)) continue;
    const OpView mul = g.view(i);
    if (mul.type() != "mul") continue;
    const Tensor* w = g.Weight(mul.Input("Y"));
    const int64_t k = mul.GetInt("x_num_col_dims", 1);
    const std::string out = mul.Output("Out");
    if (w == nullptr || w->rank() != 2 || mul.GetInt("y_num_col_dims", 1) != 1 || k < 1 ||
        g.Writers(out) != 1)
      continue;
    const int j = g.SoleReader(out);
    if (j < 0) continue;
    const OpView add = g.view(j);
    const std::string bias = BiasOf(g, add, out, k, w->dim(1));
    std::string y = add.Output("Out");
    if (bias.empty() || g.Writers(y) != 1) continue;
    const int r = FusableRelu(g, y);
    if (r >= 0) y = g.view(r).Output("Out");

    proto::OpDesc fc;
    fc.set_type("fc");
    SetInput(&fc, "Input", mul.Input("X"));
    SetInput(&fc, "W", mul.Input("Y"));
    SetInput(&fc, "Bias", bias);
    SetOutput(&fc, "Out", y);
    SetAttr(&fc, "in_num_col_dims", static_cast<int>(k));
    SetAttr(&fc, "activation_type", std::string(r >= 0 ? "relu" : ""));
    *g.mutable_op(i) = fc;
    g.RemoveOp(j);
    if (r >= 0) g.RemoveOp(r);
    ++fused;
  }
  return fused;
}

}  // namespace pd
