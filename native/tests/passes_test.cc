// Graph passes (native/src/passes/): each fusion on a small program built here with seeded
// weights, run with the passes off and on — the outputs must agree and the optimised program
// must really hold the fused op — plus the cases that must stay unfused, and the real models
// of $GOHUB_SHARED with ir_optim on against off.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <iostream>
#include <map>

#include "framework/backward.h"
#include "framework/executor.h"
#include "framework/predictor.h"
#include "model_files.h"
#include "passes/passes.h"
#include "test_util.h"

namespace pd::test {
namespace {

// |got − want| ≤ 1e-4·|want|, with 1e-5 as the floor near zero.
void ExpectClose(const std::vector<float>& got, const std::vector<float>& want,
                 const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  int bad = 0;
  for (size_t i = 0; i < got.size() && bad < 5; ++i) {
    const float tol = std::max(1e-4f * std::abs(want[i]), 1e-5f);
    if (!(std::abs(got[i] - want[i]) <= tol)) {
      ADD_FAILURE() << what << "[" << i << "]: " << got[i] << " vs " << want[i];
      ++bad;
    }
  }
}

// A program with a feed of "x", the ops added, and a fetch of each output; weights are
// persistable variables with seeded values.
class Net {
 public:
  Net() : weights_(std::make_shared<Scope>()) {
    auto* b = desc_.add_blocks();
    b->set_idx(0);
    b->set_parent_idx(-1);
    Add(OpBuilder("feed").In("X", {"feed"}).Out("Out", {"x"}).Int("col", 0));
  }

  Net& Add(const OpBuilder& op) {
    *desc_.mutable_blocks(0)->add_ops() = op.desc();
    return *this;
  }
  Net& Weight(const std::string& name, const Dims& dims, float lo = -1.0f, float hi = 1.0f) {
    auto* v = desc_.mutable_blocks(0)->add_vars();
    v->set_name(name);
    v->set_persistable(true);
    v->mutable_type()->set_type(proto::VarType::LOD_TENSOR);
    SetTensor(weights_.get(), name, dims, RandomFloats(Numel(dims), ++seed_, lo, hi));
    return *this;
  }
  // Declares a non-persistable variable's dims (-1: unknown), as a saved program does.
  Net& Declare(const std::string& name, const Dims& dims) {
    auto* v = desc_.mutable_blocks(0)->add_vars();
    v->set_name(name);
    v->mutable_type()->set_type(proto::VarType::LOD_TENSOR);
    for (int64_t d : dims) v->mutable_type()->mutable_lod_tensor()->mutable_tensor()->add_dims(d);
    return *this;
  }
  Net& Fetch(const std::string& name) {
    return Add(OpBuilder("fetch").In("X", {name}).Out("Out", {"fetch"}).Int("col", fetches_++));
  }

  std::shared_ptr<const Program> program() const {
    return Program::FromDesc(desc_, "test program");
  }
  const std::shared_ptr<Scope>& weights() const { return weights_; }

