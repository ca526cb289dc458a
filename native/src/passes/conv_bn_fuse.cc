// conv2d [with Bias] → batch_norm with running statistics becomes one conv2d. batch_norm computes
// y = x·a + b per channel (a = scale/√(var+ε), b = bias − mean·a), so the conv's filter rows are
// scaled by a and its bias becomes bias·a + b. The folded values go into new weights: the
// originals may be read by other ops.
#include <cmath>
#include <vector>

#include "passes/fusions.h"

namespace pd {
namespace {

// Running statistics are used exactly when the kernel (kernels/norm.cc) would use them.
bool UsesGlobalStats(const OpView& bn) {
  return (bn.GetBool("is_test", false) && !bn.GetBool("trainable_statistics", false)) ||
         bn.GetBool("use_global_stats", false);
}

bool SameLayout(const OpView& conv, const OpView& bn) {
  const std::string layout = bn.GetString("data_layout", "NCHW");
  const int bn_axis = layout == "NHWC" ? 3 : (layout == "NCHW" || layout == "AnyLayout") ? 1 : -1;
  return bn_axis == ConvChannelAxis(conv);
}

// The batch_norm parameter in slot, when it is a persistable [c]-sized tensor.
const float* Param(const Graph& g, const OpView& bn, const char* slot, int64_t c) {
  const Tensor* t = g.Weight(bn.Input(slot));
  return t != nullptr && t->numel() == c ? t->data<float>() : nullptr;
}

}  // namespace

int FuseConvBatchNorm(Graph& g) {
  int fused = 0;
  for (int i = 0; i < g.num_ops(); ++i) {
    if (g.removed(i) || !IsPlainConv(g, i)) continue;
    const OpView conv = g.view(i);
    const std::string filter_name = conv.Input("Filter");
    const Tensor* filter = g.Weight(filter_name);
    const std::string out = conv.Output("Output");
    if (filter == nullptr || filter->rank() != 4 || g.Writers(out) != 1) continue;
    const int64_t c = filter->dim(0);
    const Tensor* conv_bias = nullptr;
    if (!conv.Input("Bias").empty()) {
      conv_bias = g.Weight(conv.Input("Bias"));
      if (conv_bias == nullptr || conv_bias->numel() != c) continue;
    }
    const int j = g.SoleReader(out);
    if (j < 0) continue;
    const OpView bn = g.view(j);
    if (bn.type() != "batch_norm" || bn.Input("X") != out || ReadsOutside(bn, "X", out) ||
        !UsesGlobalStats(bn) || bn.GetBool("fuse_with_relu", false) || !SameLayout(conv, bn) ||
        !OtherOutputsUnused(g, j, "Y"))
      continue;
    const float* scale = Param(g, bn, "Scale", c);
    const float* shift = Param(g, bn, "Bias", c);
    const float* mean = Param(g, bn, "Mean", c);
    const float* var = Param(g, bn, "Variance", c);
    const std::string y = bn.Output("Y");
    if (!scale || !shift || !mean || !var || g.Writers(y) != 1) continue;

    // Folded in double: the only rounding left is the final one to float.
    const double eps = bn.GetFloat("epsilon", 1e-5f);
    Tensor new_filter, new_bias;
    new_filter.Resize(filter->dims());
    new_bias.Resize({c});
    float* wf = new_filter.mutable_data<float>();
    float* bf = new_bias.mutable_data<float>();
    const float* w = filter->data<float>();
    const int64_t row = filter->numel() / c;
    for (int64_t o = 0; o < c; ++o) {
      const double a = scale[o] / std::sqrt(static_cast<double>(var[o]) + eps);
      const double b0 = conv_bias ? conv_bias->data<float>()[o] : 0.0;
      bf[o] = static_cast<float>((b0 - mean[o]) * a + shift[o]);
      for (int64_t k = 0; k < row; ++k) wf[o * row + k] = static_cast<float>(w[o * row + k] * a);
    }
    const std::string f_name = g.AddWeight(filter_name + "@bn_folded", new_filter);
    const std::string b_name = g.AddWeight(filter_name + "@bn_folded_bias", new_bias);
    proto::OpDesc* op = g.mutable_op(i);
    SetInput(op, "Filter", f_name);
    SetInput(op, "Bias", b_name);
    SetOutput(op, "Output", y);
    g.RemoveOp(j);
    ++fused;
  }
  return fused;
}

}  // namespace pd
