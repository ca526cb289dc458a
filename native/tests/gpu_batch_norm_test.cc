// Training batch norm on the GPU against the CPU, forward and backward, at a size where each
// channel's sums come in many parts: 102,400 values per channel, in 7 parts of a plain tensor's
// channel, in 200 of a channels-last one's (more than a block of the kernel that adds them has
// threads). With GOHUB_CUDA_CHANNELS_LAST=1 (ctest's second entry) the input is handed over
// channels-last, as a convolution leaves it.
//
// GPU only: run with GOHUB_TEST_GPU=<id> (ctest runs it on the host CUDA backend, the device
// check script on a real GPU); the CPU-only test list leaves it out (CMakeLists.txt).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "framework/backward.h"
#include "framework/device.h"
#include "framework/executor.h"
#include "random_floats.h"
#include "test_util.h"

namespace pd::test {
namespace {

constexpr int64_t kN = 4, kC = 8, kSide = 160;

// y = batch_norm(x) in training mode; loss = mean(y · r), whose gradient gives every element of
// y another weight (a uniform one would leave x's gradient about zero).
std::shared_ptr<const Program> BatchNormProgram() {
  proto::ProgramDesc prog;
  auto* block = AddMainBlock(&prog);
  for (const char* name : {"x", "r", "y", "yr", "loss", "saved_mean", "saved_var"})
    AddVar(block, name, {}, false);
  for (const char* name : {"scale", "bias", "mean", "var"}) AddVar(block, name, {}, true);
  *block->add_ops() = OpBuilder("batch_norm")
                          .In("X", {"x"}).In("Scale", {"scale"}).In("Bias", {"bias"})
                          .In("Mean", {"mean"}).In("Variance", {"var"})
                          .Out("Y", {"y"}).Out("MeanOut", {"mean"}).Out("VarianceOut", {"var"})
                          .Out("SavedMean", {"saved_mean"}).Out("SavedVariance", {"saved_var"})
                          .Float("epsilon", 1e-5f).Float("momentum", 0.9f)
                          .Bool("is_test", false).String("data_layout", "NCHW")
                          .desc();
  *block->add_ops() =
      OpBuilder("elementwise_mul").In("X", {"y"}).In("Y", {"r"}).Out("Out", {"yr"}).desc();
  *block->add_ops() = OpBuilder("mean").In("X", {"yr"}).Out("Out", {"loss"}).desc();
  AppendBackward(&prog, "loss", {"r"});
  return Program::Parse(prog.SerializeAsString(), "batch norm program");
}

void Fill(Scope* scope) {
  const int64_t n = kN * kC * kSide * kSide;
  SetTensor(scope, "x", {kN, kC, kSide, kSide}, RandomFloats(n, 1, -2.0f, 3.0f));
  SetTensor(scope, "r", {kN, kC, kSide, kSide}, RandomFloats(n, 2));
  SetTensor(scope, "scale", {kC}, RandomFloats(kC, 3, 0.5f, 1.5f));
  SetTensor(scope, "bias", {kC}, RandomFloats(kC, 4));
  SetTensor(scope, "mean", {kC}, RandomFloats(kC, 5));
  SetTensor(scope, "var", {kC}, RandomFloats(kC, 6, 0.5f, 1.5f));
}

std::vector<float> Values(const Scope& scope, const std::string& name) {
  Tensor host;
  const Tensor& t = PlainOnHost(Get(scope, name), &host);
  Tensor copy;
  CopyTensor(t, Place::CPU(), &copy);
  return std::vector<float>(copy.data<float>(), copy.data<float>() + copy.numel());
}

double RelativeL2(const std::vector<float>& got, const std::vector<float>& want) {
  double d = 0, n = 0;
  for (size_t i = 0; i < want.size(); ++i) {
    d += (double{got[i]} - want[i]) * (double{got[i]} - want[i]);
    n += double{want[i]} * want[i];
  }
  return std::sqrt(d / n);
}

TEST(GpuBatchNorm, TrainingForwardAndBackwardMatchTheCpuAtManyPartsPerChannel) {
  const int gpu = TestGpu();
  if (gpu < 0) GTEST_SKIP() << "GOHUB_TEST_GPU is not set";
  const Place place{DeviceType::kGPU, gpu};
  const auto program = BatchNormProgram();

  std::map<bool, Scope> scopes;
  for (const bool on_gpu : {false, true}) {
    Scope& scope = scopes[on_gpu];
    Fill(&scope);
    ExecConfig config;
    if (on_gpu) {
      config.place = place;
      const char* cl = std::getenv("GOHUB_CUDA_CHANNELS_LAST");
      if (cl != nullptr && std::string(cl) == "1") {
        // x on the GPU in the kernels' channels-last layout, as a convolution would leave it.
        Device& device = DeviceRegistry::Global().Get(DeviceType::kGPU);
        auto ctx = device.NewContext(place, config);
        auto converter = device.NewLayoutConverter();
        Tensor* x = scope.Var("x");
        Tensor on_device;
        CopyTensor(*x, place, &on_device);
        ASSERT_NE(converter, nullptr);
        ASSERT_TRUE(converter->ToKernelLayout(&on_device, *ctx)) << "x stays plain";
        ctx->Wait();
        ASSERT_NE(on_device.layout(), 0);
        *x = on_device;
      }
    }
    Executor exec(program, &scope, config);
    exec.Run();
  }
  for (const char* name : {"y", "saved_mean", "saved_var", "mean", "var", "loss", "x@GRAD",
                           "scale@GRAD", "bias@GRAD"}) {
    const std::vector<float> want = Values(scopes[false], name);
    const std::vector<float> got = Values(scopes[true], name);
    ASSERT_EQ(got.size(), want.size()) << name;
    EXPECT_LT(RelativeL2(got, want), 1e-5) << name;
  }
}

}  // namespace
}  // namespace pd::test