 private:
  proto::ProgramDesc desc_;
  std::shared_ptr<Scope> weights_;
  uint32_t seed_ = 0;
  int fetches_ = 0;
};

std::map<std::string, int> OpCounts(const Program& p) {
  std::map<std::string, int> n;
  for (const OpView& op : p.ops()) ++n[op.type()];
  return n;
}

// The fetched outputs of program for input x.
std::vector<std::vector<float>> Run(std::shared_ptr<const Program> program,
                                    std::shared_ptr<const Scope> weights, const Dims& dims,
                                    const std::vector<float>& x, int threads = 1) {
  Scope scope(weights);
  ExecConfig config;
  config.num_threads = threads;
  Executor exec(std::move(program), &scope, config);
  SetTensor(&scope, "x", dims, x);
  exec.Run();
  std::vector<std::vector<float>> out;
  for (const std::string& name : exec.fetch_names()) out.push_back(GetTensor<float>(scope, name));
  return out;
}

// Runs net with the passes off and on, expects equal outputs, returns the optimised op counts.
std::map<std::string, int> CheckFusion(const Net& net, const Dims& dims, int threads = 1) {
  const std::vector<float> x = RandomFloats(Numel(dims), 99, -2.0f, 2.0f);
  const auto plain = net.program();
  const auto want = Run(plain, net.weights(), dims, x);
  const auto optimised = Optimize(*plain, net.weights().get(), DefaultPassNames());
  const auto got = Run(optimised, net.weights(), dims, x, threads);
  EXPECT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size() && i < want.size(); ++i)
    ExpectClose(got[i], want[i], "output " + std::to_string(i));
  return OpCounts(*optimised);
}

OpBuilder Conv(const std::string& in, const std::string& filter, const std::string& out,
               int groups = 1) {
  return OpBuilder(groups == 1 ? "conv2d" : "depthwise_conv2d")
      .In("Input", {in})
      .In("Filter", {filter})
      .Out("Output", {out})
      .Ints("strides", {1, 1})
      .Ints("paddings", {1, 1})
      .Ints("dilations", {1, 1})
      .Int("groups", groups);
}

// batch_norm over x with running statistics named after prefix (added to net).
OpBuilder BatchNorm(Net& net, const std::string& prefix, int64_t c, const std::string& x,
                    const std::string& y, bool is_test = true) {
  net.Weight(prefix + "_scale", {c}, 0.5f, 1.5f)
      .Weight(prefix + "_offset", {c})
      .Weight(prefix + "_mean", {c})
      .Weight(prefix + "_var", {c}, 0.2f, 2.0f);
  return OpBuilder("batch_norm")
      .In("X", {x})
      .In("Scale", {prefix + "_scale"})
      .In("Bias", {prefix + "_offset"})
      .In("Mean", {prefix + "_mean"})
      .In("Variance", {prefix + "_var"})
      .Out("Y", {y})
      .Out("MeanOut", {prefix + "_mean"})
      .Out("VarianceOut", {prefix + "_var"})
      .Out("SavedMean", {prefix + "_saved_mean"})
      .Out("SavedVariance", {prefix + "_saved_var"})
      .Float("epsilon", 1e-5f)
      .Bool("is_test", is_test);
}

TEST(PassConvBn, ConvBatchNormReluBecomesOneConv) {
  Net net;
  net.Weight("w", {8, 4, 3, 3});
  net.Add(Conv("x", "w", "c")).Add(BatchNorm(net, "bn", 8, "c", "b")).Add(
      OpBuilder("relu").In("X", {"b"}).Out("Out", {"y"}));
  net.Fetch("y");
  const Tensor& w = Get(*net.weights(), "w");
  const std::vector<float> before(w.data<float>(), w.data<float>() + w.numel());
  auto n = CheckFusion(net, {2, 4, 7, 6});
  EXPECT_EQ(n["conv2d"], 1);
  EXPECT_EQ(n["batch_norm"] + n["relu"], 0);
  // Folding wrote new weights; the shared originals are untouched.
  EXPECT_EQ(std::vector<float>(w.data<float>(), w.data<float>() + w.numel()), before);
}

TEST(PassConvBn, DepthwiseConvWithBiasAddAndEveryActivation) {
  const std::vector<OpBuilder> acts = {
      OpBuilder("relu6").Float("threshold", 6.0f),
      OpBuilder("leaky_relu").Float("alpha", 0.1f),
      OpBuilder("hard_swish"),
      OpBuilder("swish").Float("beta", 1.5f),
      OpBuilder("sigmoid"),
      OpBuilder("tanh"),
  };
  for (OpBuilder act : acts) {
    SCOPED_TRACE(act.desc().type());
    Net net;
    net.Weight("w", {6, 1, 3, 3}, -2.0f, 2.0f).Weight("b", {6});
    net.Add(Conv("x", "w", "c", 6))
        .Add(OpBuilder("elementwise_add").In("X", {"c"}).In("Y", {"b"}).Out("Out", {"a"}).Int(
            "axis", 1))
        .Add(BatchNorm(net, "bn", 6, "a", "n"))
        .Add(act.In("X", {"n"}).Out("Out", {"y"}));
    net.Fetch("y");
    auto n = CheckFusion(net, {1, 6, 9, 9});
    EXPECT_EQ(n["depthwise_conv2d"], 1);
    EXPECT_EQ(n.size(), 3u) << "feed, the conv and fetch only";
  }
}

TEST(PassConvBn, SharedOrFetchedIntermediatesStayUnfused) {
  {  // the conv output is also read by another op
    Net net;
    net.Weight("w", {4, 3, 3, 3});
    net.Add(Conv("x", "w", "c")).Add(BatchNorm(net, "bn", 4, "c", "y"));
    net.Add(OpBuilder("relu").In("X", {"c"}).Out("Out", {"r"}));
    net.Fetch("y").Fetch("r");
    auto n = CheckFusion(net, {1, 3, 5, 5});
    EXPECT_EQ(n["batch_norm"], 1);
    EXPECT_EQ(n["relu"], 1);
  }
  {  // the conv output and the batch_norm output are fetch targets
    Net net;
    net.Weight("w", {4, 3, 3, 3});
    net.Add(Conv("x", "w", "c")).Add(BatchNorm(net, "bn", 4, "c", "b"));
    net.Add(OpBuilder("relu").In("X", {"b"}).Out("Out", {"y"}));
    net.Fetch("c").Fetch("b").Fetch("y");
    auto n = CheckFusion(net, {1, 3, 5, 5});
    EXPECT_EQ(n["batch_norm"], 1);
    EXPECT_EQ(n["relu"], 1);
  }
}

TEST(PassConvBn, TrainingBatchNormAndUnsupportedActivationsStay) {
  Net net;
  net.Weight("w", {4, 3, 3, 3});
  net.Add(Conv("x", "w", "c")).Add(BatchNorm(net, "bn", 4, "c", "b", /*is_test=*/false));
  // hard_swish whose threshold differs from its scale: no oneDNN post-op computes it.
  net.Add(OpBuilder("hard_swish").In("X", {"b"}).Out("Out", {"y"}).Float("threshold", 5.0f));
  net.Fetch("y");
  auto n = CheckFusion(net, {2, 3, 5, 5});
  EXPECT_EQ(n["batch_norm"], 1);
  EXPECT_EQ(n["hard_swish"], 1);
}

TEST(PassConvAct, HardSwishWithOtherConstantsFusesOnlyWhenThresholdIsScale) {
  for (float threshold : {4.0f, 5.0f}) {
    Net net;
    net.Weight("w", {5, 3, 3, 3});
    net.Add(Conv("x", "w", "c"))
        .Add(OpBuilder("hard_swish")
                 .In("X", {"c"})
                 .Out("Out", {"y"})
                 .Float("offset", 2.0f)
                 .Float("scale", 4.0f)
                 .Float("threshold", threshold));
    net.Fetch("y");
    auto n = CheckFusion(net, {2, 3, 6, 6});
    EXPECT_EQ(n["hard_swish"], threshold == 4.0f ? 0 : 1) << "threshold " << threshold;
  }
}

TEST(PassConvAct, ConvReluWithoutBatchNorm) {
  Net net;
  net.Weight("w", {5, 3, 3, 3});
  net.Add(Conv("x", "w", "c")).Add(OpBuilder("relu").In("X", {"c"}).Out("Out", {"y"}));
  net.Fetch("y");
  auto n = CheckFusion(net, {1, 3, 8, 8});
  EXPECT_EQ(n["conv2d"], 1);
  EXPECT_EQ(n["relu"], 0);
}

// Three ResNet blocks: identity, projection, identity. Each add fuses into its conv as the sum
// post-op and each relu after it too; a residual that dies at its add and that a conv wrote is
// marked in place, so the kernel adopts its buffer as the output (fetching the first block's
// input keeps that one a copy). The program runs twice on one executor, with different inputs,
// because the adopted buffers change hands between runs.
Net ResidualNet(bool fetch_block_input) {
  Net net;
  net.Weight("w0", {8, 3, 3, 3}).Weight("w1", {8, 8, 3, 3}).Weight("w2", {8, 8, 3, 3});
  net.Weight("w3", {16, 8, 3, 3}).Weight("w4", {16, 8, 3, 3}).Weight("w5", {16, 16, 3, 3});
  net.Weight("w6", {16, 16, 3, 3});
  // The add fuses only between operands of one declared shape, as a saved program declares.
  for (const char* v : {"h0", "c2"}) net.Declare(v, {-1, 8, 9, 9});
  for (const char* v : {"p3", "c3", "h2", "c6"}) net.Declare(v, {-1, 16, 9, 9});
  const auto relu = [](const std::string& x, const std::string& y) {
    return OpBuilder("relu").In("X", {x}).Out("Out", {y});
  };
  const auto add = [](const std::string& x, const std::string& y, const std::string& out) {
    return OpBuilder("elementwise_add").In("X", {x}).In("Y", {y}).Out("Out", {out}).Int("axis", -1);
  };
  net.Add(Conv("x", "w0", "c0")).Add(relu("c0", "h0"));
  net.Add(Conv("h0", "w1", "c1")).Add(relu("c1", "a1")).Add(Conv("a1", "w2", "c2"));
  net.Add(add("h0", "c2", "s1")).Add(relu("s1", "h1"));
  net.Add(Conv("h1", "w3", "c3")).Add(Conv("h1", "w4", "p3"));
  net.Add(add("p3", "c3", "s2")).Add(relu("s2", "h2"));
  net.Add(Conv("h2", "w5", "c5")).Add(relu("c5", "a5")).Add(Conv("a5", "w6", "c6"));
  net.Add(add("h2", "c6", "s3")).Add(relu("s3", "y"));
  net.Fetch("y");
  if (fetch_block_input) net.Fetch("h0");
  return net;
}

TEST(PassConvResidual, AddAndReluFuseAndDeadResidualsAreAdoptedOnEveryThreadCount) {
  for (bool fetch_h0 : {false, true}) {
    const Net net = ResidualNet(fetch_h0);
    const auto optimised = Optimize(*net.program(), net.weights().get(), DefaultPassNames());
    auto n = OpCounts(*optimised);
    EXPECT_EQ(n["conv2d"], 7);
    EXPECT_EQ(n["elementwise_add"] + n["relu"], 0);
    int residual = 0, in_place = 0;
    for (const OpView& op : optimised->ops()) {
      if (op.Input("ResidualData").empty()) continue;
      ++residual;
      in_place += op.GetInt("residual_in_place", 0);
    }
    EXPECT_EQ(residual, 3);
    EXPECT_EQ(in_place, fetch_h0 ? 2 : 3) << "fetching h0 " << fetch_h0;
    for (int threads : {1, 2}) {
      Scope scope(net.weights());
      ExecConfig config;
      config.num_threads = threads;
      Executor exec(optimised, &scope, config);
      const Dims dims{2, 3, 9, 9};
      for (uint32_t seed : {5u, 6u}) {
        const auto x = RandomFloats(Numel(dims), seed, -2.0f, 2.0f);
        const auto want = ::pd::test::Run(net.program(), net.weights(), dims, x);
        SetTensor(&scope, "x", dims, x);
        exec.Run();
        ASSERT_EQ(exec.fetch_names().size(), want.size());
        for (size_t i = 0; i < want.size(); ++i)
          ExpectClose(GetTensor<float>(scope, exec.fetch_names()[i]), want[i],
                      "fetch " + std::to_string(i) + ", input " + std::to_string(seed) + ", " +
                          std::to_string(threads) + " threads");
      }
    }
  }
}

TEST(PassFc, MulAddReluBecomesFc) {
  Net net;
  net.Weight("w", {8, 5}).Weight("b", {5});
  net.Add(OpBuilder("mul").In("X", {"x"}).In("Y", {"w"}).Out("Out", {"m"}).Int("x_num_col_dims",
                                                                                 2))
      .Add(OpBuilder("elementwise_add").In("X", {"m"}).In("Y", {"b"}).Out("Out", {"a"}).Int(
          "axis", 2))
      .Add(OpBuilder("relu").In("X", {"a"}).Out("Out", {"y"}));
  net.Fetch("y");
  auto n = CheckFusion(net, {2, 3, 8});
  EXPECT_EQ(n["fc"], 1);
  EXPECT_EQ(n["mul"] + n["elementwise_add"] + n["relu"], 0);
}

TEST(PassFc, MulAddWithoutReluAndWithFetchedAdd) {
  Net net;
  net.Weight("w", {6, 4}).Weight("b", {4});
  net.Add(OpBuilder("mul").In("X", {"x"}).In("Y", {"w"}).Out("Out", {"m"}))
      .Add(OpBuilder("elementwise_add").In("X", {"m"}).In("Y", {"b"}).Out("Out", {"a"}).Int(
          "axis", -1))
      .Add(OpBuilder("relu").In("X", {"a"}).Out("Out", {"y"}));
  // The add's output is fetched, so the relu must stay a separate op.
  net.Fetch("a").Fetch("y");
  auto n = CheckFusion(net, {3, 6});
  EXPECT_EQ(n["fc"], 1);
  EXPECT_EQ(n["relu"], 1);
}

TEST(PassFc, NonPersistableBiasStays) {
  Net net;
  net.Weight("w", {6, 4}).Weight("b", {4});
  net.Add(OpBuilder("mul").In("X", {"x"}).In("Y", {"w"}).Out("Out", {"m"}))
      .Add(OpBuilder("relu").In("X", {"m"}).Out("Out", {"r"}))
      // The bias is an activation here, not a weight.
      .Add(OpBuilder("mul").In("X", {"x"}).In("Y", {"w"}).Out("Out", {"m2"}))
      .Add(OpBuilder("elementwise_add").In("X", {"m2"}).In("Y", {"r"}).Out("Out", {"y"}));
  net.Fetch("y");
  auto n = CheckFusion(net, {3, 6});
  EXPECT_EQ(n["fc"], 0);
  EXPECT_EQ(n["mul"], 2);
}

// An embedding table projected by two fcs (a bidirectional tagger's input projections).
Net EmbeddingNet(bool fetch_embedding) {
  Net net;
  net.Weight("emb", {10, 4}).Weight("w1", {4, 6}).Weight("b1", {6}).Weight("w2", {4, 3});
  net.Declare("e", {-1, 4});
  net.Add(OpBuilder("lookup_table").In("Ids", {"x"}).In("W", {"emb"}).Out("Out", {"e"}).Int(
              "padding_idx", 2))
      .Add(OpBuilder("fc").In("Input", {"e"}).In("W", {"w1"}).In("Bias", {"b1"}).Out("Out", {"y1"})
               .Int("in_num_col_dims", 1))
      .Add(OpBuilder("fc").In("Input", {"e"}).In("W", {"w2"}).Out("Out", {"y2"}).Int(
          "in_num_col_dims", 1));
  net.Fetch("y1").Fetch("y2");
  if (fetch_embedding) net.Fetch("e");
  return net;
}

// Runs the plain and the optimised program on the same executors twice (the fused op caches
// projected rows across runs), over ids with repeats and the padding id.
std::map<std::string, int> CheckEmbeddingFusion(const Net& net) {
  const auto plain = net.program();
  const auto optimised = Optimize(*plain, net.weights().get(), DefaultPassNames());
  Scope plain_scope(net.weights()), opt_scope(net.weights());
  Executor plain_exec(plain, &plain_scope, ExecConfig{});
  Executor opt_exec(optimised, &opt_scope, ExecConfig{});
  for (const std::vector<int64_t>& ids : {std::vector<int64_t>{3, 1, 3, 2, 9, 0, 3},
                                          std::vector<int64_t>{9, 2, 5, 5}}) {
    const Dims dims{static_cast<int64_t>(ids.size()), 1};
    SetTensor(&plain_scope, "x", dims, ids);
    SetTensor(&opt_scope, "x", dims, ids);
    plain_exec.Run();
    opt_exec.Run();
    EXPECT_EQ(plain_exec.fetch_names(), opt_exec.fetch_names());
    for (const std::string& name : plain_exec.fetch_names()) {
      ExpectClose(GetTensor<float>(opt_scope, name), GetTensor<float>(plain_scope, name), name);
    }
  }
  return OpCounts(*optimised);
}

TEST(PassEmbeddingFc, LookupFeedingTwoFcsBecomesTwoFusedOps) {
  auto n = CheckEmbeddingFusion(EmbeddingNet(false));
  EXPECT_EQ(n["fused_embedding_fc"], 2);
  EXPECT_EQ(n["fc"] + n["lookup_table"], 0);
}

TEST(PassEmbeddingFc, FetchedEmbeddingKeepsTheLookup) {
  auto n = CheckEmbeddingFusion(EmbeddingNet(true));
  EXPECT_EQ(n["fused_embedding_fc"], 2);
  EXPECT_EQ(n["lookup_table"], 1);
}

TEST(PassEmbeddingFc, UndeclaredRankOrActivationStays) {
  Net net;
  net.Weight("emb", {10, 4}).Weight("w1", {4, 6});
  net.Add(OpBuilder("lookup_table").In("Ids", {"x"}).In("W", {"emb"}).Out("Out", {"e"}))
      .Add(OpBuilder("fc").In("Input", {"e"}).In("W", {"w1"}).Out("Out", {"y1"}).Int(
          "in_num_col_dims", 1));
  net.Fetch("y1");
  // Without a declared rank for e, in_num_col_dims cannot be checked against it.
  EXPECT_EQ(CheckEmbeddingFusion(net)["fused_embedding_fc"], 0);
  net.Declare("e", {-1, 4});
  net.Add(OpBuilder("fc").In("Input", {"e"}).In("W", {"w1"}).Out("Out", {"y2"})
              .Int("in_num_col_dims", 1).String("activation_type", "relu"));
  net.Fetch("y2");
  auto n = CheckEmbeddingFusion(net);
  EXPECT_EQ(n["fused_embedding_fc"], 1) << "the fc with relu stays an fc";
  EXPECT_EQ(n["fc"], 1);
  EXPECT_EQ(n["lookup_table"], 1);
}

TEST(PassEmbeddingFc, OutOfRangeIdIsAnError) {
  const Net net = EmbeddingNet(false);
  Scope scope(net.weights());
  Executor exec(Optimize(*net.program(), net.weights().get(), DefaultPassNames()), &scope,
                ExecConfig{});
  SetTensor(&scope, "x", Dims{2, 1}, std::vector<int64_t>{1, 10});
  try {
    exec.Run();
    ADD_FAILURE() << "no error for id 10 of a 10-row table";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("id 10 at position 1"), std::string::npos) << e.what();
  }
}

