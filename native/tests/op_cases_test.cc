// The single-op golden cases of testdata/ops (written by real Paddle through
// scripts/oracle/op_golden.py): every case's saved model is loaded by our predictor, fed the
// recorded inputs, and every output must match Paddle's within the case's tolerance
// (integers and booleans exactly). One parameterized test; each case is one test instance.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "case_runner.h"

namespace pd::test {
namespace {

namespace fs = std::filesystem;
using ::pd::testing::ReadBytes;

std::string OpsDir() { return TestdataDir("ops"); }
std::vector<std::string> CaseNames() { return CaseDirs(OpsDir()); }

class OpCase : public ::testing::TestWithParam<std::string> {};

TEST_P(OpCase, MatchesPaddle) {
  const std::string dir = OpsDir() + "/" + GetParam();
  try {
    const Json meta = Json::Parse(ReadBytes(dir + "/case.json"));
    SCOPED_TRACE("case " + GetParam() + ": " + meta["note"].str());
    PredictorOptions options;
    options.model.prog_file = dir + "/model.pdmodel";
    // Paddle writes no parameter file for a program without weights.
    if (fs::exists(dir + "/model.pdiparams")) options.model.params_file = dir + "/model.pdiparams";
    auto predictor = Predictor::Create(std::move(options));

    FeedInputs(*predictor, meta, dir);
    predictor->Run();

    ASSERT_EQ(predictor->output_names(), OutputNames(meta)) << "fetch targets differ";
    const double worst = CompareVars(*predictor, meta, "outputs", dir);
    std::cout << "[ ops      ] " << GetParam() << ": worst error " << worst << "\n";
  } catch (const std::exception& e) {
    FAIL() << "case " << GetParam() << ": " << e.what();
  }
}

INSTANTIATE_TEST_SUITE_P(OpCases, OpCase, ::testing::ValuesIn(CaseNames()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param;
                         });
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(OpCase);

// The instances above come from the directory listing; an empty or misplaced testdata/ops
// would otherwise pass silently.
TEST(OpCasesData, Present) {
  EXPECT_FALSE(CaseNames().empty()) << "no cases in " << OpsDir()
                                    << " (make oracle-ops writes them)";
}

}  // namespace
}  // namespace pd::test
