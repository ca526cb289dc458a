// Whole real models against real Paddle: the cases of testdata/models (written by
// scripts/oracle/model_golden.py) name a model read in place - from $GOHUB_SHARED, or from
// $GOHUB_BUILD_MODELS (default build/models) for the ones Paddle writes with seeded weights
// (make seeded-models) - and Paddle's outputs and some intermediate variables for one input.
// Our predictor must reproduce them within the case's tolerance; a case whose model is absent
// is skipped with a message naming how to get it (a seeded one fails under CI=true).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <numeric>
#include <string>
#include <tuple>
#include <vector>

#include "case_runner.h"

namespace pd::test {
namespace {

namespace fs = std::filesystem;
using ::pd::testing::ReadBytes;

std::string ModelsDir() { return TestdataDir("models"); }
std::vector<std::string> CaseNames() { return CaseDirs(ModelsDir()); }

using ::pd::testing::BuildModelsDir;

// The case's model files, resolved against the root that case.json names.
ModelSource ModelOf(const Json& model) {
  const std::string root = model["root"].str();
  PD_CHECK(root == "shared" || root == "build", "case.json: unknown model root ", root);
  const std::string base = root == "shared" ? ::pd::testing::SharedDir() : BuildModelsDir();
  ModelSource src;
  if (model.Has("model_dir")) src.model_dir = base + "/" + model["model_dir"].str();
  if (model.Has("prog_file")) src.prog_file = base + "/" + model["prog_file"].str();
  if (model.Has("params_file")) src.params_file = base + "/" + model["params_file"].str();
  return src;
}

// Why the model cannot be tested here, or "" when its files are present.
std::string MissingModel(const Json& model, const ModelSource& src) {
  const std::string program = src.model_dir.empty() ? src.prog_file : src.model_dir + "/__model__";
  for (const std::string& f : {program, src.params_file}) {
    if (f.empty() || fs::exists(f)) continue;
    if (model["root"].str() == "build") {
      return "no " + f + ": `make seeded-models` (scripts/oracle/seeded_models.sh) has real "
             "Paddle write it (set GOHUB_BUILD_MODELS to another directory that holds it)";
    }
    return "no " + f + " (set GOHUB_SHARED to the directory that holds models/)";
  }
  return "";
}

// expect_top: {output, k, classes}: one of classes ranks in the top k of that output's row.
::testing::AssertionResult TopKHasClass(const Tensor& probs, const Json& expect) {
  const auto k = static_cast<size_t>(expect["k"].number());
  const float* p = probs.data<float>();
  std::vector<int64_t> order(static_cast<size_t>(probs.numel()));
  std::iota(order.begin(), order.end(), 0);
  std::partial_sort(order.begin(), order.begin() + k, order.end(),
                    [p](int64_t a, int64_t b) { return p[a] > p[b]; });
  for (size_t i = 0; i < k; ++i) {
    for (const Json& c : expect["classes"].array()) {
      if (order[i] == static_cast<int64_t>(c.number())) return ::testing::AssertionSuccess();
    }
  }
  auto failure = ::testing::AssertionFailure() << "top " << k << " classes are";
  for (size_t i = 0; i < k; ++i) failure << " " << order[i] << " (" << p[order[i]] << ")";
  return failure << "; none of the expected classes";
}

// Each case runs with the graph passes on and off: both must match Paddle.
class ModelCase : public ::testing::TestWithParam<std::tuple<std::string, bool>> {};

TEST_P(ModelCase, MatchesPaddle) {
  const auto& [name, ir_optim] = GetParam();
  const std::string dir = ModelsDir() + "/" + name;
  try {
    const Json meta = Json::Parse(ReadBytes(dir + "/case.json"));
    SCOPED_TRACE("case " + name + ": " + meta["note"].str());
    PredictorOptions options;
    options.ir_optim = ir_optim;
    options.model = ModelOf(meta["model"]);
    const std::string missing = MissingModel(meta["model"], options.model);
    if (!missing.empty()) {
      if (meta["model"]["root"].str() == "build") PD_MISSING_SEEDED_MODEL(missing);
      GTEST_SKIP() << missing;
    }
    auto predictor = Predictor::Create(std::move(options));

    FeedInputs(*predictor, meta, dir);
    predictor->Run();

    ASSERT_EQ(predictor->output_names(), OutputNames(meta)) << "fetch targets differ";
    const double out_err = CompareVars(*predictor, meta, "outputs", dir);
    const double inter_err = CompareVars(*predictor, meta, "intermediates", dir);
    // The margins, for reports: in the XML output (--gtest_output=xml) and in the log.
    RecordProperty("max_abs_error_outputs", std::to_string(out_err));
    RecordProperty("max_abs_error_intermediates", std::to_string(inter_err));
    std::cout << "[ model    ] " << name << (ir_optim ? " (ir_optim on)" : " (ir_optim off)")
              << ": max |ours - Paddle| outputs " << out_err
              << ", intermediates " << inter_err << "\n";

    if (meta.Has("expect_top")) {
      const Json& expect = meta["expect_top"];
      const std::string name =
          predictor->output_names().at(static_cast<size_t>(expect["output"].number()));
      EXPECT_TRUE(TopKHasClass(*predictor->Output(name), expect)) << "output " << name;
    }
  } catch (const std::exception& e) {
    FAIL() << "case " << name << ": " << e.what();
  }
}

INSTANTIATE_TEST_SUITE_P(
    ModelCases, ModelCase, ::testing::Combine(::testing::ValuesIn(CaseNames()), ::testing::Bool()),
    [](const ::testing::TestParamInfo<std::tuple<std::string, bool>>& info) {
      return std::get<0>(info.param) + (std::get<1>(info.param) ? "_ir_on" : "_ir_off");
    });
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(ModelCase);

// memory_optim reuses activation buffers within a run and across runs: the outputs must not
// change by a bit. A first run on other input values leaves stale numbers in the blocks the
// second run takes, so a kernel that read its output before writing it would show.
class ModelCaseMemoryOptim : public ::testing::TestWithParam<std::string> {};

std::vector<std::vector<char>> RunAndCopyOutputs(Predictor& predictor) {
  predictor.Run();
  std::vector<std::vector<char>> outs;
  for (const std::string& name : predictor.output_names()) {
    const Tensor& t = *predictor.Output(name);
    const char* p = static_cast<const char*>(t.raw_data());
    outs.emplace_back(p, p + t.nbytes());
  }
  return outs;
}

// Every float input negated and shifted: values a real input never has.
void PerturbFloatInputs(Predictor& predictor) {
  for (const std::string& name : predictor.input_names()) {
    Tensor* t = predictor.Input(name);
    if (t->dtype() != DType::kFP32) continue;
    float* v = t->mutable_data<float>();
    for (int64_t i = 0; i < t->numel(); ++i) v[i] = 0.5f - 3.0f * v[i];
  }
}

TEST_P(ModelCaseMemoryOptim, ReusedBuffersChangeNoBit) {
  const std::string& name = GetParam();
  const std::string dir = ModelsDir() + "/" + name;
  try {
    const Json meta = Json::Parse(ReadBytes(dir + "/case.json"));
    PredictorOptions options;
    options.model = ModelOf(meta["model"]);
    const std::string missing = MissingModel(meta["model"], options.model);
    if (!missing.empty()) {
      if (meta["model"]["root"].str() == "build") PD_MISSING_SEEDED_MODEL(missing);
      GTEST_SKIP() << missing;
    }
    auto plain = Predictor::Create(options);
    FeedInputs(*plain, meta, dir);
    const auto want = RunAndCopyOutputs(*plain);

    options.memory_optim = true;
    auto reusing = Predictor::Create(options);
    FeedInputs(*reusing, meta, dir);
    PerturbFloatInputs(*reusing);
    reusing->Run();
    FeedInputs(*reusing, meta, dir);
    const auto got = RunAndCopyOutputs(*reusing);
    ASSERT_EQ(got.size(), want.size());
    for (size_t i = 0; i < want.size(); ++i)
      EXPECT_TRUE(got[i] == want[i]) << "output " << reusing->output_names()[i] << " differs";
  } catch (const std::exception& e) {
    FAIL() << "case " << name << ": " << e.what();
  }
}

INSTANTIATE_TEST_SUITE_P(ModelCases, ModelCaseMemoryOptim, ::testing::ValuesIn(CaseNames()),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(ModelCaseMemoryOptim);

// The instances above come from the directory listing; an empty or misplaced testdata/models
// would otherwise pass silently.
TEST(ModelCasesData, Present) {
  EXPECT_FALSE(CaseNames().empty()) << "no cases in " << ModelsDir()
                                    << " (make oracle-models writes them)";
}

}  // namespace
}  // namespace pd::test
