// Recorded training steps on the GPU (ExecConfig::record_runs with free_intermediates,
// framework/executor_record.cc): the step's intermediates are the recording's own memory, made
// and freed at each launch, and from the third step on each step launches the recording. Every
// step must give what the same step run op by op gives, bit for bit (the same kernels on the
// same values): the loss of each step, and the parameters, velocities and running statistics
// after the last. Also across what a recording cannot see: new values written into a frozen
// parameter between steps (a checkpoint loaded), whose bfloat16 copy the recording must make
// again at each launch, and a new batch size, which goes op by op and is recorded afresh.
// A step with training dropout, whose mask the host draws at each step, is never recorded.
// Run with bfloat16 AMP (activations kept in bfloat16 between ops, converted where an op needs
// float32) and without, and by ctest channels-last too.
//
// GPU only: run with GOHUB_TEST_GPU=<id> (ctest runs it on the host CUDA backend, the device
// check script on a real GPU); the CPU-only test list leaves it out (CMakeLists.txt).
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "framework/executor.h"
#include "gpu_test_net.h"

namespace pd::test {
namespace {

// The parameters the momentum updates train: all but the first convolution's filter, frozen as
// a fine-tune freezes a backbone's first layers.
const std::set<std::string> kTrained = {"w2", "w3", "scale1", "scale2", "scale3",
                                        "bias1", "bias2", "bias3"};

class GpuRecordedSteps : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    gpu_ = TestGpu();
    if (gpu_ < 0) GTEST_SKIP() << "GOHUB_TEST_GPU is not set";
  }

  // A scope with the program's parameters, zero velocities and a learning rate, and a GPU
  // training executor over it that frees intermediates, recording its runs when asked.
  std::unique_ptr<Executor> Start(const std::shared_ptr<const Program>& program, Scope* scope,
                                  bool record) {
    ExecConfig config;
    config.place = Place{DeviceType::kGPU, gpu_};
    config.gpu_bf16 = true;
    config.gpu_bf16_activations = GetParam();
    config.free_intermediates = true;
    config.record_runs = record;
    return StartTraining(program, scope, kTrained, config);
  }

  int gpu_ = 0;
};

TEST_P(GpuRecordedSteps, RepeatTheStepsRunOpByOp) {
  std::map<std::string, std::string> grads;
  const auto program = TrainingProgram(&grads, kTrained);
  Scope plain_scope, recorded_scope;
  auto plain = Start(program, &plain_scope, false);
  auto recorded = Start(program, &recorded_scope, true);

  const auto step = [&](int k, int64_t batch) {
    const auto x = RandomFloats(batch * kIn * kSide * kSide, 100 + k);
    for (Scope* s : {&plain_scope, &recorded_scope})
      SetTensor(s, "x", {batch, kIn, kSide, kSide}, x);
    plain->Run();
    recorded->Launch();  // as the fine-tune loop runs a GPU step
    recorded->Wait();
    EXPECT_EQ(HostValues(*recorded_scope.FindLocal("loss")),
              HostValues(*plain_scope.FindLocal("loss")))
        << "step " << k;
  };
  step(0, kBatch);  // op by op
  EXPECT_FALSE(recorded->last_run_recorded());
  for (int k = 1; k < 5; ++k) {  // recorded at step 1, that recording launched from then on
    step(k, kBatch);
    EXPECT_TRUE(recorded->last_run_recorded()) << "step " << k;
  }
  EXPECT_EQ(recorded->recordings(), 1);

  // New values in the frozen filter, as a checkpoint's loading writes them (in place, on the
  // device): the next launches convert it to bfloat16 again.
  const auto w1 = RandomFloats(kOut * kIn * 9, 77, -0.5f, 0.5f);
  for (Scope* s : {&plain_scope, &recorded_scope}) {
    Tensor value;
    value.Resize({kOut, kIn, 3, 3});
    std::copy(w1.begin(), w1.end(), value.mutable_data<float>());
    Tensor* var = s->FindLocal("w1");
    CopyTensor(value, var->place(), var);
  }
  for (int k = 5; k < 8; ++k) step(k, kBatch);
  EXPECT_TRUE(recorded->last_run_recorded());
  EXPECT_EQ(recorded->recordings(), 1);

  // Another batch size: op by op, then recorded again.
  step(8, kBatch + 1);
  EXPECT_FALSE(recorded->last_run_recorded());
  step(9, kBatch + 1);
  step(10, kBatch + 1);
  EXPECT_TRUE(recorded->last_run_recorded());
  EXPECT_EQ(recorded->recordings(), 2);

  std::vector<std::string> state = {"mean1", "var1", "mean2", "var2", "mean3", "var3", "w1"};
  for (const std::string& p : kTrained) {
    state.push_back(p);
    state.push_back(p + "_velocity");
  }
  for (const std::string& name : state)
    EXPECT_EQ(HostValues(*recorded_scope.FindLocal(name)), HostValues(*plain_scope.FindLocal(name)))
        << name;
  EXPECT_EQ(DeviceRegistry::Global().Get(DeviceType::kGPU).BuffersLostToRecording(gpu_), 0u);
}