// ShuffleNetV2's unit: two conv branches concatenated, the channel shuffle as reshape2 →
// transpose2 → reshape2, a split, one half convolved and concatenated again. With the passes on
// the shuffle is one shuffle_channel op, and concat, shuffle and split all run on the convs'
// channels-last outputs; with them off the shuffle goes through plain data.
Net ShuffleUnit(int hw, bool fetch_transposed) {
  Net net;
  net.Weight("wa", {8, 8, 3, 3}).Weight("wb", {8, 8, 3, 3}).Weight("wc", {8, 8, 3, 3});
  net.Declare("x", {-1, 8, hw, hw}).Declare("cat", {-1, 16, hw, hw});
  net.Add(Conv("x", "wa", "a")).Add(Conv("x", "wb", "b"));
  net.Add(OpBuilder("concat").In("X", {"a", "b"}).Out("Out", {"cat"}).Int("axis", 1));
  net.Add(OpBuilder("reshape2")
              .In("X", {"cat"})
              .Out("Out", {"r5"})
              .Out("XShape", {"r5_shape"})
              .Ints("shape", {-1, 2, 8, hw, hw}));
  net.Add(OpBuilder("transpose2")
              .In("X", {"r5"})
              .Out("Out", {"t5"})
              .Out("XShape", {"t5_shape"})
              .Ints("axis", {0, 2, 1, 3, 4}));
  net.Add(OpBuilder("reshape2")
              .In("X", {"t5"})
              .Out("Out", {"shuffled"})
              .Out("XShape", {"s_shape"})
              .Ints("shape", {-1, 16, hw, hw}));
  net.Add(OpBuilder("split")
              .In("X", {"shuffled"})
              .Out("Out", {"left", "right"})
              .Int("axis", 1)
              .Int("num", 0)
              .Ints("sections", {8, 8}));
  net.Add(Conv("right", "wc", "c"));
  net.Add(OpBuilder("concat").In("X", {"left", "c"}).Out("Out", {"y"}).Int("axis", 1));
  net.Fetch("y");
  if (fetch_transposed) net.Fetch("t5");
  return net;
}

