// Helpers for tests that use the real models in $GOHUB_SHARED (default: ../shared next to the
// repository root) and scratch copies of them in a temporary directory.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

namespace pd::testing {

namespace fs = std::filesystem;

inline std::string SharedDir() {
  const char* env = std::getenv("GOHUB_SHARED");
  if (env != nullptr && *env != '\0') return env;
  return (fs::path(PD_SOURCE_DIR) / ".." / ".." / "shared").lexically_normal().string();
}

// Where the models that real Paddle writes with seeded weights live (scripts/oracle/*_seeded.py,
// `make seeded-models`): $GOHUB_BUILD_MODELS, default build/models in the repository.
inline std::string BuildModelsDir() {
  const char* env = std::getenv("GOHUB_BUILD_MODELS");
  if (env != nullptr && *env != '\0') return env;
  return (fs::path(PD_SOURCE_DIR) / ".." / "build" / "models").lexically_normal().string();
}

// The LAC word-segmentation model (non-combined layout).
inline std::string LacDir() { return SharedDir() + "/models/lac_seg/model"; }
inline bool HaveLac() { return fs::exists(LacDir() + "/__model__"); }

#define PD_REQUIRE_LAC()                                                \
  if (!::pd::testing::HaveLac())                                        \
  GTEST_SKIP() << "the LAC model is not at " << ::pd::testing::LacDir() \
               << " (set GOHUB_SHARED to the directory that holds models/)"

// A test whose seeded model (BuildModelsDir(), `make seeded-models`) is absent: skipped with
// message, or failed under CI=true, where make test writes the seeded models before the tests.
inline bool InCI() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && std::string(ci) == "true";
}

#define PD_MISSING_SEEDED_MODEL(message)                                                  \
  do {                                                                                    \
    if (::pd::testing::InCI())                                                            \
      GTEST_FAIL() << message << " (CI=true: make test writes it before the tests run)"; \
    GTEST_SKIP() << message;                                                              \
  } while (0)

// EXPECT_HAS(text, part): text contains part (gmock is not available here).
inline ::testing::AssertionResult AssertContains(const char* text_expr, const char*,
                                                 const std::string& text, const std::string& part) {
  if (text.find(part) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << text_expr << " is \"" << text << "\", which does not contain \"" << part << "\"";
}
#define EXPECT_HAS(text, part) EXPECT_PRED_FORMAT2(::pd::testing::AssertContains, text, part)

inline std::string ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

inline void WriteBytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

inline void AppendBytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::app);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// A fresh directory removed with everything in it when the object goes away.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "gohub_native_XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

  // Copies the LAC model directory here (as <path>/<sub>) and returns the copy's path.
  std::string CopyLac(const std::string& sub = "lac") const {
    std::string dst = path_ + "/" + sub;
    fs::copy(LacDir(), dst, fs::copy_options::recursive);
    return dst;
  }

 private:
  std::string path_;
};

// The LAC parameters as one combined file: the per-variable files hold exactly one record
// each, so concatenating them in byte-wise sorted name order is the combined format.
inline std::string LacCombinedParams() {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(LacDir())) {
    if (e.path().filename() != "__model__") names.push_back(e.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  std::string bytes;
  for (const auto& n : names) bytes += ReadBytes(LacDir() + "/" + n);
  return bytes;
}

}  // namespace pd::testing
