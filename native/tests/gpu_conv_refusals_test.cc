// How the GPU convolutions and their gradients answer cuDNN's refusals (cuda/conv_algos.h): an
// algorithm cudnnFind listed that then refuses its call gives way to the next; a form
// (channels-last, bfloat16) that cudnnFind refuses outright, or whose every algorithm refuses
// its call, gives way to the next form; a cudnnFind that cannot allocate its scratch runs again
// once the pool has given back what it keeps. The host CUDA's cuDNN makes each refusal on
// request (tests/host_cuda/faults.h). Three training steps must run through it and give what
// they give without it in the form the op falls back to, and the refusals must have been met.
// Another algorithm or layout sums in another order, so the comparison allows float32's
// rounding (bfloat16's where activations are kept in bfloat16, in which an order's last bit
// may turn a rounding); a retried search changes nothing and is compared bit for bit.
//
// Host CUDA only, a real cuDNN refusing nothing on request: ctest runs it with
// GOHUB_TEST_HOSTCUDA_FAULTS=1, plain and channels-last; the CPU-only list leaves it out.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "framework/cuda_backend.h"
#include "gpu_test_net.h"

namespace pd::test {
namespace {

const std::set<std::string> kTrained = {"w1", "w2", "w3", "scale2", "bias3"};

// How a run computes: float32, bfloat16 convolutions (AMP), or bfloat16 convolutions with
// bfloat16 activations between ops.
enum class Precision { kFloat32, kBf16Convs, kBf16Activations };

struct Refusal {
  const char* name;   // the test's
  const char* fault;  // HOSTCUDA_CUDNN_FAULTS
  // The calls the refusals must have met (faults.h logs "<fault> <function>").
  std::vector<const char*> functions;
  Precision precision;  // of the run with the refusals
  Precision fallback;   // of the run without, computing as the refused run falls back to
  double tolerance;     // relative; 0: bit for bit
  bool channels_last;   // meets nothing unless channels-last is on
};

void PrintTo(const Refusal& r, std::ostream* os) { *os << r.name; }

bool ChannelsLastOn() {
  const char* v = std::getenv("GOHUB_CUDA_CHANNELS_LAST");
  return v != nullptr && *v != '\0' && std::string(v) != "0";
}

class GpuConvRefusals : public ::testing::TestWithParam<Refusal> {
 protected:
  void SetUp() override {
    const char* on = std::getenv("GOHUB_TEST_HOSTCUDA_FAULTS");
    if (on == nullptr || std::string(on) != "1")
      GTEST_SKIP() << "GOHUB_TEST_HOSTCUDA_FAULTS is not set (host CUDA only)";
    if (GetParam().channels_last && !ChannelsLastOn())
      GTEST_SKIP() << "channels-last is off: this refusal meets nothing";
    LoadCudaBackend();
    // Per process: ctest runs the plain and the channels-last suites side by side.
    log_ = ::testing::TempDir() + "gpu_conv_refusals_" + std::to_string(getpid()) + "_" +
           GetParam().name + ".log";
    std::remove(log_.c_str());
  }

  // The loss of each of three steps, then the trained parameters, with faults in force.
  std::vector<std::vector<float>> Train(const char* faults, Precision precision) {
    std::map<std::string, std::string> grads;
    const auto program = TrainingProgram(&grads, kTrained);
    ExecConfig config;
    config.place = Place{DeviceType::kGPU, 0};
    config.gpu_bf16 = precision != Precision::kFloat32;
    config.gpu_bf16_activations = precision == Precision::kBf16Activations;
    config.free_intermediates = true;
    setenv("HOSTCUDA_CUDNN_FAULTS", faults, 1);
    setenv("HOSTCUDA_FAULT_LOG", log_.c_str(), 1);
    Scope scope;
    auto exec = StartTraining(program, &scope, kTrained, config);
    std::vector<std::vector<float>> out;
    for (int k = 0; k < 3; ++k) {
      SetTensor(&scope, "x", {kBatch, kIn, kSide, kSide},
                RandomFloats(kBatch * kIn * kSide * kSide, 200 + k));
      exec->Run();
      out.push_back(HostValues(*scope.FindLocal("loss")));
    }
    for (const std::string& p : kTrained) out.push_back(HostValues(*scope.FindLocal(p)));
    unsetenv("HOSTCUDA_CUDNN_FAULTS");
    unsetenv("HOSTCUDA_FAULT_LOG");
    return out;
  }

  // How many refusals of fault in function the log holds.
  int Met(const std::string& fault, const std::string& function) const {
    std::ifstream in(log_);
    int n = 0;
    for (std::string f, fn; in >> f >> fn;) n += f == fault && fn == function;
    return n;
  }

  void TearDown() override {
    if (!log_.empty()) std::remove(log_.c_str());
  }

  std::string log_;
};

TEST_P(GpuConvRefusals, StepsRunThroughThem) {
  const Refusal& r = GetParam();
  const auto expected = Train("", r.fallback);
  const auto got = Train(r.fault, r.precision);
  for (const char* function : r.functions)
    EXPECT_GT(Met(r.fault, function), 0) << r.fault << " was never met in " << function;
  ASSERT_EQ(got.size(), expected.size());
  for (size_t i = 0; i < got.size(); ++i) {
    const std::string what = i < 3 ? "the loss of step " + std::to_string(i)
                                   : "parameter #" + std::to_string(i - 3);
    if (r.tolerance == 0) {
      EXPECT_EQ(got[i], expected[i]) << what;
      continue;
    }
    ASSERT_EQ(got[i].size(), expected[i].size()) << what;
    // Relative to the tensor's largest value: a rounding's effect on a small value is not
    // small relative to it.
    double largest = 0;
    for (const float v : expected[i]) largest = std::max(largest, double(std::fabs(v)));
    for (size_t j = 0; j < got[i].size(); ++j)
      EXPECT_NEAR(got[i][j], expected[i][j], r.tolerance * largest) << what << " [" << j << "]";
  }
}

const char* const kCalls[] = {"cudnnConvolutionForward", "cudnnConvolutionBackwardData",
                              "cudnnConvolutionBackwardFilter"};

INSTANTIATE_TEST_SUITE_P(
    Faults, GpuConvRefusals,
    ::testing::Values(
        // Another algorithm (channels-last: the next form, NCHW, where only one takes NHWC).
        Refusal{"CallFastest", "call-fastest", {kCalls[0], kCalls[1], kCalls[2]},
                Precision::kFloat32, Precision::kFloat32, 1e-5, false},
        Refusal{"CallFastestBf16", "call-fastest", {kCalls[0], kCalls[1], kCalls[2]},
                Precision::kBf16Activations, Precision::kBf16Activations, 1e-2, false},
        Refusal{"FindAlloc", "find-alloc", {"cudnnFind"}, Precision::kBf16Activations,
                Precision::kBf16Activations, 0, false},
        // The convolutions in float32 instead of bfloat16.
        Refusal{"FindBf16", "find-bf16", {"cudnnFind"}, Precision::kBf16Convs,
                Precision::kFloat32, 1e-5, false},
        // The convolutions in NCHW instead of channels-last.
        Refusal{"FindNhwc", "find-nhwc", {"cudnnFind"}, Precision::kFloat32,
                Precision::kFloat32, 1e-5, true},
        Refusal{"CallNhwc", "call-nhwc", {kCalls[0], kCalls[1], kCalls[2]}, Precision::kFloat32,
                Precision::kFloat32, 1e-5, true}),
    [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace pd::test
