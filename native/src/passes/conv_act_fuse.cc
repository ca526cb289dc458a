// conv2d → activation becomes conv2d with fuse_activation, fuse_alpha and fuse_beta, which the
// conv kernel turns into a oneDNN post-op: the activation runs on the conv's output while it is
// still in cache, and one pass over memory is saved.
#include <optional>

#include "passes/fusions.h"

namespace pd {
namespace {

struct FusedAct {
  std::string name;
  float alpha = 0.0f, beta = 0.0f;
};

// The post-op for an activation op, with the meaning of alpha and beta that kernels/conv.cc
// gives them; nothing for activations (or attribute values) oneDNN cannot express.
std::optional<FusedAct> AsPostOp(const OpView& act) {
  const std::string& t = act.type();
  if (t == "relu" || t == "sigmoid" || t == "tanh") return FusedAct{t};
  if (t == "relu6") return FusedAct{t, 0.0f, act.GetFloat("threshold", 6.0f)};
  if (t == "leaky_relu") return FusedAct{t, act.GetFloat("alpha", 0.02f)};
  if (t == "swish") return FusedAct{t, act.GetFloat("beta", 1.0f)};
  if (t == "hard_swish") {
    // Paddle: x * min(max(x + offset, 0), threshold) / scale. oneDNN: x * clamp(alpha * x + beta,
    // 0, 1), the same function when threshold == scale.
    const float threshold = act.GetFloat("threshold", 6.0f), scale = act.GetFloat("scale", 6.0f);
    if (threshold != scale || scale <= 0.0f) return std::nullopt;
    return FusedAct{t, 1.0f / scale, act.GetFloat("offset", 3.0f) / scale};
  }
  return std::nullopt;
}

}  // namespace

int FuseConvActivation(Graph& g) {
  int fused = 0;
  for (int i = 0; i < g.num_ops(); ++i) {
    // After a residual sum the activation applies to the sum, as the add → act it replaces did.
    if (g.removed(i) || !IsPlainConv(g, i, /*residual_ok=*/true)) continue;
    const std::string out = g.view(i).Output("Output");
    if (g.Writers(out) != 1) continue;
    const int j = g.SoleReader(out);
    if (j < 0) continue;
    const OpView act = g.view(j);
    const std::string y = act.Output("Out");
    if (act.Input("X") != out || ReadsOutside(act, "X", out) || g.Writers(y) != 1) continue;
    const std::optional<FusedAct> post = AsPostOp(act);
    if (!post) continue;
    proto::OpDesc* op = g.mutable_op(i);
    SetAttr(op, "fuse_activation", post->name);
    SetAttr(op, "fuse_alpha", post->alpha);
    SetAttr(op, "fuse_beta", post->beta);
    SetOutput(op, "Output", y);
    g.RemoveOp(j);
    ++fused;
  }
  return fused;
}

}  // namespace pd
