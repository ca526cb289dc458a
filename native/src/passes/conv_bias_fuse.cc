// conv2d → elementwise_add(Y = persistable [C_out], broadcast on the channel axis) becomes conv2d
// with that Y as its Bias: older Fluid models add conv biases this way, and the folded form lets
// batch_norm folding and activation fusion see the conv directly.
#include "passes/fusions.h"

namespace pd {

int FuseConvBias(Graph& g) {
  int fused = 0;
  for (int i = 0; i < g.num_ops(); ++i) {
    if (g.removed(i) || !IsPlainConv(g, i)) continue;
    const OpView conv = g.view(i);
    const Tensor* filter = g.Weight(conv.Input("Filter"));
    const std::string out = conv.Output("Output");
    if (!conv.Input("Bias").empty() || filter == nullptr ||
        filter->rank() != 4 || g.Writers(out) != 1)
      continue;
    const int j = g.SoleReader(out);
    if (j < 0) continue;
    const OpView add = g.view(j);
    if (add.type() != "elementwise_add" || add.Input("X") != out || ReadsOutside(add, "X", out))
      continue;
    const std::string bias_name = add.Input("Y");
    const Tensor* bias = g.Weight(bias_name);
    const int64_t axis = add.GetInt("axis", -1);
    const int channel = ConvChannelAxis(conv);
    // [C] aligns with the channels when axis names them; -1 means the last axis.
    const bool on_channels = axis == channel || (axis == -1 && channel == 3);
    const std::string y = add.Output("Out");
    if (bias == nullptr || bias->rank() != 1 || bias->numel() != filter->dim(0) || !on_channels ||
        g.Writers(y) != 1)
      continue;
    proto::OpDesc* op = g.mutable_op(i);
    SetInput(op, "Bias", bias_name);
    SetOutput(op, "Output", y);
    g.RemoveOp(j);
    ++fused;
  }
  return fused;
}

}  // namespace pd
