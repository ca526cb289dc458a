// bfloat16 activations on the GPU (cuda/layout.h, ExecConfig::gpu_bf16_activations): a bfloat16
// convolution leaves its output in bfloat16 for batch norm and its gradient to read so, and
// every other reader gets it widened. cuDNN rounded that output to bfloat16 either way, so a
// training step must give the same values, bit for bit, with the switch on and off; and with it
// on the convolution's output must really have stayed bfloat16, else the check compares the
// float32 path with itself.
//
// GPU only: run with GOHUB_TEST_GPU=<id> (ctest runs it on the host CUDA backend, the device
// check script on a real GPU); the CPU-only test list leaves it out (CMakeLists.txt).
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "framework/backward.h"
#include "framework/cuda_backend.h"
#include "framework/executor.h"
#include "random_floats.h"
#include "test_util.h"

namespace pd::test {
namespace {

constexpr int64_t kBatch = 2, kIn = 3, kOut = 8, kSide = 6;

// c1 = conv(x, w1) → batch_norm → relu, c2 = conv(x, w2); loss = mean(relu(bn(c1) + c2)). Both
// convolutions are marked for bfloat16 as training's AMP marks them. c1 is read by batch norm
// alone (it stays bfloat16 through the backward pass); c2 by the add, which widens it.
std::shared_ptr<const Program> TrainingProgram(std::map<std::string, std::string>* grads) {
  proto::ProgramDesc prog;
  auto* block = prog.add_blocks();
  block->set_idx(0);
  block->set_parent_idx(-1);
  const auto declare = [&](const std::string& name, bool persistable) {
    auto* v = block->add_vars();
    v->set_name(name);
    v->set_persistable(persistable);
    v->mutable_type()->set_type(proto::VarType::LOD_TENSOR);
    v->mutable_type()->mutable_lod_tensor()->mutable_tensor()->set_data_type(proto::VarType::FP32);
  };
  declare("x", false);
  for (const char* p : {"w1", "w2", "scale", "bias", "mean", "var"}) declare(p, true);
  for (const char* v : {"c1", "c2", "y", "saved_mean", "saved_var", "r", "a", "s", "loss"})
    declare(v, false);
  const auto add = [&](const OpBuilder& op) { *block->add_ops() = op.desc(); };
  const auto conv = [&](const char* w, const char* out) {
    add(OpBuilder("conv2d").In("Input", {"x"}).In("Filter", {w}).Out("Output", {out})
            .Ints("strides", {1, 1}).Ints("paddings", {1, 1}).Ints("dilations", {1, 1})
            .Int("groups", 1).String("mkldnn_data_type", "bfloat16"));
  };
  conv("w1", "c1");
  add(OpBuilder("batch_norm").In("X", {"c1"}).In("Scale", {"scale"}).In("Bias", {"bias"})
          .In("Mean", {"mean"}).In("Variance", {"var"}).Out("Y", {"y"}).Out("MeanOut", {"mean"})
          .Out("VarianceOut", {"var"}).Out("SavedMean", {"saved_mean"})
          .Out("SavedVariance", {"saved_var"}).Float("epsilon", 1e-5f).Float("momentum", 0.9f)
          .Bool("is_test", false));
  add(OpBuilder("relu").In("X", {"y"}).Out("Out", {"r"}));
  conv("w2", "c2");
  add(OpBuilder("elementwise_add").In("X", {"r"}).In("Y", {"c2"}).Out("Out", {"a"})
          .Int("axis", -1));
  add(OpBuilder("relu").In("X", {"a"}).Out("Out", {"s"}));
  add(OpBuilder("mean").In("X", {"s"}).Out("Out", {"loss"}));
  const BackwardResult result = AppendBackward(&prog, "loss", {"x"});
  for (const auto& [param, grad] : result.param_grads) (*grads)[param] = grad;
  return Program::Parse(prog.SerializeAsString(), "bfloat16 activations program");
}

void Fill(Scope* scope) {
  SetTensor(scope, "x", {kBatch, kIn, kSide, kSide}, RandomFloats(kBatch * kIn * kSide * kSide, 1));
  SetTensor(scope, "w1", {kOut, kIn, 3, 3}, RandomFloats(kOut * kIn * 9, 2, -0.5f, 0.5f));
  SetTensor(scope, "w2", {kOut, kIn, 3, 3}, RandomFloats(kOut * kIn * 9, 3, -0.5f, 0.5f));
  SetTensor(scope, "scale", {kOut}, RandomFloats(kOut, 4, 0.5f, 1.5f));
  SetTensor(scope, "bias", {kOut}, RandomFloats(kOut, 5));
  SetTensor(scope, "mean", {kOut}, std::vector<float>(kOut, 0.0f));
  SetTensor(scope, "var", {kOut}, std::vector<float>(kOut, 1.0f));
}

std::vector<float> Values(Scope& scope, const std::string& name) {
  const Tensor* t = scope.FindLocal(name);
  if (t == nullptr || !t->initialized()) {
    ADD_FAILURE() << name << " was not computed";
    return {};
  }
  Tensor host;
  const Tensor& h = PlainOnHost(*t, &host);  // widened, if it stayed bfloat16
  return std::vector<float>(h.data<float>(), h.data<float>() + h.numel());
}

TEST(GpuBf16Activations, BatchNormReadsTheConvolutionsBf16OutputWithTheSameValues) {
  const char* gpu = std::getenv("GOHUB_TEST_GPU");
  if (gpu == nullptr || *gpu == '\0') GTEST_SKIP() << "GOHUB_TEST_GPU is not set";
  LoadCudaBackend();
  std::map<std::string, std::string> grads;
  const auto program = TrainingProgram(&grads);
  ASSERT_EQ(grads.size(), 4u);  // w1, w2, scale, bias

  std::map<bool, Scope> scopes;
  for (const bool on : {false, true}) {
    Scope& scope = scopes[on];
    Fill(&scope);
    ExecConfig config;
    config.place = Place{DeviceType::kGPU, std::atoi(gpu)};
    config.gpu_bf16 = true;
    config.gpu_bf16_activations = on;
    Executor exec(program, &scope, config);
    exec.Run();
    // The layout bits of cuda/layout.h: 2 is bfloat16.
    const bool c1_bf16 = (scope.FindLocal("c1")->layout() & 2) != 0;
    EXPECT_EQ(c1_bf16, on) << "c1 (read by batch norm alone) with the switch " << on;
    EXPECT_EQ(scope.FindLocal("c2")->layout() & 2, 0)
        << "c2 is read by elementwise_add, which must get it widened";
  }
  std::vector<std::string> names = {"loss", "y", "c1", "c2", "mean", "var", "saved_mean",
                                    "saved_var", "c1@GRAD", "c2@GRAD"};
  for (const auto& [param, grad] : grads) names.push_back(grad);
  for (const std::string& name : names) {
    const std::vector<float> off = Values(scopes[false], name);
    EXPECT_FALSE(off.empty()) << name;
    EXPECT_EQ(Values(scopes[true], name), off) << name;
  }
}

}  // namespace
}  // namespace pd::test
