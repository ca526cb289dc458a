// The single-op golden cases of testdata/ops (written by real Paddle through
// scripts/oracle/op_golden.py): every case's saved model is loaded by our predictor, fed the
// recorded inputs, and every output must match Paddle's within the case's tolerance
// (integers and booleans exactly). One parameterized test; each case is one test instance.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "framework/predictor.h"
#include "mini_json.h"
#include "model_files.h"

namespace pd::test {
namespace {

namespace fs = std::filesystem;
using ::pd::testing::ReadBytes;

std::string OpsDir() {
  return (fs::path(PD_SOURCE_DIR) / ".." / "testdata" / "ops").lexically_normal().string();
}

std::vector<std::string> CaseNames() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(OpsDir(), ec)) {
    if (fs::exists(e.path() / "case.json")) names.push_back(e.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

DType DTypeFromName(const std::string& s) {
  if (s == "float32") return DType::kFP32;
  if (s == "float64") return DType::kFP64;
  if (s == "int64") return DType::kInt64;
  if (s == "int32") return DType::kInt32;
  if (s == "bool") return DType::kBool;
  if (s == "uint8") return DType::kUInt8;
  if (s == "int8") return DType::kInt8;
  throw Error("case.json: unsupported dtype " + s);
}

struct TensorSpec {
  std::string name;
  DType dtype;
  Dims dims;
  std::string bytes;  // the raw little-endian file
};

TensorSpec ReadSpec(const Json& j, const std::string& dir) {
  TensorSpec t{j["name"].str(), DTypeFromName(j["dtype"].str()), {}, {}};
  for (const Json& d : j["shape"].array()) t.dims.push_back(static_cast<int64_t>(d.number()));
  t.bytes = ReadBytes(dir + "/" + j["file"].str());
  PD_CHECK(t.bytes.size() == static_cast<size_t>(Numel(t.dims)) * SizeOf(t.dtype), "file ",
           j["file"].str(), " holds ", t.bytes.size(), " bytes, not ", DimsToString(t.dims), " ",
           j["dtype"].str());
  return t;
}

// Float outputs: |got - want| <= atol + rtol * |want|, NaN only where Paddle has NaN. On failure
// the message names the element that exceeds its bound by the largest factor.
template <typename F>
::testing::AssertionResult CompareFloats(const F* got, const F* want, int64_t n, double rtol,
                                         double atol) {
  int64_t bad = 0, worst = -1;
  double worst_ratio = 0;
  for (int64_t i = 0; i < n; ++i) {
    const double g = got[i], w = want[i];
    double ratio;
    if (std::isnan(w) || std::isnan(g)) {
      ratio = std::isnan(w) && std::isnan(g) ? 0 : INFINITY;
    } else if (std::isinf(w) || std::isinf(g)) {
      ratio = g == w ? 0 : INFINITY;
    } else {
      ratio = std::abs(g - w) / (atol + rtol * std::abs(w));
    }
    if (ratio > 1) ++bad;
    if (ratio > worst_ratio || worst < 0) worst_ratio = ratio, worst = i;
  }
  if (bad == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << bad << " of " << n << " elements out of tolerance (rtol " << rtol << ", atol " << atol
         << "); worst at index " << worst << ": got " << got[worst] << ", want " << want[worst]
         << ", error " << std::abs(double(got[worst]) - double(want[worst]));
}

template <typename T>
::testing::AssertionResult CompareExact(const T* got, const T* want, int64_t n) {
  int64_t bad = 0, first = -1;
  for (int64_t i = 0; i < n; ++i) {
    if (got[i] != want[i] && bad++ == 0) first = i;
  }
  if (bad == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << bad << " of " << n << " elements differ; first at index "
                                       << first << ": got " << +got[first] << ", want "
                                       << +want[first];
}

::testing::AssertionResult CompareTensor(const Tensor& got, const TensorSpec& want, double rtol,
                                         double atol) {
  if (got.dtype() != want.dtype || got.dims() != want.dims) {
    return ::testing::AssertionFailure()
           << "got " << DTypeName(got.dtype()) << " " << DimsToString(got.dims()) << ", want "
           << DTypeName(want.dtype) << " " << DimsToString(want.dims);
  }
  const int64_t n = got.numel();
  if (n == 0) return ::testing::AssertionSuccess();
  const void* w = want.bytes.data();
  switch (want.dtype) {
    case DType::kFP32:
      return CompareFloats(got.data<float>(), static_cast<const float*>(w), n, rtol, atol);
    case DType::kFP64:
      return CompareFloats(got.data<double>(), static_cast<const double*>(w), n, rtol, atol);
    case DType::kInt64:
      return CompareExact(got.data<int64_t>(), static_cast<const int64_t*>(w), n);
    case DType::kInt32:
      return CompareExact(got.data<int32_t>(), static_cast<const int32_t*>(w), n);
    case DType::kBool:
      return CompareExact(got.data<bool>(), static_cast<const bool*>(w), n);
    case DType::kUInt8:
      return CompareExact(got.data<uint8_t>(), static_cast<const uint8_t*>(w), n);
    case DType::kInt8:
      return CompareExact(got.data<int8_t>(), static_cast<const int8_t*>(w), n);
    default:
      return ::testing::AssertionFailure() << "no comparison for " << DTypeName(want.dtype);
  }
}

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

    for (const Json& j : meta["inputs"].array()) {
      const TensorSpec spec = ReadSpec(j, dir);
      Tensor* t = predictor->Input(spec.name);
      t->Resize(spec.dims);
      std::memcpy(t->mutable_data(spec.dtype), spec.bytes.data(), spec.bytes.size());
    }
    predictor->Run();

    const auto& outputs = meta["outputs"].array();
    std::vector<std::string> want_names;
    for (const Json& j : outputs) want_names.push_back(j["name"].str());
    ASSERT_EQ(predictor->output_names(), want_names) << "fetch targets differ";
    const double rtol = meta["tolerance"]["rtol"].number();
    const double atol = meta["tolerance"]["atol"].number();
    for (const Json& j : outputs) {
      const TensorSpec spec = ReadSpec(j, dir);
      EXPECT_TRUE(CompareTensor(*predictor->Output(spec.name), spec, rtol, atol))
          << "case " << GetParam() << ", output " << spec.name;
    }
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
