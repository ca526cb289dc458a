#include "passes/fusions.h"

namespace pd {

bool IsPlainConv(const Graph& g, int i, bool residual_ok) {
  const OpView conv = g.view(i);
  if (conv.type() != "conv2d" && conv.type() != "depthwise_conv2d") return false;
  for (const auto& [slot, args] : conv.AllInputs())
    if (!args.empty() && slot != "Input" && slot != "Filter" && slot != "Bias" &&
        !(residual_ok && slot == "ResidualData"))
      return false;
  return conv.GetString("fuse_activation", "").empty() && conv.Outputs("Output").size() == 1 &&
         ConvChannelAxis(conv) > 0;
}

int ConvChannelAxis(const OpView& conv) {
  const std::string f = conv.GetString("data_format", "NCHW");
  if (f == "NCHW" || f == "AnyLayout") return 1;
  return f == "NHWC" ? 3 : -1;
}

}  // namespace pd
