// The training kernels that split their work over the math threads (batch_norm and its gradient
// by channel, the element-wise gradients and sum by element range) give the same bits with one
// thread and with several: each channel's reductions keep their order whatever the split.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "test_util.h"

namespace pd::test {
namespace {

constexpr int kThreads = 4;

// Runs op over a copy of the inputs with 1 and with kThreads threads and expects every output
// bit for bit the same.
void ExpectSameWithThreads(const OpBuilder& op, const std::function<void(Scope*)>& set,
                           const std::vector<std::string>& outs) {
  Scope one, many;
  set(&one);
  set(&many);
  RunOp(op, &one, 1);
  RunOp(op, &many, kThreads);
  for (const auto& name : outs) {
    const auto a = GetTensor<float>(one, name), b = GetTensor<float>(many, name);
    ASSERT_EQ(a.size(), b.size()) << name;
    for (size_t i = 0; i < a.size(); ++i)
      ASSERT_EQ(a[i], b[i]) << name << " differs at " << i;
  }
}

// Large enough that every kernel splits: 64 channels of 4 x 32 x 32.
const Dims kNCHW{4, 64, 32, 32}, kNHWC{4, 32, 32, 64};

void SetBatchNormInputs(Scope* s, const Dims& dims) {
  SetTensor(s, "x", dims, RandomFloats(Numel(dims), 1, -2, 3));
  SetTensor(s, "scale", {64}, RandomFloats(64, 2, 0.5f, 2));
  SetTensor(s, "bias", {64}, RandomFloats(64, 3));
  SetTensor(s, "mean", {64}, RandomFloats(64, 4));
  SetTensor(s, "var", {64}, RandomFloats(64, 5, 0.5f, 2));
  SetTensor(s, "dy", dims, RandomFloats(Numel(dims), 6));
}

OpBuilder BatchNorm(const std::string& layout) {
  OpBuilder op("batch_norm");
  op.In("X", {"x"}).In("Scale", {"scale"}).In("Bias", {"bias"}).In("Mean", {"mean"});
  op.In("Variance", {"var"}).Out("Y", {"y"}).Out("MeanOut", {"mean"});
  op.Out("VarianceOut", {"var"}).Out("SavedMean", {"sm"}).Out("SavedVariance", {"sv"});
  op.String("data_layout", layout);
  return op;
}

OpBuilder BatchNormGrad(const std::string& layout) {
  OpBuilder op("batch_norm_grad");
  op.In("X", {"x"}).In("Scale", {"scale"}).In("Bias", {"bias"}).In("SavedMean", {"mean"});
  op.In("SavedVariance", {"var"}).In("Y@GRAD", {"dy"}).Out("X@GRAD", {"dx"});
  op.Out("Scale@GRAD", {"dscale"}).Out("Bias@GRAD", {"dbias"}).String("data_layout", layout);
  return op;
}

TEST(ThreadedKernels, BatchNormTraining) {
  for (const auto& [dims, layout] : {std::pair{kNCHW, "NCHW"}, std::pair{kNHWC, "NHWC"}}) {
    SCOPED_TRACE(layout);
    ExpectSameWithThreads(BatchNorm(layout), [&](Scope* s) { SetBatchNormInputs(s, dims); },
                          {"y", "mean", "var", "sm", "sv"});
  }
}

// The batch mean: each row of 1024 values summed in 16 float lanes of 64 (row_sums.h), so
// within (64 + 4)·ε·Σ|x| of the exact sum (Higham's bound for the lanes and the pairwise tree
// over them); that the threads leave it unchanged is ExpectSameWithThreads' part.
TEST(ThreadedKernels, BatchNormMeanIsTheBatchMean) {
  Scope s;
  SetBatchNormInputs(&s, kNCHW);
  const auto x = GetTensor<float>(s, "x");
  RunOp(BatchNorm("NCHW"), &s, kThreads);
  const auto got = GetTensor<float>(s, "sm");
  const double eps = std::numeric_limits<float>::epsilon() / 2;
  for (int64_t c = 0; c < 64; ++c) {
    double sum = 0, magnitude = 0;
    for (int64_t n = 0; n < 4; ++n)
      for (int64_t i = 0; i < 1024; ++i) {
        sum += x[(n * 64 + c) * 1024 + i];
        magnitude += std::fabs(x[(n * 64 + c) * 1024 + i]);
      }
    const double exact = sum / 4096;
    const double bound = 68 * eps * magnitude / 4096 + eps * std::fabs(exact);
    ASSERT_NEAR(got[c], exact, bound) << "channel " << c;
  }
}

TEST(ThreadedKernels, BatchNormGrad) {
  for (const auto& [dims, layout] : {std::pair{kNCHW, "NCHW"}, std::pair{kNHWC, "NHWC"}}) {
    SCOPED_TRACE(layout);
    ExpectSameWithThreads(BatchNormGrad(layout), [&](Scope* s) { SetBatchNormInputs(s, dims); },
                          {"dx", "dscale", "dbias"});
    ExpectSameWithThreads(BatchNormGrad(layout).Bool("use_global_stats", true).In("Mean", {"mean"})
                              .In("Variance", {"var"}),
                          [&](Scope* s) { SetBatchNormInputs(s, dims); }, {"dx"});
  }
}

TEST(ThreadedKernels, ActivationGrads) {
  const int64_t n = 300001;  // not a multiple of the thread count
  auto set = [&](Scope* s) {
    SetTensor(s, "out", {n}, RandomFloats(n, 7, -1, 7));
    SetTensor(s, "dout", {n}, RandomFloats(n, 8));
  };
  for (const char* type : {"relu_grad", "relu6_grad", "sigmoid_grad", "hard_sigmoid_grad"}) {
    SCOPED_TRACE(type);
    OpBuilder op(type);
    op.In("Out", {"out"}).In("Out@GRAD", {"dout"}).Out("X@GRAD", {"dx"});
    ExpectSameWithThreads(op, set, {"dx"});
  }
  OpBuilder hard_swish("hard_swish_grad");
  hard_swish.In("X", {"out"}).In("Out@GRAD", {"dout"}).Out("X@GRAD", {"dx"});
  ExpectSameWithThreads(hard_swish, set, {"dx"});
}

TEST(ThreadedKernels, AddGradAndSum) {
  const Dims dims{8, 64, 28, 28};
  auto set = [&](Scope* s) {
    for (const char* name : {"a", "b", "c"}) {
      SetTensor(s, name, dims, RandomFloats(Numel(dims), name[0]));
    }
  };
  OpBuilder add_grad("elementwise_add_grad");
  add_grad.In("X", {"a"}).In("Y", {"b"}).In("Out@GRAD", {"c"});
  add_grad.Out("X@GRAD", {"da"}).Out("Y@GRAD", {"db"});
  ExpectSameWithThreads(add_grad, set, {"da", "db"});

  OpBuilder sum("sum");
  sum.In("X", {"a", "b", "c"}).Out("Out", {"out"});
  ExpectSameWithThreads(sum, set, {"out"});
  // In place, as the backward pass accumulates: Out is the second input.
  OpBuilder in_place("sum");
  in_place.In("X", {"a", "b", "c"}).Out("Out", {"b"});
  ExpectSameWithThreads(in_place, set, {"b"});
  Scope s;
  set(&s);
  const auto a = GetTensor<float>(s, "a"), b = GetTensor<float>(s, "b"),
             c = GetTensor<float>(s, "c");
  RunOp(in_place, &s, kThreads);
  const auto got = GetTensor<float>(s, "b");
  for (size_t i = 0; i < got.size(); ++i) ASSERT_EQ(got[i], a[i] + b[i] + c[i]) << i;
}

}  // namespace
}  // namespace pd::test
