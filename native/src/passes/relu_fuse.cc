// In a training program, relu after batch_norm or after elementwise_add becomes part of that op:
// batch_norm with fuse_with_relu and elementwise_add with fuse_activation "relu" (the attributes
// Paddle's oneDNN kernels read). The fused kernel writes max(v, 0) straight away, where relu read
// v back and wrote it again, and v is never stored. The backward part needs no change: relu_grad
// reads relu's Out, which the fused op now writes, and neither batch_norm_grad nor
// elementwise_add_grad reads its forward op's output.
#include "passes/fusions.h"

namespace pd {
namespace {

// The output slot of a producer relu may fuse into, and whether the op has an activation fused
// already; nullptr for other ops.
const char* FusableOutput(const OpView& op) {
  if (op.type() == "batch_norm")
    return op.GetBool("fuse_with_relu", false) ? nullptr : "Y";
  if (op.type() == "elementwise_add")
    return op.GetString("fuse_activation", "").empty() ? "Out" : nullptr;
  return nullptr;
}

}  // namespace

int FuseTrainingRelu(Graph& g) {
  int fused = 0;
  for (int i = 0; i < g.num_ops(); ++i) {
    if (g.removed(i)) continue;
    const OpView op = g.view(i);
    const char* slot = FusableOutput(op);
    if (slot == nullptr) continue;
    const std::string v = op.Output(slot);
    if (v.empty() || g.Writers(v) != 1) continue;
    const int j = g.SoleReader(v);  // -1 also when v is fetched
    if (j <= i || g.view(j).type() != "relu") continue;
    const std::string out = g.view(j).Output("Out");
    if (out.empty() || out == v || g.Writers(out) != 1) continue;
    SetOutput(g.mutable_op(i), slot, out);
    if (op.type() == "batch_norm") {
      SetAttr(g.mutable_op(i), "fuse_with_relu", 1);
    } else {
      SetAttr(g.mutable_op(i), "fuse_activation", std::string("relu"));
    }
    g.RemoveOp(j);
    ++fused;
  }
  return fused;
}

}  // namespace pd