TEST(PassShuffleChannel, ChannelShuffleBecomesOneOpOnEveryThreadCount) {
  // 2×32×32 pixels are enough rows for the copies to be split over 2 threads.
  for (int threads : {1, 2}) {
    auto n = CheckFusion(ShuffleUnit(32, false), {2, 8, 32, 32}, threads);
    EXPECT_EQ(n["shuffle_channel"], 1) << threads << " threads";
    EXPECT_EQ(n["transpose2"], 0);
    EXPECT_EQ(n["reshape2"], 0);
  }
}

TEST(PassShuffleChannel, FetchedIntermediateKeepsTheOps) {
  auto n = CheckFusion(ShuffleUnit(6, true), {2, 8, 6, 6});
  EXPECT_EQ(n["shuffle_channel"], 0);
  EXPECT_EQ(n["transpose2"], 1);
}

// concat(a, b) → the channel shuffle of ShuffleUnit → split(sections) → every part fetched,
// with a and b either two convolutions' channels-last outputs or plain tensors (x and relu(x)).
Net ConcatShuffleSplit(int hw, const Dims& sections, bool channels_last) {
  Net net;
  net.Declare("x", {-1, 8, hw, hw}).Declare("a", {-1, 8, hw, hw}).Declare("b", {-1, 8, hw, hw});
  net.Declare("cat", {-1, 16, hw, hw});
  if (channels_last) {
    net.Weight("wa", {8, 8, 3, 3}).Weight("wb", {8, 8, 3, 3});
    net.Add(Conv("x", "wa", "a")).Add(Conv("x", "wb", "b"));
  } else {
    net.Add(OpBuilder("scale").In("X", {"x"}).Out("Out", {"a"}).Float("scale", 1.0f));
    net.Add(OpBuilder("relu").In("X", {"x"}).Out("Out", {"b"}));
  }
  net.Add(OpBuilder("concat").In("X", {"a", "b"}).Out("Out", {"cat"}).Int("axis", 1));
  net.Add(OpBuilder("reshape2").In("X", {"cat"}).Out("Out", {"r5"}).Out("XShape", {"r5_shape"})
              .Ints("shape", {-1, 2, 8, hw, hw}));
  net.Add(OpBuilder("transpose2").In("X", {"r5"}).Out("Out", {"t5"}).Out("XShape", {"t5_shape"})
              .Ints("axis", {0, 2, 1, 3, 4}));
  net.Add(OpBuilder("reshape2").In("X", {"t5"}).Out("Out", {"shuffled"})
              .Out("XShape", {"s_shape"}).Ints("shape", {-1, 16, hw, hw}));
  std::vector<std::string> parts;
  for (size_t k = 0; k < sections.size(); ++k) parts.push_back("part" + std::to_string(k));
  net.Add(OpBuilder("split").In("X", {"shuffled"}).Out("Out", parts).Int("axis", 1).Int("num", 0)
              .Ints("sections", std::vector<int>(sections.begin(), sections.end())));
  for (const std::string& p : parts) net.Fetch(p);
  return net;
}

