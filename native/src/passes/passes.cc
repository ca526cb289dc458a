#include "passes/passes.h"

#include <algorithm>

#include "passes/fusions.h"

namespace pd {
namespace {

struct PassEntry {
  const char* name;
  int (*apply)(Graph&);
};

// Order matters: a conv's bias add is folded first so that batch_norm folding sees the conv,
// and batch_norm before the residual add and the activation that usually follow it.
constexpr PassEntry kPasses[] = {
    {"conv_elementwise_add_fuse_pass", FuseConvBias},
    {"conv_bn_fuse_pass", FuseConvBatchNorm},
    {"conv_elementwise_add_mkldnn_fuse_pass", FuseConvResidual},
    {"conv_activation_mkldnn_fuse_pass", FuseConvActivation},
    {"conv_residual_in_place_pass", MarkConvResidualInPlace},
    {"fc_fuse_pass", FuseFc},
    {"embedding_fc_fuse_pass", FuseEmbeddingFc},
    {"shuffle_channel_detect_pass", FuseShuffleChannel},
    {"concat_shuffle_split_fuse_pass", FuseConcatShuffleSplit},
};

}  // namespace

const std::vector<std::string>& DefaultPassNames() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (const PassEntry& p : kPasses) v.push_back(p.name);
    return v;
  }();
  return names;
}

const std::vector<std::string>& CpuOnlyPassNames() {
  static const std::vector<std::string> names = {"concat_shuffle_split_fuse_pass"};
  return names;
}

const std::vector<std::string>& Bfloat16OpTypes() {
  static const std::vector<std::string> types = {"conv2d", "depthwise_conv2d", "mul",
                                                      "matmul", "matmul_v2"};
  return types;
}

std::shared_ptr<const Program> PlaceBfloat16(const Program& program,
                                             const std::vector<std::string>& only) {
  Graph g(program, nullptr);
  for (int i = 0; i < g.num_ops(); ++i) {
    const std::string type = g.view(i).type();
    const auto listed = [&type](const std::vector<std::string>& v) {
      return std::find(v.begin(), v.end(), type) != v.end();
    };
    if (listed(Bfloat16OpTypes()) && (only.empty() ? type == "conv2d" : listed(only)))
      SetAttr(g.mutable_op(i), "mkldnn_data_type", std::string("bfloat16"));
  }
  return g.ToProgram();
}

std::shared_ptr<const Program> Optimize(const Program& program, Scope* weights,
                                        const std::vector<std::string>& passes) {
  Graph g(program, weights);
  for (const std::string& name : passes) {
    for (const PassEntry& p : kPasses) {
      if (name != p.name) continue;
      p.apply(g);
      g.Compact();
    }
  }
  return g.ToProgram();
}

std::shared_ptr<const Program> OptimizeForTraining(const Program& program, bool on_cpu) {
  Graph g(program, nullptr);
  FuseShuffleChannel(g);
  g.Compact();
  if (on_cpu) {
    FuseConcatShuffleSplit(g);
    g.Compact();
  }
  FuseTrainingRelu(g);
  g.Compact();
  FuseOptimizers(g);
  g.Compact();
  return g.ToProgram();
}

}  // namespace pd
