// Executor::Prefetch on a GPU: the next step's input, set while a launched step computes, is
// copied in on the context's copy stream, and the next run takes that copy instead of copying.
// Each step's output must be that step's input plus the bias: on the host CUDA backend a copy
// stream's work runs only when something waits for it, so a run that read the prefetched buffer
// without waiting for its copy would see what the buffer held before (two steps back). With
// recorded runs too, whose recording reads the copy's buffer where it was made: the run copies
// the upload into it on the device, and must launch its recording all the same.
//
// GPU only: run with GOHUB_TEST_GPU=<id> (ctest runs it on the host CUDA backend, the device
// check script on a real GPU); the CPU-only test list leaves it out (CMakeLists.txt).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "framework/executor.h"
#include "test_util.h"

namespace pd::test {
namespace {

constexpr int64_t kN = 1000;

std::shared_ptr<const Program> AddBias() {
  proto::ProgramDesc prog;
  auto* block = AddMainBlock(&prog);
  AddVar(block, "x", {}, false);
  AddVar(block, "b", {}, true);
  AddVar(block, "y", {}, false);
  *block->add_ops() =
      OpBuilder("elementwise_add").In("X", {"x"}).In("Y", {"b"}).Out("Out", {"y"}).desc();
  return Program::Parse(prog.SerializeAsString(), "add bias");
}

std::vector<float> Input(int step, int64_t n) {
  std::vector<float> v(n);
  for (int64_t i = 0; i < n; ++i) v[i] = static_cast<float>(step * 10000 + i);
  return v;
}

// Sets x as the C API's PD_ScopeSetVar does: into its own buffer, which a queued copy's view
// makes a new one.
void SetInput(Scope* scope, const std::vector<float>& v) {
  Tensor* x = scope->Var("x");
  x->set_place(Place::CPU());
  x->Resize({static_cast<int64_t>(v.size())});
  float* d = static_cast<float*>(x->mutable_data_for_overwrite(DType::kFP32));
  std::copy(v.begin(), v.end(), d);
}

void ExpectOutput(Scope* scope, int step, int64_t n, const char* what) {
  const Tensor& y = *scope->FindLocal("y");
  ASSERT_TRUE(y.place().is_cpu());
  ASSERT_EQ(y.numel(), n) << what;
  const std::vector<float> want = Input(step, n);
  const float* got = y.data<float>();
  for (int64_t i = 0; i < n; ++i)
    ASSERT_EQ(got[i], want[i] + 0.5f) << what << ", step " << step << ", element " << i;
}

class GpuPrefetch : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    const int gpu = TestGpu();
    if (gpu < 0) GTEST_SKIP() << "GOHUB_TEST_GPU is not set";
    config_.place = Place{DeviceType::kGPU, gpu};
    config_.record_runs = GetParam();
    // The tests' emulated GPU records nothing: its recorded runs are runs op by op.
    if (GetParam()) {
      Device& device = DeviceRegistry::Global().Get(DeviceType::kGPU);
      auto ctx = device.NewContext(config_.place, config_);
      if (device.Record(*ctx, [] {}) == nullptr) GTEST_SKIP() << "the GPU backend cannot record";
    }
    SetTensor(&scope_, "b", {1}, std::vector<float>{0.5f});
  }
  ExecConfig config_;
  Scope scope_;
};

TEST_P(GpuPrefetch, TheNextRunReadsTheInputCopiedBesideTheStep) {
  SetInput(&scope_, Input(0, kN));
  Executor exec(AddBias(), &scope_, config_);
  constexpr int kSteps = 6;
  for (int k = 0; k < kSteps; ++k) {
    exec.Launch();
    const bool more = k + 1 < kSteps;
    if (more) {
      SetInput(&scope_, Input(k + 1, kN));
      exec.Prefetch();
    }
    exec.Wait();
    ExpectOutput(&scope_, k, kN, "launched");
    // After the first step, a run copies only its output home: its input came before it.
    if (k > 0) {
      EXPECT_EQ(exec.copies_in_last_run(), 1) << "step " << k;
    }
    // Recorded from the second step on, and that recording launched from then on.
    if (GetParam()) {
      EXPECT_EQ(exec.last_run_recorded(), k > 0) << "step " << k;
    }
  }
  if (GetParam()) {
    EXPECT_EQ(exec.recordings(), 1);
  }
}

// A value set again after its upload is the one the run reads, copied by the run; a prefetch
// that changes the input's size (a last, smaller batch) takes a new buffer; Run takes uploads as
// Launch does.
TEST_P(GpuPrefetch, AValueSetAgainOrResizedIsTheOneRead) {
  SetInput(&scope_, Input(0, kN));
  Executor exec(AddBias(), &scope_, config_);
  exec.Run();
  ExpectOutput(&scope_, 0, kN, "first run");

  SetInput(&scope_, Input(1, kN));
  exec.Prefetch();
  SetInput(&scope_, Input(2, kN));  // replaces the uploaded value
  exec.Run();
  ExpectOutput(&scope_, 2, kN, "set again after the upload");
  EXPECT_EQ(exec.copies_in_last_run(), 2) << "the run copied the input itself";

  for (int k = 3; k < 6; ++k) {
    const int64_t n = k == 5 ? kN * 2 : kN / 2;  // a smaller batch, then a larger one
    SetInput(&scope_, Input(k, n));
    exec.Prefetch();
    exec.Run();
    ExpectOutput(&scope_, k, n, "resized");
    EXPECT_EQ(exec.copies_in_last_run(), 1) << "step " << k;
  }
}

INSTANTIATE_TEST_SUITE_P(Runs, GpuPrefetch, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "Recorded" : "OpByOp"; });

}  // namespace
}  // namespace pd::test