TEST(PassConcatShuffleSplit, UnitBoundaryBecomesOneOp) {
  // Even sections take the interleaving loop, odd ones the per-channel copies; 2×32×32 pixels
  // are enough rows to split over 2 threads.
  for (const Dims& sections : {Dims{8, 8}, Dims{6, 10}, Dims{5, -1}, Dims{3, 7, 6}}) {
    for (bool channels_last : {true, false}) {
      for (int threads : {1, 2}) {
        SCOPED_TRACE(DimsToString(sections) + (channels_last ? " channels-last " : " plain ") +
                     std::to_string(threads) + " threads");
        auto n = CheckFusion(ConcatShuffleSplit(32, sections, channels_last), {2, 8, 32, 32},
                             threads);
        EXPECT_EQ(n["fused_concat_shuffle_split"], 1);
        for (const char* gone : {"concat", "shuffle_channel", "split", "transpose2"})
          EXPECT_EQ(n[gone], 0) << gone;
      }
    }
  }
}

TEST(PassConcatShuffleSplit, ShuffleUnitFusesItsBoundary) {
  // ShuffleUnit's shuffle is followed by a split; with its branches declared the concat, the
  // shuffle and the split become one op, and the unit's last concat stays.
  Net net = ShuffleUnit(6, false);
  net.Declare("a", {-1, 8, 6, 6}).Declare("b", {-1, 8, 6, 6});
  auto n = CheckFusion(net, {2, 8, 6, 6});
  EXPECT_EQ(n["fused_concat_shuffle_split"], 1);
  EXPECT_EQ(n["split"], 0);
  EXPECT_EQ(n["concat"], 1);
}

TEST(PassConcatShuffleSplit, FetchedShuffleKeepsItsOutput) {
  Net net = ConcatShuffleSplit(6, {8, 8}, true);
  net.Fetch("shuffled");
  auto n = CheckFusion(net, {2, 8, 6, 6});
  EXPECT_EQ(n["fused_concat_shuffle_split"], 1) << "concat and shuffle still fuse";
  EXPECT_EQ(n["split"], 1);
}

// A training step through a channel shuffle: conv → reshape2 → transpose2 → reshape2 → conv →
// mean, differentiated by AppendBackward. The training executor's copy fuses the chain and its
// gradient chain into shuffle_channel and shuffle_channel_grad, and every gradient is the same,
// bit for bit: the fused ops move the same values.
std::shared_ptr<const Program> ShuffleTrainingProgram(int hw) {
  proto::ProgramDesc prog;
  auto* block = prog.add_blocks();
  block->set_idx(0);
  block->set_parent_idx(-1);
  AddVar(block, "x", {-1, 8, hw, hw}, false);
  AddVar(block, "wa", {16, 8, 3, 3}, true);
  AddVar(block, "wb", {8, 16, 3, 3}, true);
  AddVar(block, "a", {-1, 16, hw, hw}, false);
  for (const char* v : {"r5", "r5_shape", "t5", "t5_shape", "s", "s_shape", "b", "loss"})
    AddVar(block, v, {}, false);
  const auto add = [&](const OpBuilder& op) { *block->add_ops() = op.desc(); };
  add(Conv("x", "wa", "a"));
  add(OpBuilder("reshape2").In("X", {"a"}).Out("Out", {"r5"}).Out("XShape", {"r5_shape"})
          .Ints("shape", {-1, 2, 8, hw, hw}));
  add(OpBuilder("transpose2").In("X", {"r5"}).Out("Out", {"t5"}).Out("XShape", {"t5_shape"})
          .Ints("axis", {0, 2, 1, 3, 4}));
  add(OpBuilder("reshape2").In("X", {"t5"}).Out("Out", {"s"}).Out("XShape", {"s_shape"})
          .Ints("shape", {-1, 16, hw, hw}));
  add(Conv("s", "wb", "b"));
  add(OpBuilder("mean").In("X", {"b"}).Out("Out", {"loss"}));
  AppendBackward(&prog, "loss", {"x"});
  return Program::FromDesc(prog, "training program");
}

// Runs a training program and the training executor's fused copy of it over the same seeded
// tensors (name → dims) and expects each named result equal, bit for bit.
void ExpectSameResults(const std::shared_ptr<const Program>& program,
                       const std::shared_ptr<const Program>& fused,
                       const std::map<std::string, Dims>& inputs,
                       const std::vector<std::string>& results) {
  std::map<std::string, std::vector<float>> got[2];
  const std::shared_ptr<const Program> runs[2] = {program, fused};
  for (int k = 0; k < 2; ++k) {
    Scope scope;
    uint32_t seed = 1;
    for (const auto& [name, dims] : inputs)
      SetTensor(&scope, name, dims, RandomFloats(static_cast<size_t>(Numel(dims)), seed++));
    Executor exec(runs[k], &scope, ExecConfig{});
    exec.Run();
    for (const std::string& r : results) got[k][r] = GetTensor<float>(scope, r);
  }
  // Bit patterns: a NaN (adam's moments from random inputs) must come out the same NaN.
  const auto bits = [](float f) {
    uint32_t u;
    std::memcpy(&u, &f, sizeof u);
    return u;
  };
  for (const std::string& r : results) {
    ASSERT_EQ(got[1][r].size(), got[0][r].size()) << r;
    for (size_t i = 0; i < got[0][r].size(); ++i)
      ASSERT_EQ(bits(got[1][r][i]), bits(got[0][r][i]))
          << r << " at " << i << ": " << got[1][r][i] << " against " << got[0][r][i];
  }
}

