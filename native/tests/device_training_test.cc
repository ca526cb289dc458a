// Training on a second place, as a GPU executor trains: the parameters that ops on the device
// read move there once (MoveOpInputsTo) and stay, the optimizer updates them there, and each
// step equals the CPU's bit for bit. Checked with the test device (test_device.h), which runs
// the CPU's kernels on memory of its own and counts the copies.
#include <gtest/gtest.h>

#include "framework/backward.h"
#include "test_device.h"
#include "test_util.h"

namespace pd::test {
namespace {

constexpr int64_t kBatch = 4, kChannels = 6, kSide = 5;

// loss = mean(relu(x + b)) over a [4, 6, 5, 5] batch with a per-channel b; backward by
// AppendBackward; sgd on b.
std::shared_ptr<const Program> TrainingProgram() {
  proto::ProgramDesc prog;
  auto* block = AddMainBlock(&prog);
  const auto declare = [&](const std::string& name, bool persistable) {
    AddVar(block, name, {}, persistable);
  };
  declare("x", false);
  declare("b", true);
  declare("lr", true);
  for (const char* v : {"a", "r", "loss"}) declare(v, false);
  const auto add = [&](const OpBuilder& op) { *block->add_ops() = op.desc(); };
  add(OpBuilder("elementwise_add").In("X", {"x"}).In("Y", {"b"}).Out("Out", {"a"}).Int("axis", 1));
  add(OpBuilder("relu").In("X", {"a"}).Out("Out", {"r"}));
  add(OpBuilder("mean").In("X", {"r"}).Out("Out", {"loss"}));
  const BackwardResult grads = AppendBackward(&prog, "loss", {"x"});
  EXPECT_EQ(grads.param_grads.size(), 1u);
  for (const auto& [param, grad] : grads.param_grads) {
    add(OpBuilder("sgd").In("Param", {param}).In("Grad", {grad}).In("LearningRate", {"lr"})
            .Out("ParamOut", {param}));
  }
  return Program::Parse(prog.SerializeAsString(), "training program");
}

// The device runs the forward element-wise ops, their grads and the optimizer; mean and its
// grad (and the loss gradient's fill) stay on the CPU.
void AddTrainingKernels() {
  for (const char* type : {"relu_grad", "elementwise_add_grad", "sgd"})
    OpRegistry::Mutable().AddKernel(type, DeviceType::kTestDevice, DType::kFP32, TestDeviceKernel);
}

void Fill(Scope* scope) {
  SetTensor(scope, "b", {kChannels}, RandomFloats(kChannels, 7));
  SetTensor(scope, "lr", {1}, std::vector<float>{0.5f});
}

std::vector<float> Host(const Tensor& t) {
  Tensor host;
  CopyTensor(t, Place::CPU(), &host);
  return std::vector<float>(host.data<float>(), host.data<float>() + host.numel());
}

TEST(DeviceTraining, ParametersLiveOnTheDeviceAndEachStepEqualsTheCpu) {
  ScopedTestDevice test_device;
  AddTrainingKernels();
  const auto program = TrainingProgram();
  const Place dev_place = ScopedTestDevice::place();

  Scope cpu_scope, dev_scope;
  Fill(&cpu_scope);
  Fill(&dev_scope);
  MoveOpInputsTo(*program, &dev_scope, dev_place);
  EXPECT_EQ(dev_scope.FindLocal("b")->place(), dev_place);
  EXPECT_EQ(dev_scope.FindLocal("lr")->place(), dev_place);

  ExecConfig on_device;
  on_device.place = dev_place;
  Executor cpu(program, &cpu_scope, ExecConfig{});
  Executor dev(program, &dev_scope, on_device);
  int sgd = -1;
  for (int i = 0; i < static_cast<int>(program->ops().size()); ++i)
    if (program->ops()[i].type() == "sgd") sgd = i;
  ASSERT_GE(sgd, 0);
  EXPECT_EQ(dev.PlaceOfOp(sgd), dev_place);

  std::vector<float> b0 = Host(*cpu_scope.FindLocal("b"));
  for (int step = 0; step < 3; ++step) {
    const auto x = RandomFloats(kBatch * kChannels * kSide * kSide, 20 + step);
    SetTensor(&cpu_scope, "x", {kBatch, kChannels, kSide, kSide}, x);
    SetTensor(&dev_scope, "x", {kBatch, kChannels, kSide, kSide}, x);
    cpu.Run();
    const uint64_t from_host = test_device.device().from_host();
    dev.Run();
    // x and the loss gradient out of mean_grad go to the device; b and lr are already there.
    EXPECT_EQ(test_device.device().from_host() - from_host, 2u) << "step " << step;

    const Tensor& b = *dev_scope.FindLocal("b");
    EXPECT_EQ(b.place(), dev_place) << "the parameter left the device at step " << step;
    const std::vector<float> want = Host(*cpu_scope.FindLocal("b"));
    EXPECT_EQ(Host(b), want) << "step " << step;
    EXPECT_NE(want, b0) << "sgd did not move b at step " << step;
    b0 = want;
    EXPECT_EQ(GetTensor<float>(dev_scope, "loss"), GetTensor<float>(cpu_scope, "loss"));
  }
}

}  // namespace
}  // namespace pd::test
