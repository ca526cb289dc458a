// Replays a golden case that real Paddle wrote (testdata/ops by scripts/oracle/op_golden.py,
// testdata/models by scripts/oracle/model_golden.py): a case.json naming raw little-endian
// tensor files. FeedInputs gives the recorded inputs to our predictor; CompareVars checks
// variables of the run against Paddle's values within the case's tolerance (integers and
// booleans exactly). Shared by op_cases_test.cc and model_cases_test.cc.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "framework/predictor.h"
#include "mini_json.h"
#include "model_files.h"

namespace pd::test {

// testdata/<sub> of the repository: $GOHUB_TESTDATA/<sub> where the tests run from another
// checkout than the one they were built in (a GPU machine), else the build's own.
inline std::string TestdataDir(const std::string& sub) {
  const char* root = std::getenv("GOHUB_TESTDATA");
  const std::filesystem::path base = root != nullptr && *root != '\0'
                                         ? std::filesystem::path(root)
                                         : std::filesystem::path(PD_SOURCE_DIR) / ".." / "testdata";
  return (base / sub).lexically_normal().string();
}

// The names of root's subdirectories that hold a case.json, sorted; none when root is missing.
inline std::vector<std::string> CaseDirs(const std::string& root) {
  namespace fs = std::filesystem;
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(root, ec)) {
    if (fs::exists(e.path() / "case.json")) names.push_back(e.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

inline DType DTypeFromName(const std::string& s) {
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

// One entry of a case's inputs/outputs lists: {name, dtype, shape, file}, file relative to dir.
inline TensorSpec ReadSpec(const Json& j, const std::string& dir) {
  TensorSpec t{j["name"].str(), DTypeFromName(j["dtype"].str()), {}, {}};
  for (const Json& d : j["shape"].array()) t.dims.push_back(static_cast<int64_t>(d.number()));
  t.bytes = ::pd::testing::ReadBytes(dir + "/" + j["file"].str());
  PD_CHECK(t.bytes.size() == static_cast<size_t>(Numel(t.dims)) * SizeOf(t.dtype), "file ",
           j["file"].str(), " holds ", t.bytes.size(), " bytes, not ", DimsToString(t.dims), " ",
           j["dtype"].str());
  return t;
}

// Float outputs: |got - want| <= atol + rtol * |want|, NaN only where Paddle has NaN. The
// message names the element that exceeds its bound by the largest factor, and the largest
// absolute error, so a passing run's margin is visible too (see CompareTensor's max_error).
template <typename F>
::testing::AssertionResult CompareFloats(const F* got, const F* want, int64_t n, double rtol,
                                         double atol, double* max_error) {
  int64_t bad = 0, worst = -1;
  double worst_ratio = 0, max_abs = 0;
  for (int64_t i = 0; i < n; ++i) {
    const double g = got[i], w = want[i];
    double ratio;
    if (std::isnan(w) || std::isnan(g)) {
      ratio = std::isnan(w) && std::isnan(g) ? 0 : INFINITY;
    } else if (std::isinf(w) || std::isinf(g)) {
      ratio = g == w ? 0 : INFINITY;
    } else {
      ratio = std::abs(g - w) / (atol + rtol * std::abs(w));
      max_abs = std::max(max_abs, std::abs(g - w));
    }
    if (ratio > 1) ++bad;
    if (ratio > worst_ratio || worst < 0) worst_ratio = ratio, worst = i;
  }
  if (max_error != nullptr) *max_error = max_abs;
  if (bad == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << bad << " of " << n << " elements out of tolerance (rtol " << rtol << ", atol " << atol
         << "); worst at index " << worst << ": got " << got[worst] << ", want " << want[worst]
         << ", error " << std::abs(double(got[worst]) - double(want[worst]))
         << "; largest absolute error " << max_abs;
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

// max_error, when given, receives the largest absolute error of a float comparison.
inline ::testing::AssertionResult CompareTensor(const Tensor& got, const TensorSpec& want,
                                                double rtol, double atol,
                                                double* max_error = nullptr) {
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
      return CompareFloats(got.data<float>(), static_cast<const float*>(w), n, rtol, atol,
                           max_error);
    case DType::kFP64:
      return CompareFloats(got.data<double>(), static_cast<const double*>(w), n, rtol, atol,
                           max_error);
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

// Copies every tensor of meta["inputs"] into the predictor's input of that name.
inline void FeedInputs(Predictor& predictor, const Json& meta, const std::string& dir) {
  for (const Json& j : meta["inputs"].array()) {
    const TensorSpec spec = ReadSpec(j, dir);
    Tensor* t = predictor.Input(spec.name);
    t->Resize(spec.dims);
    std::memcpy(t->mutable_data(spec.dtype), spec.bytes.data(), spec.bytes.size());
  }
}

// The fetch target names of meta["outputs"], in order.
inline std::vector<std::string> OutputNames(const Json& meta) {
  std::vector<std::string> names;
  for (const Json& j : meta["outputs"].array()) names.push_back(j["name"].str());
  return names;
}

// Checks each variable of meta[key] (a list of tensor entries) in the predictor's run scope
// against Paddle's value, with the case's tolerance or the entry's own "atol" where it has one
// (model_golden.py gives intermediates an atol scaled to their magnitude); one EXPECT per
// variable. Returns the largest absolute float error seen, for reports.
inline double CompareVars(Predictor& predictor, const Json& meta, const std::string& key,
                          const std::string& dir) {
  const double rtol = meta["tolerance"]["rtol"].number();
  const double atol = meta["tolerance"]["atol"].number();
  double worst = 0;
  for (const Json& j : meta[key].array()) {
    const TensorSpec spec = ReadSpec(j, dir);
    const double var_atol = j.Has("atol") ? j["atol"].number() : atol;
    double err = 0;
    EXPECT_TRUE(CompareTensor(*predictor.Output(spec.name), spec, rtol, var_atol, &err))
        << meta["name"].str() << ", " << key << " " << spec.name;
    worst = std::max(worst, err);
  }
  return worst;
}

}  // namespace pd::test