TEST(PassShuffleChannel, TrainingProgramFusesTheGradientChainExactly) {
  const auto program = ShuffleTrainingProgram(6);
  const auto fused = OptimizeForTraining(*program, true);
  auto n = OpCounts(*fused);
  EXPECT_EQ(n["shuffle_channel"], 1);
  EXPECT_EQ(n["shuffle_channel_grad"], 1);
  for (const char* gone : {"reshape2", "transpose2", "reshape2_grad", "transpose2_grad"})
    EXPECT_EQ(n[gone], 0) << gone;
  // The parameters' gradients (plain); wa's comes through the fused shuffle's gradient.
  ExpectSameResults(program, fused,
                    {{"x", {2, 8, 6, 6}}, {"wa", {16, 8, 3, 3}}, {"wb", {8, 16, 3, 3}}},
                    {"loss", "wa@GRAD", "wb@GRAD"});
}

// A ResNet block's relus in a training step: conv → batch_norm (batch statistics) → relu →
// conv → elementwise_add(the relu's output) → relu → mean, differentiated by AppendBackward.
// The training executor's copy fuses both relus into their producers, and the loss, every
// gradient and the updated running statistics are the same, bit for bit.
std::shared_ptr<const Program> ReluTrainingProgram(int hw) {
  proto::ProgramDesc prog;
  auto* block = prog.add_blocks();
  block->set_idx(0);
  block->set_parent_idx(-1);
  AddVar(block, "x", {-1, 8, hw, hw}, false);
  for (const char* w : {"wa", "wb"}) AddVar(block, w, {8, 8, 3, 3}, true);
  for (const char* p : {"scale", "offset", "mean", "var"}) AddVar(block, p, {8}, true);
  for (const char* v : {"a", "b", "r", "c", "s", "y", "loss", "saved_mean", "saved_var"})
    AddVar(block, v, {}, false);
  const auto add = [&](const OpBuilder& op) { *block->add_ops() = op.desc(); };
  add(Conv("x", "wa", "a"));
  add(OpBuilder("batch_norm")
          .In("X", {"a"})
          .In("Scale", {"scale"})
          .In("Bias", {"offset"})
          .In("Mean", {"mean"})
          .In("Variance", {"var"})
          .Out("Y", {"b"})
          .Out("MeanOut", {"mean"})
          .Out("VarianceOut", {"var"})
          .Out("SavedMean", {"saved_mean"})
          .Out("SavedVariance", {"saved_var"})
          .Float("epsilon", 1e-5f)
          .Float("momentum", 0.9f)
          .Bool("is_test", false));
  add(OpBuilder("relu").In("X", {"b"}).Out("Out", {"r"}));
  add(Conv("r", "wb", "c"));
  add(OpBuilder("elementwise_add").In("X", {"c"}).In("Y", {"r"}).Out("Out", {"s"}).Int("axis", -1));
  add(OpBuilder("relu").In("X", {"s"}).Out("Out", {"y"}));
  add(OpBuilder("mean").In("X", {"y"}).Out("Out", {"loss"}));
  AppendBackward(&prog, "loss", {"x"});
  return Program::FromDesc(prog, "training program");
}

TEST(PassTrainingRelu, ReluFusesIntoBatchNormAndAddExactly) {
  const auto program = ReluTrainingProgram(6);
  const auto fused = OptimizeForTraining(*program, true);
  auto n = OpCounts(*fused);
  EXPECT_EQ(n["relu"], 0);
  EXPECT_EQ(n["relu_grad"], 2) << "the backward part is unchanged";
  EXPECT_EQ(n["batch_norm"], 1);
  EXPECT_EQ(n["elementwise_add"], 1);
  // The running statistics only receive the batch's (training mode): any seeded values do.
  ExpectSameResults(program, fused,
                    {{"x", {2, 8, 6, 6}}, {"wa", {8, 8, 3, 3}}, {"wb", {8, 8, 3, 3}},
                     {"scale", {8}}, {"offset", {8}}, {"mean", {8}}, {"var", {8}}},
                    {"loss", "y", "wa@GRAD", "wb@GRAD", "scale@GRAD", "offset@GRAD", "mean",
                     "var"});
}

TEST(PassTrainingRelu, FetchedOrSharedValueKeepsTheRelu) {
  auto program = ReluTrainingProgram(6);
  proto::ProgramDesc desc = program->desc();
  // A second reader of the batch norm's output: the relu must stay.
  AddVar(desc.mutable_blocks(0), "b2", {}, false);
  *desc.mutable_blocks(0)->add_ops() =
      OpBuilder("scale").In("X", {"b"}).Out("Out", {"b2"}).Float("scale", 2.0f).desc();
  auto n = OpCounts(*OptimizeForTraining(*Program::FromDesc(desc, "training program"), true));
  EXPECT_EQ(n["relu"], 1) << "the add's relu fuses, the batch norm's does not";
}

// ReluTrainingProgram's step with an update of every parameter, as Paddle's optimizers append
// them: consecutive ops; for momentum L2 decay on the convolutions' weights only, the batch
// norm's own learning rate.
std::shared_ptr<const Program> OptimizerTrainingProgram(const std::string& optimizer) {
  proto::ProgramDesc desc = ReluTrainingProgram(6)->desc();
  auto* block = desc.mutable_blocks(0);
  AddVar(block, "lr", {1}, true);
  AddVar(block, "lr_bn", {1}, true);
  for (const char* p : {"wa", "wb", "scale", "offset"}) {
    const std::string param = p;
    const bool conv = param[0] == 'w';
    const Dims dims = conv ? Dims{8, 8, 3, 3} : Dims{8};
    OpBuilder op(optimizer);
    op.In("Param", {param}).In("Grad", {param + "@GRAD"}).Out("ParamOut", {param});
    op.In("LearningRate", {conv ? "lr" : "lr_bn"});
    if (optimizer == "momentum") {
      AddVar(block, param + "_velocity", dims, true);
      op.In("Velocity", {param + "_velocity"}).Out("VelocityOut", {param + "_velocity"});
      op.Float("mu", 0.9f);
      if (conv) op.String("regularization_method", "l2_decay").Float("regularization_coeff", 1e-2f);
    } else {
      for (const char* m : {"_m1", "_m2"}) AddVar(block, param + m, dims, true);
      for (const char* b : {"_b1", "_b2"}) AddVar(block, param + b, {1}, true);
      op.In("Moment1", {param + "_m1"}).In("Moment2", {param + "_m2"})
          .In("Beta1Pow", {param + "_b1"}).In("Beta2Pow", {param + "_b2"})
          .Out("Moment1Out", {param + "_m1"}).Out("Moment2Out", {param + "_m2"})
          .Out("Beta1PowOut", {param + "_b1"}).Out("Beta2PowOut", {param + "_b2"})
          .Float("beta1", 0.9f).Float("beta2", 0.999f).Float("epsilon", 1e-8f);
    }
    *block->add_ops() = op.desc();
  }
  return Program::FromDesc(desc, "training program");
}