// A matrix product marked for bfloat16 (AMP's mul, as an fc head has it) in a recorded step: its
// operands' bfloat16 copies, of the weight and of a batch norm's output (itself kept in bfloat16
// with the activations switch on, widened for the product), are made inside the recording at
// each launch, and the steps repeat the steps run op by op.
TEST_P(GpuRecordedSteps, RepeatABf16ProductRunOpByOp) {
  Net net;
  net.Stem();
  net.Declare("wfc", true);
  for (const char* v : {"h", "loss"}) net.Declare(v);
  net.Add(OpBuilder("mul").In("X", {"b2"}).In("Y", {"wfc"}).Out("Out", {"h"})
              .Int("x_num_col_dims", 1).Int("y_num_col_dims", 1)
              .String("mkldnn_data_type", "bfloat16"));
  net.Add(OpBuilder("mean").In("X", {"h"}).Out("Out", {"loss"}));
  std::map<std::string, std::string> grads;
  const auto program = net.Train(&grads, {"w2", "wfc"});
  const int64_t features = kOut * kSide * kSide, classes = 4;
  Scope plain_scope, recorded_scope;
  for (Scope* s : {&plain_scope, &recorded_scope}) {
    SetTensor(s, "wfc", {features, classes}, RandomFloats(features * classes, 5, -0.2f, 0.2f));
    SetTensor(s, "wfc_velocity", {features, classes},
              std::vector<float>(features * classes, 0.0f));
  }
  auto plain = Start(program, &plain_scope, false);
  auto recorded = Start(program, &recorded_scope, true);
  for (int k = 0; k < 5; ++k) {
    plain->Run();
    recorded->Launch();
    recorded->Wait();
    EXPECT_EQ(recorded->last_run_recorded(), k > 0) << "step " << k;
    EXPECT_EQ(HostValues(*recorded_scope.FindLocal("loss")),
              HostValues(*plain_scope.FindLocal("loss")))
        << "step " << k;
  }
  for (const char* name : {"wfc", "wfc_velocity", "w2", "w2_velocity"})
    EXPECT_EQ(HostValues(*recorded_scope.FindLocal(name)), HostValues(*plain_scope.FindLocal(name)))
        << name;
}

// Training dropout draws its mask on the host at each step: a step with it is never recorded,
// and runs op by op as the plain executor runs it.
TEST_P(GpuRecordedSteps, LeaveADropoutStepOpByOp) {
  Net net;
  net.Stem();
  for (const char* v : {"d", "mask", "loss"}) net.Declare(v);
  net.Add(OpBuilder("dropout").In("X", {"b2"}).Out("Out", {"d"}).Out("Mask", {"mask"})
              .Float("dropout_prob", 0.3f).Bool("is_test", false).Bool("fix_seed", true)
              .Int("seed", 7).String("dropout_implementation", "upscale_in_train"));
  net.Add(OpBuilder("mean").In("X", {"d"}).Out("Out", {"loss"}));
  std::map<std::string, std::string> grads;
  const auto program = net.Train(&grads, {"w2", "scale2"});
  Scope plain_scope, recorded_scope;
  auto plain = Start(program, &plain_scope, false);
  auto recorded = Start(program, &recorded_scope, true);
  for (int k = 0; k < 4; ++k) {
    plain->Run();
    recorded->Run();
    EXPECT_FALSE(recorded->last_run_recorded()) << "step " << k;
    EXPECT_EQ(HostValues(*recorded_scope.FindLocal("loss")),
              HostValues(*plain_scope.FindLocal("loss")))
        << "step " << k;
  }
  EXPECT_EQ(recorded->recordings(), 0);
  EXPECT_EQ(DeviceRegistry::Global().Get(DeviceType::kGPU).BuffersLostToRecording(gpu_), 0u);
}

INSTANTIATE_TEST_SUITE_P(Precisions, GpuRecordedSteps, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "Bf16Activations" : "Float32"; });

}  // namespace
}  // namespace pd::test
