// The real Paddle-Lite models run end to end through the C API and agree with real Paddle-Lite
// (testdata/lite, written by scripts/oracle/lite_golden.py with paddlelite 2.12): LAC tags
// identical, face detections and mask scores within 1e-4. The inputs are the oracle's own
// (word ids; the resized uint8 images, normalised here exactly as the script does in float32).
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "case_runner.h"
#include "lite_files.h"
#include "mini_json.h"
#include "pd_ext.h"
#include "pd_inference_api.h"

namespace pd::testing {
namespace {

using test::Json;
using test::TestdataDir;

Json Golden(const std::string& name) {
  return Json::Parse(ReadBytes(TestdataDir("lite") + "/" + name));
}

struct PredictorDeleter {
  void operator()(PD_Predictor* p) const { PD_PredictorDestroy(p); }
};
struct TensorDeleter {
  void operator()(PD_Tensor* t) const { PD_TensorDestroy(t); }
};
using PredictorPtr = std::unique_ptr<PD_Predictor, PredictorDeleter>;
using TensorPtr = std::unique_ptr<PD_Tensor, TensorDeleter>;

PredictorPtr Load(const std::string& nb) {
  PD_Config* cfg = PD_ConfigCreate();
  PD_ConfigSetModel(cfg, nb.c_str(), "");
  PD_Predictor* p = PD_PredictorCreate(cfg);
  EXPECT_NE(p, nullptr) << PD_GetLastError();
  return PredictorPtr(p);
}

std::vector<std::string> Names(PD_OneDimArrayCstr* arr) {
  std::vector<std::string> out(arr->data, arr->data + arr->size);
  PD_OneDimArrayCstrDestroy(arr);
  return out;
}

std::vector<int32_t> Shape(PD_Tensor* t) {
  PD_OneDimArrayInt32* s = PD_TensorGetShape(t);
  std::vector<int32_t> out(s->data, s->data + s->size);
  PD_OneDimArrayInt32Destroy(s);
  return out;
}

int64_t Numel(const std::vector<int32_t>& s) {
  int64_t n = 1;
  for (int32_t d : s) n *= d;
  return n;
}

void SetLoD(PD_Tensor* t, std::vector<size_t> offsets) {
  PD_OneDimArraySize level{offsets.size(), offsets.data()};
  PD_OneDimArraySize* levels[1] = {&level};
  PD_TwoDimArraySize lod{1, levels};
  PD_TensorSetLod(t, &lod);
}

std::vector<float> Floats(const Json& values) {
  std::vector<float> out;
  for (const Json& v : values.array()) out.push_back(static_cast<float>(v.number()));
  return out;
}

// Runs LAC on ids (one sequence per entry of lengths) and returns the tag ids.
std::vector<int64_t> RunLac(PD_Predictor* p, const std::vector<int64_t>& ids,
                            const std::vector<size_t>& offsets) {
  TensorPtr in(PD_PredictorGetInputHandle(p, "words"));
  int32_t shape[2] = {static_cast<int32_t>(ids.size()), 1};
  PD_TensorReshape(in.get(), 2, shape);
  PD_TensorCopyFromCpuInt64(in.get(), ids.data());
  SetLoD(in.get(), offsets);
  EXPECT_TRUE(PD_PredictorRun(p)) << PD_GetLastError();
  std::vector<std::string> outs = Names(PD_PredictorGetOutputNames(p));
  TensorPtr out(PD_PredictorGetOutputHandle(p, outs.at(0).c_str()));
  std::vector<int64_t> tags(static_cast<size_t>(Numel(Shape(out.get()))));
  EXPECT_EQ(PD_TensorGetDataType(out.get()), PD_DATA_INT64);
  PD_TensorCopyToCpuInt64(out.get(), tags.data());
  return tags;
}

TEST(LiteRun, LacLiteTagsMatchPaddleLite) {
  PD_REQUIRE_FILE(LacLiteNb());
  Json golden = Golden("lac_lite.json");
  PredictorPtr p = Load(LacLiteNb());
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(Names(PD_PredictorGetInputNames(p.get())), std::vector<std::string>{"words"});
  EXPECT_EQ(Names(PD_PredictorGetOutputNames(p.get())),
            std::vector<std::string>{"save_infer_model/scale_0"});
  const auto& cases = golden["cases"].array();
  ASSERT_GE(cases.size(), 40u);
  std::vector<int64_t> all_ids, all_tags;
  std::vector<size_t> offsets{0};
  for (const Json& c : cases) {
    std::vector<int64_t> ids, want;
    for (const Json& v : c["ids"].array()) ids.push_back(static_cast<int64_t>(v.number()));
    for (const Json& v : c["tags"].array()) want.push_back(static_cast<int64_t>(v.number()));
    EXPECT_EQ(RunLac(p.get(), ids, {0, ids.size()}), want) << c["text"].str();
    all_ids.insert(all_ids.end(), ids.begin(), ids.end());
    all_tags.insert(all_tags.end(), want.begin(), want.end());
    offsets.push_back(all_ids.size());
  }
  // All sentences as one batch, told apart by the LoD, give the same tags.
  EXPECT_EQ(RunLac(p.get(), all_ids, offsets), all_tags);
}

// The reference pass of reference/paddle_formats.md §3.4: 我 r · 爱 v · 北京 ns · 天安门 ns ·
// 今天 t · 天气 n · 很好 a, where tag.dic gives ns the alias LOC and t the alias TIME.
TEST(LiteRun, LacLiteReferenceSentence) {
  PD_REQUIRE_FILE(LacLiteNb());
  Json first = Golden("lac_lite.json")["cases"].array().at(0);
  ASSERT_EQ(first["text"].str(), "我爱北京天安门今天天气很好");
  std::vector<int64_t> ids;
  for (const Json& v : first["ids"].array()) ids.push_back(static_cast<int64_t>(v.number()));
  PredictorPtr p = Load(LacLiteNb());
  ASSERT_NE(p, nullptr);
  std::vector<int64_t> tags = RunLac(p.get(), ids, {0, ids.size()});
  // tag.dic: id -> name; ids 16-21 and 34-35 carry two names (e.g. ns-B and LOC-B).
  std::map<int64_t, std::vector<std::string>> names;
  for (const std::string& line : [&] {
         std::vector<std::string> lines;
         std::string all = ReadBytes(LiteModelPath("lac_lite/tag.dic")), cur;
         for (char ch : all) {
           if (ch == '\n') lines.push_back(cur), cur.clear();
           else cur += ch;
         }
         return lines;
       }()) {
    size_t tab = line.find('\t');
    if (tab != std::string::npos) names[std::stoll(line.substr(0, tab))].push_back(line.substr(tab + 1));
  }
  const std::vector<std::string> want = {"r-B",  "v-B",  "ns-B", "ns-I", "ns-B", "ns-I", "ns-I",
                                         "t-B",  "t-I",  "n-B",  "n-I",  "a-B",  "a-I"};
  ASSERT_EQ(tags.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    const auto& n = names[tags[i]];
    EXPECT_NE(std::find(n.begin(), n.end(), want[i]), n.end())
        << "char " << i << ": tag " << tags[i] << ", want " << want[i];
  }
}

// Runs an image model on a float CHW input and returns output `name`.
std::vector<float> RunImage(PD_Predictor* p, const std::vector<float>& x,
                            const std::vector<int32_t>& shape, const std::string& name,
                            std::vector<int32_t>* out_shape) {
  std::vector<std::string> inputs = Names(PD_PredictorGetInputNames(p));
  EXPECT_EQ(inputs.size(), 1u);
  TensorPtr in(PD_PredictorGetInputHandle(p, inputs.at(0).c_str()));
  PD_TensorReshape(in.get(), shape.size(), const_cast<int32_t*>(shape.data()));
  PD_TensorCopyFromCpuFloat(in.get(), x.data());
  EXPECT_TRUE(PD_PredictorRun(p)) << PD_GetLastError();
  TensorPtr out(PD_PredictorGetOutputHandle(p, name.c_str()));
  *out_shape = Shape(out.get());
  std::vector<float> v(static_cast<size_t>(Numel(*out_shape)));
  PD_TensorCopyToCpuFloat(out.get(), v.data());
  return v;
}

// PaddleHub pyramidbox_lite_mobile's normalisation of the resized uint8 BGR image, in float32
// as numpy computes it: (x - mean) * 0.007843, HWC -> CHW.
std::vector<float> PyramidboxInput(const Json& g, std::vector<int32_t>* shape) {
  std::string u8 = ReadBytes(TestdataDir("lite") + "/" + g["input_u8"].str());
  const auto& hwc = g["input_hwc"].array();
  const int h = static_cast<int>(hwc[0].number()), w = static_cast<int>(hwc[1].number());
  EXPECT_EQ(u8.size(), static_cast<size_t>(h) * w * 3);
  const float mean[3] = {104.f, 117.f, 123.f};
  const float scale = static_cast<float>(g["scale"].number());
  std::vector<float> x(u8.size());
  for (int c = 0; c < 3; ++c)
    for (int i = 0; i < h * w; ++i)
      x[c * h * w + i] = (static_cast<float>(static_cast<uint8_t>(u8[i * 3 + c])) - mean[c]) * scale;
  *shape = {1, 3, h, w};
  return x;
}

void CheckPyramidbox(const std::string& nb) {
  Json g = Golden("pyramidbox.json");
  PredictorPtr p = Load(nb);
  ASSERT_NE(p, nullptr);
  std::vector<std::string> outs = Names(PD_PredictorGetOutputNames(p.get()));
  std::vector<std::string> want_names;
  for (const Json& n : g["output_names"].array()) want_names.push_back(n.str());
  EXPECT_EQ(outs, want_names);
  std::vector<int32_t> shape, got_shape;
  std::vector<float> x = PyramidboxInput(g, &shape);
  const std::string dets = g["detections"].str();
  std::vector<float> got = RunImage(p.get(), x, shape, dets, &got_shape);
  const Json& want = g["outputs"][dets];
  std::vector<int32_t> want_shape;
  for (const Json& d : want["shape"].array()) want_shape.push_back(static_cast<int32_t>(d.number()));
  ASSERT_EQ(got_shape, want_shape);
  std::vector<float> w = Floats(want["values"]);
  // [label, score, x1, y1, x2, y2] per detection: labels exact, the rest within 1e-4.
  double max_err = 0;
  for (size_t i = 0; i < w.size(); ++i) {
    if (i % 6 == 0) {
      ASSERT_EQ(got[i], w[i]) << "label of detection " << i / 6;
    } else {
      ASSERT_NEAR(got[i], w[i], 1e-4) << "detection " << i / 6 << " field " << i % 6;
      max_err = std::max(max_err, std::abs(double(got[i]) - w[i]));
    }
  }
  // The kept prior indices (int32 in Lite) select the same boxes.
  const std::string index_name = outs.at(1);
  TensorPtr index(PD_PredictorGetOutputHandle(p.get(), index_name.c_str()));
  std::vector<float> want_index = Floats(g["outputs"][index_name]["values"]);
  ASSERT_EQ(Numel(Shape(index.get())), static_cast<int64_t>(want_index.size()));
  std::vector<int64_t> got_index(want_index.size());
  if (PD_TensorGetDataType(index.get()) == PD_DATA_INT32) {
    std::vector<int32_t> v(want_index.size());
    PD_TensorCopyToCpuInt32(index.get(), v.data());
    got_index.assign(v.begin(), v.end());
  } else {
    PD_TensorCopyToCpuInt64(index.get(), got_index.data());
  }
  for (size_t i = 0; i < want_index.size(); ++i)
    EXPECT_EQ(got_index[i], static_cast<int64_t>(want_index[i])) << "index " << i;
  std::cout << "  " << want_shape[0] << " detections, largest error " << max_err << "\n";
}

TEST(LiteRun, PyramidboxV2MatchesPaddleLite) {
  PD_REQUIRE_FILE(PyramidboxV2Nb());
  CheckPyramidbox(PyramidboxV2Nb());
}

// The v0 file holds the same network and weights; Lite 2.12 gave identical outputs for both.
TEST(LiteRun, PyramidboxV0MatchesPaddleLite) {
  PD_REQUIRE_FILE(PyramidboxV0Nb());
  CheckPyramidbox(PyramidboxV0Nb());
}

TEST(LiteRun, MaskDetectorMatchesPaddleLite) {
  PD_REQUIRE_FILE(MaskDetectorNb());
  Json g = Golden("mask_detector.json");
  std::string u8 = ReadBytes(TestdataDir("lite") + "/" + g["input_u8"].str());
  ASSERT_EQ(u8.size(), 128u * 128 * 3);
  // PaddleHub's mask preprocessing: x / 256 - 0.5 in float64, then float32, HWC -> CHW.
  std::vector<float> x(u8.size());
  for (int c = 0; c < 3; ++c)
    for (int i = 0; i < 128 * 128; ++i)
      x[c * 128 * 128 + i] =
          static_cast<float>(static_cast<uint8_t>(u8[i * 3 + c]) / 256.0 - 0.5);
  PredictorPtr p = Load(MaskDetectorNb());
  ASSERT_NE(p, nullptr);
  const std::string out = g["output_names"].array().at(0).str();
  std::vector<int32_t> got_shape;
  std::vector<float> got = RunImage(p.get(), x, {1, 3, 128, 128}, out, &got_shape);
  EXPECT_EQ(got_shape, (std::vector<int32_t>{1, 2}));
  std::vector<float> want = Floats(g["outputs"][out]["values"]);
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-4) << i;
}

}  // namespace
}  // namespace pd::testing