// OptimizerTrainingProgram's inputs and their dims: the step's, and every parameter's
// optimizer state. results gets what the step updates: the parameters and their state.
std::map<std::string, Dims> OptimizerStepInputs(const std::string& optimizer,
                                                std::vector<std::string>* results) {
  std::map<std::string, Dims> inputs = {
      {"x", {2, 8, 6, 6}}, {"wa", {8, 8, 3, 3}}, {"wb", {8, 8, 3, 3}}, {"scale", {8}},
      {"offset", {8}},     {"mean", {8}},        {"var", {8}},        {"lr", {1}},
      {"lr_bn", {1}}};
  *results = {"wa", "wb", "scale", "offset"};
  for (const std::string p : {"wa", "wb", "scale", "offset"}) {
    const Dims dims = p[0] == 'w' ? Dims{8, 8, 3, 3} : Dims{8};
    std::vector<std::string> state = {"_velocity"};
    if (optimizer == "adam") state = {"_m1", "_m2", "_b1", "_b2"};
    for (const std::string& suffix : state) {
      const bool pow = suffix[1] == 'b';
      inputs[p + suffix] = pow ? Dims{1} : dims;
      results->push_back(p + suffix);
    }
  }
  return inputs;
}

TEST(PassOptimizers, ConsecutiveUpdatesMergeExactly) {
  for (const std::string optimizer : {"momentum", "adam"}) {
    const auto program = OptimizerTrainingProgram(optimizer);
    std::vector<std::string> results;
    const auto inputs = OptimizerStepInputs(optimizer, &results);
    for (bool on_cpu : {true, false}) {
      SCOPED_TRACE(optimizer + (on_cpu ? " on the CPU" : " on a GPU"));
      const auto fused = OptimizeForTraining(*program, on_cpu);
      auto n = OpCounts(*fused);
      EXPECT_EQ(n[optimizer], 0);
      EXPECT_EQ(n["merged_" + optimizer], 1);
      // The step's parameters and optimizer state, bit for bit (the merged op's CPU kernel).
      ExpectSameResults(program, fused, inputs, results);
    }
  }
}

TEST(PassOptimizers, DifferentMuOrAnOpBetweenSplitsTheRun) {
  proto::ProgramDesc desc = OptimizerTrainingProgram("momentum")->desc();
  auto* ops = desc.mutable_blocks(0)->mutable_ops();
  const int last = ops->size() - 1;
  // The last update with another mu, and a scale op between the first two.
  for (auto& a : *ops->Mutable(last)->mutable_attrs())
    if (a.name() == "mu") a.set_f(0.5f);
  AddVar(desc.mutable_blocks(0), "lr2", {}, false);
  *desc.mutable_blocks(0)->add_ops() = OpBuilder("scale").In("X", {"lr"}).Out("Out", {"lr2"}).desc();
  // Move the scale op between the first and second momentum ops.
  for (int i = ops->size() - 1; i > last - 2; --i) ops->SwapElements(i, i - 1);
  ASSERT_EQ(ops->Get(last - 2).type(), "scale");
  auto n = OpCounts(*OptimizeForTraining(*Program::FromDesc(desc, "training program"), true));
  EXPECT_EQ(n["merged_momentum"], 1) << "[wa] scale [wb scale] [offset]: one run of two";
  EXPECT_EQ(n["momentum"], 2);
}

TEST(PassOptimizers, UpdatesSharingStateStayApart) {
  // The two conv weights' adam ops share one pair of beta powers (as a program with a global
  // accumulator would): each advances them in turn, which one merged op would do once.
  proto::ProgramDesc desc = OptimizerTrainingProgram("adam")->desc();
  for (auto& op : *desc.mutable_blocks(0)->mutable_ops()) {
    if (op.type() != "adam") continue;
    for (auto* vars : {op.mutable_inputs(), op.mutable_outputs()})
      for (auto& var : *vars)
        for (auto& name : *var.mutable_arguments())
          if (name == "wb_b1" || name == "wb_b2") name[1] = 'a';
  }
  const auto program = Program::FromDesc(desc, "training program");
  const auto fused = OptimizeForTraining(*program, true);
  auto n = OpCounts(*fused);
  EXPECT_EQ(n["adam"], 1) << "wa's update alone";
  EXPECT_EQ(n["merged_adam"], 1) << "wb's, scale's and offset's";
  std::vector<std::string> results;
  auto inputs = OptimizerStepInputs("adam", &results);
  for (const char* unused : {"wb_b1", "wb_b2"}) {
    inputs.erase(unused);
    results.erase(std::find(results.begin(), results.end(), unused));
  }
  ExpectSameResults(program, fused, inputs, results);
}

// ShuffleNetV2's unit boundary in a training step: two convs → concat → the channel shuffle →
// split, one half convolved and concatenated with the other, → mean, differentiated by
// AppendBackward. The training executor's copy runs the boundary and its gradient as one op
// each, and every gradient is the same, bit for bit: the fused ops move the same values.
std::shared_ptr<const Program> ConcatShuffleSplitTrainingProgram(int hw) {
  proto::ProgramDesc prog;
  auto* block = prog.add_blocks();
  block->set_idx(0);
  block->set_parent_idx(-1);
  AddVar(block, "x", {-1, 8, hw, hw}, false);
  for (const char* w : {"wa", "wb", "wc"}) AddVar(block, w, {8, 8, 3, 3}, true);
  for (const char* v : {"a", "b", "p0", "p1", "c"}) AddVar(block, v, {-1, 8, hw, hw}, false);
  AddVar(block, "cat", {-1, 16, hw, hw}, false);
  for (const char* v : {"r5", "r5_shape", "t5", "t5_shape", "s", "s_shape", "y", "loss"})
    AddVar(block, v, {}, false);
  const auto add = [&](const OpBuilder& op) { *block->add_ops() = op.desc(); };
  add(Conv("x", "wa", "a"));
  add(Conv("x", "wb", "b"));
  add(OpBuilder("concat").In("X", {"a", "b"}).Out("Out", {"cat"}).Int("axis", 1));
  add(OpBuilder("reshape2").In("X", {"cat"}).Out("Out", {"r5"}).Out("XShape", {"r5_shape"})
          .Ints("shape", {-1, 2, 8, hw, hw}));
  add(OpBuilder("transpose2").In("X", {"r5"}).Out("Out", {"t5"}).Out("XShape", {"t5_shape"})
          .Ints("axis", {0, 2, 1, 3, 4}));
  add(OpBuilder("reshape2").In("X", {"t5"}).Out("Out", {"s"}).Out("XShape", {"s_shape"})
          .Ints("shape", {-1, 16, hw, hw}));
  add(OpBuilder("split").In("X", {"s"}).Out("Out", {"p0", "p1"}).Int("axis", 1).Int("num", 2));
  add(Conv("p1", "wc", "c"));
  add(OpBuilder("concat").In("X", {"p0", "c"}).Out("Out", {"y"}).Int("axis", 1));
  add(OpBuilder("mean").In("X", {"y"}).Out("Out", {"loss"}));
  AppendBackward(&prog, "loss", {"x"});
  return Program::FromDesc(prog, "training program");
}

