// reshape2 [N, C, H, W] → [N, g, C/g, H, W], transpose2 [0, 2, 1, 3, 4], reshape2 back to
// [N, C, H, W] (how ShuffleNet writes its channel shuffle) becomes one shuffle_channel op with
// group g (Paddle's shuffle_channel_detect_pass). The op moves the data once instead of through a
// transpose, and runs in the channels-last layout the convolutions around it leave, where the
// 5-D transpose would need plain data (kernels/shuffle_channel.cc).
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

// The one op reading op i's slot output, when op i's other outputs (XShape) go unread.
int NextOp(const Graph& g, int i, const std::string& slot) {
  const std::string out = g.view(i).Output(slot);
  if (out.empty() || g.Writers(out) != 1 || !OtherOutputsUnused(g, i, slot)) return -1;
  return g.SoleReader(out);
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
    const int t = NextOp(g, i, "Out");
    if (t < 0) continue;
    const OpView transpose = g.view(t);
    if (transpose.type() != "transpose2" || transpose.GetInts("axis", {}) != Dims{0, 2, 1, 3, 4})
      continue;
    const int j = NextOp(g, t, "Out");
    if (j < 0 || !ReshapesTo(g.view(j), {-1, x[1], x[2], x[3]}) ||
        !OtherOutputsUnused(g, j, "Out"))
      continue;
    proto::OpDesc op;
    op.set_type("shuffle_channel");
    SetInput(&op, "X", split.Input("X"));
    SetOutput(&op, "Out", g.view(j).Output("Out"));
    SetAttr(&op, "group", static_cast<int>(groups));
    *g.mutable_op(j) = op;
    g.RemoveOp(i);
    g.RemoveOp(t);
    ++fused;
  }
  return fused;
}

}  // namespace pd
