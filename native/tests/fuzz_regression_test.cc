// Replays the fuzzers' kept inputs (native/tests/fuzz_corpus/<target>/: a coverage-minimised
// corpus plus every input that ever made a fuzzer fail, both written by scripts/fuzz.sh)
// through the same code path as the fuzzers: each must load or fail with a message, and never
// crash. The test binary is also run under ASan/UBSan by make test-asan.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "../fuzz/fuzz_inputs.h"
#include "model_files.h"

namespace pd::testing {
namespace {

std::vector<fs::path> Regressions(const std::string& target) {
  fs::path dir = fs::path(PD_SOURCE_DIR) / "tests" / "fuzz_corpus" / target;
  std::vector<fs::path> files;
  if (fs::is_directory(dir)) {
    for (const auto& entry : fs::directory_iterator(dir))
      if (entry.is_regular_file()) files.push_back(entry.path());
  }
  return files;
}

const uint8_t* Bytes(const std::string& s) { return reinterpret_cast<const uint8_t*>(s.data()); }

TEST(FuzzCorpus, Programs) {
  auto files = Regressions("program");
  if (files.empty()) GTEST_SKIP() << "no program fuzzer corpus in the tree";
  for (const auto& f : files) {
    std::string bytes = ReadBytes(f.string());
    EXPECT_TRUE(pd::fuzz::FuzzProgram(Bytes(bytes), bytes.size())) << f.filename();
  }
}

TEST(FuzzCorpus, Params) {
  PD_REQUIRE_LAC();
  auto files = Regressions("params");
  if (files.empty()) GTEST_SKIP() << "no params fuzzer corpus in the tree";
  std::string program = ReadBytes(LacDir() + "/__model__");
  for (const auto& f : files) {
    std::string bytes = ReadBytes(f.string());
    EXPECT_TRUE(pd::fuzz::FuzzParams(program, Bytes(bytes), bytes.size())) << f.filename();
  }
}

TEST(FuzzCorpus, LiteModels) {
  auto files = Regressions("nb");
  if (files.empty()) GTEST_SKIP() << "no nb fuzzer corpus in the tree";
  for (const auto& f : files) {
    std::string bytes = ReadBytes(f.string());
    EXPECT_TRUE(pd::fuzz::FuzzLite(Bytes(bytes), bytes.size())) << f.filename();
  }
}

}  // namespace
}  // namespace pd::testing
