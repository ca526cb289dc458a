// reshape2 [N, C, H, W] → [N, g, C/g, H, W], transpose2 [0, 2, 1, 3, 4], reshape2 back to
// [N, C, H, W] (how ShuffleNet writes its channel shuffle) becomes one shuffle_channel op with
// group g (Paddle's shuffle_channel_detect_pass). The op moves the data once instead of through a
// transpose, and runs in the channels-last layout the convolutions around it leave, where the
// 5-D transpose would need plain data (kernels/shuffle_channel.cc). In a training program the
// chain's gradient (reshape2_grad → transpose2_grad → reshape2_grad, reading the forward ops'
// XShape outputs) becomes one shuffle_channel_grad in the same step.
#include "passes/fusions.h"

namespace pd {
namespace {

// A reshape2 whose target shape is its only input (no Shape or ShapeTensor) and is `want`, where
// the batch entry may be -1 or 0 (copy).
bool ReshapesTo(const OpView& op, const Dims& want) {
  if (op.type() != "reshape2" || !op.Inputs("Shape").empty() ||
      !op.Inputs("ShapeTensor").empty())
    return false;
  const Dims shape = op.GetInts("shape", {});
  if (shape.size() != want.size()) return false;
  for (size_t k = 0; k < shape.size(); ++k) {
    const bool batch_ok = k == 0 && (shape[0] == -1 || shape[0] == 0);
    if (shape[k] != want[k] && !batch_ok) return false;
  }
  return true;
}

// The one op reading op i's Out, which only op i writes (XShape's readers: GradOf).
int NextOp(const Graph& g, int i) {
  const std::string out = g.view(i).Output("Out");
  if (out.empty() || g.Writers(out) != 1) return -1;
  return g.SoleReader(out);
}

// The grad op reading op i's XShape (of type grad_type, with Out@GRAD written only for it), or
// -1 when none reads it; -2 when anything else does.
int GradOf(const Graph& g, int i, const std::string& grad_type) {
  const std::string xshape = g.view(i).Output("XShape");
  if (xshape.empty() || g.Readers(xshape) == 0) return -1;
  const int r = g.SoleReader(xshape);
  if (r < 0 || g.view(r).type() != grad_type) return -2;
  return r;
}

// The gradient X@GRAD of `from` flows only into grad op `to`'s Out@GRAD.
bool FlowsInto(const Graph& g, int from, int to) {
  const std::string d = g.view(from).Output("X@GRAD");
  return !d.empty() && g.view(to).Input("Out@GRAD") == d && g.Writers(d) == 1 &&
         g.SoleReader(d) == to;
}

proto::OpDesc ShuffleOp(const std::string& type, const std::string& in_slot,
                        const std::string& in, const std::string& out_slot,
                        const std::string& out, int64_t groups) {
  proto::OpDesc op;
  op.set_type(type);
  SetInput(&op, in_slot, in);
  SetOutput(&op, out_slot, out);
  SetAttr(&op, "group", static_cast<int>(groups));
  return op;
}

}  // namespace

int FuseShuffleChannel(Graph& g) {
  int fused = 0;
  for (int i = 0; i < g.num_ops(); ++i) {
    if (g.removed(i) || g.view(i).type() != "reshape2") continue;
    const OpView split = g.view(i);
    // The input's declared channels and extent decide what the reshapes must say; only the
    // batch may be unknown.
    // X is read where the last reshape stood: nothing may write it in between.
    const Dims x = g.DeclaredDims(split.Input("X"));
    if (g.Writers(split.Input("X")) > 1 || x.size() != 4 || x[1] <= 0 || x[2] <= 0 || x[3] <= 0) continue;
    const Dims shape = split.GetInts("shape", {});
    if (shape.size() != 5 || shape[1] <= 0 || shape[1] * shape[2] != x[1]) continue;
    const int64_t groups = shape[1];
    if (!ReshapesTo(split, {-1, groups, x[1] / groups, x[2], x[3]})) continue;
    const int t = NextOp(g, i);
    if (t < 0) continue;
    const OpView transpose = g.view(t);
    if (transpose.type() != "transpose2" || transpose.GetInts("axis", {}) != Dims{0, 2, 1, 3, 4})
      continue;
    const int j = NextOp(g, t);
    if (j < 0 || !ReshapesTo(g.view(j), {-1, x[1], x[2], x[3]})) continue;
    // No gradient (inference), or the whole chain's, each step feeding only the next.
    const int grad_j = GradOf(g, j, "reshape2_grad"), grad_t = GradOf(g, t, "transpose2_grad"),
              grad_i = GradOf(g, i, "reshape2_grad");
    const bool inference = grad_i == -1 && grad_t == -1 && grad_j == -1;
    // The fused gradient reads dOut where the last grad op stood: written once, before.
    const bool training = grad_i >= 0 && grad_t >= 0 && grad_j >= 0 &&
                          FlowsInto(g, grad_j, grad_t) && FlowsInto(g, grad_t, grad_i) &&
                          g.Writers(g.view(grad_j).Input("Out@GRAD")) == 1;
    if (!inference && !training) continue;
    const std::string out = g.view(j).Output("Out");
    *g.mutable_op(j) = ShuffleOp("shuffle_channel", "X", split.Input("X"), "Out", out, groups);
    g.RemoveOp(i);
    g.RemoveOp(t);
    if (training) {
      const std::string dout = g.view(grad_j).Input("Out@GRAD");
      const std::string dx = g.view(grad_i).Output("X@GRAD");
      *g.mutable_op(grad_i) =
          ShuffleOp("shuffle_channel_grad", "Out@GRAD", dout, "X@GRAD", dx, groups);
      g.RemoveOp(grad_j);
      g.RemoveOp(grad_t);
    }
    ++fused;
  }
  return fused;
}

}  // namespace pd
