// The gradient golden cases of testdata/grads (written by real Paddle's append_backward through
// scripts/oracle/grad_golden.py). Per case, two checks:
// - Paddle's own backward program runs on our executor over one writable scope (feeds and
//   initial parameters from the files): the loss and every gradient match Paddle's values, which
//   checks the grad kernels;
// - our AppendBackward on the forward program gives the same grad ops, in the same order, with
//   the same renamed fan-out gradients, and the same values, which checks the backward builder.
// With GOHUB_TEST_GPU=<id> (scripts/device/check.sh on a GPU machine) the programs run on that
// GPU wherever the CUDA backend has the op's kernel, and the same checks hold there.
#include <gtest/gtest.h>

#include <cstring>
#include <set>
#include <string>
#include <vector>

#include "case_runner.h"
#include "framework/backward.h"
#include "framework/executor.h"
#include "test_util.h"

namespace pd::test {
namespace {

using ::pd::testing::ReadBytes;

std::string GradsDir() { return TestdataDir("grads"); }
std::vector<std::string> CaseNames() { return CaseDirs(GradsDir()); }

// Where the cases run: the CPU, or the GPU GOHUB_TEST_GPU names.
ExecConfig CaseConfig() {
  ExecConfig config;
  const int gpu = TestGpu();
  if (gpu >= 0) config.place = Place{DeviceType::kGPU, gpu};
  return config;
}

// Runs program over a fresh scope holding the case's feeds and parameters; compares the
// outputs with Paddle's; returns the worst error.
double RunAndCompare(std::shared_ptr<const Program> program, const Json& meta,
                     const std::string& dir) {
  Scope scope;
  for (const char* key : {"feeds", "params"}) {
    for (const Json& j : meta[key].array()) {
      const TensorSpec spec = ReadSpec(j, dir);
      Tensor* t = scope.Var(spec.name);
      t->Resize(spec.dims);
      std::memcpy(t->mutable_data(spec.dtype), spec.bytes.data(), spec.bytes.size());
    }
  }
  const ExecConfig config = CaseConfig();
  Executor exec(program, &scope, config);
  exec.Run();
  int on_device = 0;
  for (int i = 0; i < static_cast<int>(program->ops().size()); ++i)
    on_device += exec.PlaceOfOp(i) == config.place && !config.place.is_cpu();
  if (!config.place.is_cpu())
    std::cout << "[ grads    ] " << on_device << " of " << program->ops().size() << " ops on "
              << config.place.ToString() << "\n";
  const double rtol = meta["tolerance"]["rtol"].number();
  const double atol = meta["tolerance"]["atol"].number();
  double worst = 0;
  for (const Json& j : meta["outputs"].array()) {
    const TensorSpec spec = ReadSpec(j, dir);
    const Tensor* got = scope.FindLocal(spec.name);
    if (got == nullptr || !got->initialized()) {
      ADD_FAILURE() << spec.name << " was not computed";
      continue;
    }
    Tensor host;
    if (!got->place().is_cpu()) {
      CopyTensor(*got, Place::CPU(), &host);
      got = &host;
    }
    double err = 0;
    EXPECT_TRUE(CompareTensor(*got, spec, rtol, atol, &err)) << spec.name;
    worst = std::max(worst, err);
  }
  return worst;
}

std::vector<std::string> OpTypes(const proto::ProgramDesc& prog) {
  std::vector<std::string> types;
  for (const auto& op : prog.blocks(0).ops()) types.push_back(op.type());
  return types;
}

class GradCase : public ::testing::TestWithParam<std::string> {};

TEST_P(GradCase, PaddlesBackwardProgramMatches) {
  const std::string dir = GradsDir() + "/" + GetParam();
  const Json meta = Json::Parse(ReadBytes(dir + "/case.json"));
  SCOPED_TRACE("case " + GetParam() + ": " + meta["note"].str());
  try {
    const double worst =
        RunAndCompare(Program::Parse(ReadBytes(dir + "/backward.pdmodel"), "backward.pdmodel"),
                      meta, dir);
    std::cout << "[ grads    ] " << GetParam() << " (Paddle's program): worst error " << worst
              << "\n";
  } catch (const std::exception& e) {
    FAIL() << e.what();
  }
}

TEST_P(GradCase, OurBackwardMatchesPaddles) {
  const std::string dir = GradsDir() + "/" + GetParam();
  const Json meta = Json::Parse(ReadBytes(dir + "/case.json"));
  SCOPED_TRACE("case " + GetParam() + ": " + meta["note"].str());
  try {
    proto::ProgramDesc forward, paddle;
    ASSERT_TRUE(forward.ParseFromString(ReadBytes(dir + "/forward.pdmodel")));
    ASSERT_TRUE(paddle.ParseFromString(ReadBytes(dir + "/backward.pdmodel")));
    std::set<std::string> no_grad;
    for (const Json& j : meta["no_grad_set"].array()) no_grad.insert(j.str());
    const BackwardResult result = AppendBackward(&forward, meta["loss"].str(), no_grad);
    EXPECT_EQ(OpTypes(forward), OpTypes(paddle));
    // The same gradient variables, renamed fan-out contributions included.
    std::set<std::string> ours, theirs;
    for (const auto& op : forward.blocks(0).ops())
      for (const auto& v : op.outputs())
        for (const auto& a : v.arguments())
          if (a.find("@GRAD") != std::string::npos) ours.insert(a);
    for (const auto& op : paddle.blocks(0).ops())
      for (const auto& v : op.outputs())
        for (const auto& a : v.arguments())
          if (a.find("@GRAD") != std::string::npos) theirs.insert(a);
    EXPECT_EQ(ours, theirs);
    // The parameters that got a gradient are those Paddle's case lists.
    std::set<std::string> param_grads, want_param_grads;
    for (const auto& [param, grad] : result.param_grads) param_grads.insert(grad);
    for (const Json& j : meta["params"].array())
      if (theirs.count(j["name"].str() + "@GRAD")) want_param_grads.insert(j["name"].str() + "@GRAD");
    EXPECT_EQ(param_grads, want_param_grads);
    const double worst = RunAndCompare(Program::FromDesc(forward, "our backward"), meta, dir);
    std::cout << "[ grads    ] " << GetParam() << " (our AppendBackward): worst error " << worst
              << "\n";
  } catch (const std::exception& e) {
    FAIL() << e.what();
  }
}

INSTANTIATE_TEST_SUITE_P(GradCases, GradCase, ::testing::ValuesIn(CaseNames()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param;
                         });
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(GradCase);

TEST(GradCasesData, Present) {
  EXPECT_FALSE(CaseNames().empty()) << "no cases in " << GradsDir()
                                    << " (make oracle-grads writes them)";
}

// A forward op on the loss's path without a grad rule is named, not skipped.
TEST(AppendBackward, FailsOnAnOpWithoutAGradRule) {
  const std::string dir = GradsDir() + "/relu_grad";
  proto::ProgramDesc forward;
  ASSERT_TRUE(forward.ParseFromString(ReadBytes(dir + "/forward.pdmodel")));
  for (auto& op : *forward.mutable_blocks(0)->mutable_ops())
    if (op.type() == "relu") op.set_type("swish");
  const Json meta = Json::Parse(ReadBytes(dir + "/case.json"));
  ExpectError([&] { AppendBackward(&forward, meta["loss"].str()); },
              {"swish", "has no gradient rule"});
}

}  // namespace
}  // namespace pd::test