TEST(PassConcatShuffleSplit, TrainingProgramFusesTheGradientChainExactly) {
  const auto program = ConcatShuffleSplitTrainingProgram(6);
  const auto fused = OptimizeForTraining(*program, true);
  auto n = OpCounts(*fused);
  EXPECT_EQ(n["fused_concat_shuffle_split"], 1);
  EXPECT_EQ(n["fused_concat_shuffle_split_grad"], 1);
  for (const char* gone : {"split", "shuffle_channel", "shuffle_channel_grad"})
    EXPECT_EQ(n[gone], 0) << gone;
  EXPECT_EQ(n["concat"], 1) << "the unit's last concat";
  EXPECT_EQ(n["concat_grad"], 1);
  ExpectSameResults(program, fused,
                    {{"x", {2, 8, 6, 6}}, {"wa", {8, 8, 3, 3}}, {"wb", {8, 8, 3, 3}},
                     {"wc", {8, 8, 3, 3}}},
                    {"loss", "wa@GRAD", "wb@GRAD", "wc@GRAD"});
}

// A GPU training executor's copy: fused_concat_shuffle_split has a CPU kernel alone, so the
// unit boundary keeps its concat and split around the fused shuffle, and the relus still fuse.
TEST(PassConcatShuffleSplit, GpuTrainingProgramKeepsTheBoundary) {
  const auto program = ConcatShuffleSplitTrainingProgram(6);
  const auto fused = OptimizeForTraining(*program, false);
  auto n = OpCounts(*fused);
  EXPECT_EQ(n["fused_concat_shuffle_split"], 0);
  EXPECT_EQ(n["shuffle_channel"], 1);
  EXPECT_EQ(n["shuffle_channel_grad"], 1);
  EXPECT_EQ(n["split"], 1);
  EXPECT_EQ(n["concat"], 3) << "two in the forward part and split's gradient";
  ExpectSameResults(program, fused,
                    {{"x", {2, 8, 6, 6}}, {"wa", {8, 8, 3, 3}}, {"wb", {8, 8, 3, 3}},
                     {"wc", {8, 8, 3, 3}}},
                    {"loss", "wa@GRAD", "wb@GRAD", "wc@GRAD"});
  EXPECT_EQ(OpCounts(*OptimizeForTraining(*ReluTrainingProgram(6), false))["relu"], 0);
}

TEST(PassConfig, DeletedPassIsNotApplied) {
  Net net;
  net.Weight("w", {4, 3, 3, 3});
  net.Add(Conv("x", "w", "c")).Add(BatchNorm(net, "bn", 4, "c", "b"));
  net.Add(OpBuilder("relu").In("X", {"b"}).Out("Out", {"y"}));
  net.Fetch("y");
  auto passes = DefaultPassNames();
  passes.erase(std::find(passes.begin(), passes.end(), "conv_bn_fuse_pass"));
  passes.push_back("some_paddle_pass_we_lack");
  auto n = OpCounts(*Optimize(*net.program(), net.weights().get(), passes));
  EXPECT_EQ(n["batch_norm"], 1);
  EXPECT_EQ(n["relu"], 1) << "the conv's reader is batch_norm, so relu cannot fuse either";
}

// ---- real models: ir_optim on against off ----

struct RealModel {
  const char* name;
  const char* prog;    // relative to models/<name>; "" for a model directory with __model__
  const char* params;  // "" for one file per parameter
  Dims input;
};

class PassRealModel : public ::testing::TestWithParam<RealModel> {};

ModelSource SourceOf(const RealModel& m) {
  const std::string dir = ::pd::testing::SharedDir() + "/models/" + m.name;
  ModelSource src;
  if (*m.prog == '\0') {
    src.model_dir = dir;
  } else {
    src.prog_file = dir + "/" + m.prog;
    src.params_file = dir + "/" + m.params;
  }
  return src;
}

std::unique_ptr<Predictor> Make(const RealModel& m, bool ir_optim) {
  PredictorOptions options;
  options.model = SourceOf(m);
  options.ir_optim = ir_optim;
  return Predictor::Create(std::move(options));
}

// Output of the model's one input filled with seeded values.
std::vector<std::vector<float>> RunModel(Predictor& p, const Dims& dims) {
  Tensor* in = p.Input(p.input_names().at(0));
  in->Resize(dims);
  const auto x = RandomFloats(Numel(dims), 7, -1.0f, 1.0f);
  std::copy(x.begin(), x.end(), in->mutable_data<float>());
  p.Run();
  std::vector<std::vector<float>> out;
  for (const std::string& name : p.output_names()) {
    const Tensor* t = p.Output(name);
    out.emplace_back(t->data<float>(), t->data<float>() + t->numel());
  }
  return out;
}

TEST_P(PassRealModel, OutputsMatchWithIrOptimOnAndOff) {
  const RealModel& m = GetParam();
  const ModelSource src = SourceOf(m);
  const std::string probe = src.model_dir.empty() ? src.prog_file : src.model_dir + "/__model__";
  if (!std::filesystem::exists(probe))
    GTEST_SKIP() << "no " << probe << " (set GOHUB_SHARED to the directory that holds models/)";
  // The passes must find something to fuse in every one of these conv nets.
  const LoadedModel model = LoadModel(src);
  const auto plain = OpCounts(*model.program);
  const auto fused = OpCounts(*Optimize(*model.program, model.weights.get(), DefaultPassNames()));
  int plain_ops = 0, fused_ops = 0;
  for (const auto& kv : plain) plain_ops += kv.second;
  for (const auto& kv : fused) fused_ops += kv.second;
  EXPECT_LT(fused_ops, plain_ops);
  std::cout << "[ passes   ] " << m.name << ": " << plain_ops << " ops -> " << fused_ops << "\n";
  auto off = Make(m, false), on = Make(m, true);
  const auto want = RunModel(*off, m.input), got = RunModel(*on, m.input);
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i)
    ExpectClose(got[i], want[i], off->output_names()[i]);
}

INSTANTIATE_TEST_SUITE_P(
    PassShared, PassRealModel,
    ::testing::Values(RealModel{"shufflenet_v2_imagenet", "", "", {1, 3, 224, 224}},
                      RealModel{"gesture_rec", "__model__", "params", {1, 3, 224, 224}},
                      RealModel{"cifar_resnet", "", "", {2, 3, 32, 32}},
                      RealModel{"ppocrv3_det", "model.pdmodel", "model.pdiparams", {1, 3, 96, 128}},
                      RealModel{"simple_conv_bn_relu", "model.pdmodel", "model.pdiparams",
                                {1, 3, 96, 96}}),
    [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace pd::test
