// The C API end to end on the real LAC model: config, predictor, tensors, LoD, clone, run,
// ownership and error reporting.
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <map>
#include <thread>
#include <vector>

#include "framework.pb.h"
#include "model_files.h"
#include "passes/passes.h"
#include "pd_ext.h"
#include "pd_inference_api.h"

namespace pd {
namespace {

using testing::LacDir;
using testing::ReadBytes;
using testing::TempDir;
using testing::WriteBytes;
namespace fs = std::filesystem;

std::string LastError() { return PD_GetLastError(); }

std::vector<std::string> Strings(PD_OneDimArrayCstr* arr) {
  std::vector<std::string> v;
  for (size_t i = 0; arr != nullptr && i < arr->size; ++i) v.emplace_back(arr->data[i]);
  PD_OneDimArrayCstrDestroy(arr);
  return v;
}

// ---- config ----

TEST(CapiConfig, ModelLocationSettersAndGetters) {
  PD_Config* c = PD_ConfigCreate();
  ASSERT_NE(c, nullptr);
  EXPECT_STREQ(PD_ConfigGetModelDir(c), "");
  PD_ConfigSetModel(c, "a.pdmodel", "a.pdiparams");
  EXPECT_STREQ(PD_ConfigGetProgFile(c), "a.pdmodel");
  EXPECT_STREQ(PD_ConfigGetParamsFile(c), "a.pdiparams");
  EXPECT_FALSE(PD_ConfigModelFromMemory(c));
  PD_ConfigSetModelDir(c, "some/dir");
  EXPECT_STREQ(PD_ConfigGetModelDir(c), "some/dir");
  EXPECT_STREQ(PD_ConfigGetProgFile(c), "") << "the last model location set wins";
  PD_ConfigSetProgFile(c, "p");
  PD_ConfigSetParamsFile(c, "q");
  EXPECT_STREQ(PD_ConfigGetProgFile(c), "p");
  EXPECT_STREQ(PD_ConfigGetParamsFile(c), "q");
  EXPECT_STREQ(PD_ConfigGetModelDir(c), "");
  PD_ConfigSetModelBuffer(c, "x", 1, "y", 1);
  EXPECT_TRUE(PD_ConfigModelFromMemory(c));
  PD_ConfigSetModel(c, nullptr, "q");
  EXPECT_NE(LastError().find("PD_ConfigSetModel: the program file path is NULL"),
            std::string::npos);
  PD_ConfigDestroy(c);
}

TEST(CapiConfig, DevicesThreadsAndSwitches) {
  PD_Config* c = PD_ConfigCreate();
  EXPECT_FALSE(PD_ConfigUseGpu(c));
  PD_ConfigEnableUseGpu(c, 256, 1, PD_PRECISION_FLOAT32);
  EXPECT_EQ(LastError(), "");
  EXPECT_TRUE(PD_ConfigUseGpu(c));
  EXPECT_EQ(PD_ConfigGpuDeviceId(c), 1);
  EXPECT_EQ(PD_ConfigMemoryPoolInitSizeMb(c), 256);
  PD_ConfigDisableGpu(c);
  EXPECT_FALSE(PD_ConfigUseGpu(c));

  EXPECT_EQ(PD_ConfigGetCpuMathLibraryNumThreads(c), 1);
  PD_ConfigSetCpuMathLibraryNumThreads(c, 4);
  EXPECT_EQ(PD_ConfigGetCpuMathLibraryNumThreads(c), 4);
  PD_ConfigSetCpuMathLibraryNumThreads(c, 0);
  EXPECT_NE(LastError(), "");
  EXPECT_EQ(PD_ConfigGetCpuMathLibraryNumThreads(c), 4);

  EXPECT_TRUE(PD_ConfigIrOptim(c));
  PD_ConfigSwitchIrOptim(c, FALSE);
  EXPECT_FALSE(PD_ConfigIrOptim(c));
  EXPECT_FALSE(PD_ConfigMemoryOptimEnabled(c));
  PD_ConfigEnableMemoryOptim(c, TRUE);
  EXPECT_TRUE(PD_ConfigMemoryOptimEnabled(c));
  EXPECT_TRUE(PD_ConfigUseFcPadding(c));
  PD_ConfigDisableFCPadding(c);
  EXPECT_FALSE(PD_ConfigUseFcPadding(c));
  PD_ConfigDisableGlogInfo(c);
  EXPECT_TRUE(PD_ConfigGlogInfoDisabled(c));
  EXPECT_TRUE(PD_ConfigIsValid(c));
  PD_ConfigSetInvalid(c);
  EXPECT_FALSE(PD_ConfigIsValid(c));

  // A config starts with the passes this library applies; unknown names are kept (and skipped).
  EXPECT_EQ(Strings(PD_ConfigAllPasses(c)), pd::DefaultPassNames());
  for (const std::string& name : pd::DefaultPassNames()) PD_ConfigDeletePass(c, name.c_str());
  PD_ConfigAppendPass(c, "b");
  PD_ConfigInsertPass(c, 0, "a");
  PD_ConfigAppendPass(c, "c");
  PD_ConfigDeletePass(c, "b");
  EXPECT_EQ(Strings(PD_ConfigAllPasses(c)), (std::vector<std::string>{"a", "c"}));
  PD_ConfigInsertPass(c, 9, "z");
  EXPECT_NE(LastError().find("past the end"), std::string::npos);
  PD_ConfigDestroy(c);
}

TEST(CapiConfig, UnavailableEnginesAreAcceptedAndReportedOff) {
  PD_Config* c = PD_ConfigCreate();
  PD_ConfigEnableTensorRtEngine(c, int64_t{1} << 30, 1, 3, PD_PRECISION_HALF, FALSE, FALSE);
  EXPECT_NE(LastError().find("PD_ConfigEnableTensorRtEngine: TensorRT is not available"),
            std::string::npos)
      << LastError();
  EXPECT_FALSE(PD_ConfigTensorRtEngineEnabled(c));
  EXPECT_EQ(LastError(), "") << "a successful call clears the last error";
  PD_ConfigEnableXpu(c, 16 << 20, FALSE, FALSE, "", "int16", FALSE, FALSE);
  EXPECT_NE(LastError().find("XPU"), std::string::npos);
  EXPECT_FALSE(PD_ConfigUseXpu(c));
  PD_ConfigEnableONNXRuntime(c);
  EXPECT_NE(LastError().find("ONNXRuntime"), std::string::npos);
  EXPECT_FALSE(PD_ConfigONNXRuntimeEnabled(c));
  PD_ConfigEnableLiteEngine(c, PD_PRECISION_FLOAT32, FALSE, 0, nullptr, 0, nullptr);
  EXPECT_FALSE(PD_ConfigLiteEngineEnabled(c));
  PD_ConfigEnableMkldnnInt8(c);
  EXPECT_NE(LastError(), "");
  EXPECT_FALSE(PD_ConfigMkldnnInt8Enabled(c));
  PD_ConfigEnableMKLDNN(c);
  EXPECT_EQ(LastError(), "") << "plain oneDNN only changes speed";
  EXPECT_FALSE(PD_ConfigMkldnnEnabled(c));

  char device[] = "npu";
  PD_ConfigEnableCustomDevice(c, device, 2);
  EXPECT_FALSE(PD_ConfigUseCustomDevice(c));
  EXPECT_EQ(PD_ConfigCustomDeviceId(c), 2);
  char* type = PD_ConfigCustomDeviceType(c);
  EXPECT_STREQ(type, "npu");
  free(type);
  PD_ConfigCollectShapeRangeInfo(c, "shapes.pbtxt");
  const char* path = PD_ConfigShapeRangeInfoPath(c);
  EXPECT_STREQ(path, "shapes.pbtxt");
  free(const_cast<char*>(path));
  EXPECT_FALSE(PD_ConfigShapeRangeInfoCollected(c));
  PD_ConfigDestroy(c);
}

TEST(CapiConfig, SummaryIsATable) {
  PD_Config* c = PD_ConfigCreate();
  PD_ConfigSetModelDir(c, "models/lac");
  PD_ConfigSetCpuMathLibraryNumThreads(c, 3);
  PD_Cstr* s = PD_ConfigSummary(c);
  ASSERT_NE(s, nullptr);
  ASSERT_EQ(s->size, std::strlen(s->data) + 1);
  std::string text = s->data;
  EXPECT_NE(text.find("| model_dir"), std::string::npos) << text;
  EXPECT_NE(text.find("models/lac"), std::string::npos) << text;
  EXPECT_NE(text.find("| cpu_math_thread"), std::string::npos) << text;
  PD_CstrDestroy(s);
  PD_ConfigDestroy(c);
}

TEST(CapiConfig, NullHandlesFailWithAMessage) {
  EXPECT_FALSE(PD_ConfigUseGpu(nullptr));
  EXPECT_EQ(LastError(), "PD_ConfigUseGpu: the config is NULL");
  PD_ConfigSetModelDir(nullptr, "x");
  EXPECT_EQ(LastError(), "PD_ConfigSetModelDir: the config is NULL");
  EXPECT_EQ(PD_PredictorCreate(nullptr), nullptr);
  EXPECT_EQ(LastError(), "PD_PredictorCreate: the config is NULL");
  EXPECT_FALSE(PD_PredictorRun(nullptr));
  EXPECT_EQ(PD_PredictorGetInputNames(nullptr), nullptr);
  EXPECT_EQ(PD_TensorGetShape(nullptr), nullptr);
  EXPECT_EQ(LastError(), "PD_TensorGetShape: the tensor is NULL");
}

TEST(CapiUtils, DestroyFunctionsAreNullSafe) {
  PD_ConfigDestroy(nullptr);
  PD_PredictorDestroy(nullptr);
  PD_TensorDestroy(nullptr);
  PD_OneDimArrayInt32Destroy(nullptr);
  PD_OneDimArrayInt64Destroy(nullptr);
  PD_OneDimArraySizeDestroy(nullptr);
  PD_OneDimArrayCstrDestroy(nullptr);
  PD_TwoDimArraySizeDestroy(nullptr);
  PD_CstrDestroy(nullptr);
  PD_IOInfoDestroy(nullptr);
  PD_IOInfosDestroy(nullptr);
}

TEST(CapiVersion, SaysItIsGohub) {
  std::string v = PD_GetVersion();
  EXPECT_EQ(v.rfind("version: 2.6.0\ncommit: ", 0), 0u) << v;
  EXPECT_NE(v.find("\nbranch: gohub-native"), std::string::npos) << v;
}

// ---- predictor on the LAC model ----

PD_Predictor* CreateFromDir(const std::string& dir) {
  PD_Config* c = PD_ConfigCreate();
  PD_ConfigSetModelDir(c, dir.c_str());
  return PD_PredictorCreate(c);  // takes c
}

PD_Predictor* CreateFromFiles(const std::string& prog, const std::string& params) {
  PD_Config* c = PD_ConfigCreate();
  PD_ConfigSetModel(c, prog.c_str(), params.c_str());
  return PD_PredictorCreate(c);
}

// Sets ids as one sequence on the predictor's "words" input.
void Feed(PD_Predictor* p, const std::vector<int64_t>& ids) {
  PD_Tensor* in = PD_PredictorGetInputHandle(p, "words");
  ASSERT_NE(in, nullptr) << LastError();
  int32_t shape[2] = {static_cast<int32_t>(ids.size()), 1};
  PD_TensorReshape(in, 2, shape);
  PD_TensorCopyFromCpuInt64(in, ids.data());
  size_t offsets[2] = {0, ids.size()};
  PD_OneDimArraySize level{2, offsets};
  PD_OneDimArraySize* levels[1] = {&level};
  PD_TwoDimArraySize lod{1, levels};
  PD_TensorSetLod(in, &lod);
  ASSERT_EQ(LastError(), "");
  PD_TensorDestroy(in);
}

// Runs and returns the tag of every id.
std::vector<int64_t> Tags(PD_Predictor* p, const std::vector<int64_t>& ids) {
  Feed(p, ids);
  EXPECT_TRUE(PD_PredictorRun(p)) << LastError();
  PD_Tensor* out = PD_PredictorGetOutputHandle(p, "save_infer_model/scale_0");
  EXPECT_NE(out, nullptr) << LastError();
  if (out == nullptr) return {};
  EXPECT_EQ(PD_TensorGetDataType(out), PD_DATA_INT64) << "crf_decoding writes int64";
  PD_OneDimArrayInt32* shape = PD_TensorGetShape(out);
  std::vector<int64_t> tags;
  if (shape != nullptr && shape->size == 2 && shape->data[1] == 1) {
    tags.resize(static_cast<size_t>(shape->data[0]));
    PD_TensorCopyToCpuInt64(out, tags.data());
    EXPECT_EQ(LastError(), "");
  } else {
    ADD_FAILURE() << "unexpected output shape";
  }
  PD_OneDimArrayInt32Destroy(shape);
  PD_TensorDestroy(out);
  return tags;
}

// The ids of the characters of text in the LAC vocabulary (conf/word.dic).
std::vector<int64_t> LacIds(const std::string& text) {
  std::map<std::string, int64_t> vocab;
  std::ifstream in(LacDir() + "/../conf/word.dic");
  std::string line;
  while (std::getline(in, line)) {
    size_t tab = line.find('\t');
    if (tab != std::string::npos) vocab[line.substr(tab + 1)] = std::stoll(line.substr(0, tab));
  }
  std::vector<int64_t> ids;
  for (size_t i = 0; i < text.size();) {
    unsigned char b = static_cast<unsigned char>(text[i]);
    size_t len = b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
    auto it = vocab.find(text.substr(i, len));
    ids.push_back(it != vocab.end() ? it->second : vocab["OOV"]);
    i += len;
  }
  return ids;
}

class CapiPredictor : public ::testing::Test {
 protected:
  void SetUp() override {
    PD_REQUIRE_LAC();
    p_ = CreateFromDir(LacDir());
    ASSERT_NE(p_, nullptr) << LastError();
  }
  void TearDown() override { PD_PredictorDestroy(p_); }

  PD_Predictor* p_ = nullptr;
};

TEST_F(CapiPredictor, NamesAndInfosComeFromTheProgram) {
  EXPECT_EQ(PD_PredictorGetInputNum(p_), 1u);
  EXPECT_EQ(PD_PredictorGetOutputNum(p_), 1u);
  EXPECT_EQ(Strings(PD_PredictorGetInputNames(p_)), std::vector<std::string>{"words"});
  EXPECT_EQ(Strings(PD_PredictorGetOutputNames(p_)),
            std::vector<std::string>{"save_infer_model/scale_0"});

  PD_IOInfos* in = PD_PredictorGetInputInfos(p_);
  ASSERT_NE(in, nullptr);
  ASSERT_EQ(in->size, 1u);
  EXPECT_STREQ(in->io_info[0]->name->data, "words");
  EXPECT_EQ(in->io_info[0]->name->size, 6u);
  ASSERT_EQ(in->io_info[0]->shape->size, 2u);
  EXPECT_EQ(in->io_info[0]->shape->data[0], -1);
  EXPECT_EQ(in->io_info[0]->shape->data[1], 1);
  EXPECT_EQ(in->io_info[0]->dtype, PD_DATA_INT64);
  PD_IOInfosDestroy(in);

  PD_IOInfos* out = PD_PredictorGetOutputInfos(p_);
  ASSERT_NE(out, nullptr);
  ASSERT_EQ(out->size, 1u);
  EXPECT_STREQ(out->io_info[0]->name->data, "save_infer_model/scale_0");
  EXPECT_EQ(out->io_info[0]->dtype, PD_DATA_FLOAT32) << "declared type, from the VarDesc";
  PD_IOInfosDestroy(out);

  EXPECT_EQ(PD_PredictorGetInputHandle(p_, "word_emb"), nullptr);
  EXPECT_NE(LastError().find("'word_emb' is not an input"), std::string::npos) << LastError();
  EXPECT_EQ(PD_PredictorGetOutputHandle(p_, nullptr), nullptr);
}

TEST_F(CapiPredictor, InputTensorReshapeCopyAndLod) {
  PD_Tensor* t = PD_PredictorGetInputHandle(p_, "words");
  ASSERT_NE(t, nullptr);
  EXPECT_STREQ(PD_TensorGetName(t), "words");
  EXPECT_EQ(PD_TensorGetDataType(t), PD_DATA_INT64) << "declared type before any data";
  PD_TensorCopyFromCpuInt64(t, nullptr);
  EXPECT_NE(LastError().find("call PD_TensorReshape first"), std::string::npos) << LastError();

  int32_t shape[2] = {5, 1};
  PD_TensorReshape(t, 2, shape);
  PD_OneDimArrayInt32* got = PD_TensorGetShape(t);
  ASSERT_EQ(got->size, 2u);
  EXPECT_EQ(got->data[0], 5);
  EXPECT_EQ(got->data[1], 1);
  PD_OneDimArrayInt32Destroy(got);

  const int64_t ids[5] = {7, 8, 9, 10, 11};
  PD_TensorCopyFromCpuInt64(t, ids);
  int64_t back[5] = {};
  PD_TensorCopyToCpuInt64(t, back);
  EXPECT_EQ(0, std::memcmp(ids, back, sizeof(ids)));
  PD_PlaceType place = PD_PLACE_UNK;
  int32_t size = 0;
  int64_t* data = PD_TensorDataInt64(t, &place, &size);
  ASSERT_NE(data, nullptr);
  EXPECT_EQ(place, PD_PLACE_CPU);
  EXPECT_EQ(size, 5);
  EXPECT_EQ(data[4], 11);

  // Another type must be an error, not a reinterpretation.
  float wrong[5] = {-1, -1, -1, -1, -1};
  PD_TensorCopyToCpuFloat(t, wrong);
  EXPECT_NE(LastError().find("holds int64, not float32; use the Int64 variant"), std::string::npos)
      << LastError();
  EXPECT_EQ(wrong[0], -1.f);
  EXPECT_EQ(PD_TensorDataFloat(t, &place, &size), nullptr);

  // LoD round trip; the caller keeps its arrays.
  size_t l0[3] = {0, 2, 5};
  PD_OneDimArraySize level{3, l0};
  PD_OneDimArraySize* levels[1] = {&level};
  PD_TwoDimArraySize lod{1, levels};
  PD_TensorSetLod(t, &lod);
  EXPECT_EQ(LastError(), "");
  l0[1] = 3;  // changing the caller's copy must not change the tensor
  PD_TwoDimArraySize* back_lod = PD_TensorGetLod(t);
  ASSERT_EQ(back_lod->size, 1u);
  ASSERT_EQ(back_lod->data[0]->size, 3u);
  EXPECT_EQ(back_lod->data[0]->data[1], 2u);
  EXPECT_EQ(back_lod->data[0]->data[2], 5u);
  PD_TwoDimArraySizeDestroy(back_lod);

  // Malformed LoDs are refused and leave the old one in place.
  size_t short_end[2] = {0, 4};
  level = {2, short_end};
  PD_TensorSetLod(t, &lod);
  EXPECT_NE(LastError().find("ends at 4 but the tensor has 5 rows"), std::string::npos)
      << LastError();
  size_t bad_start[2] = {1, 5};
  level = {2, bad_start};
  PD_TensorSetLod(t, &lod);
  EXPECT_NE(LastError().find("must start at 0"), std::string::npos) << LastError();
  PD_TensorSetLod(t, nullptr);
  EXPECT_NE(LastError(), "");
  back_lod = PD_TensorGetLod(t);
  EXPECT_EQ(back_lod->data[0]->size, 3u);
  PD_TwoDimArraySizeDestroy(back_lod);

  int32_t negative[2] = {-1, 1};
  PD_TensorReshape(t, 2, negative);
  EXPECT_NE(LastError().find("invalid shape"), std::string::npos);
  EXPECT_EQ(PD_TensorMutableDataFloat(t, PD_PLACE_GPU), nullptr);
  EXPECT_NE(LastError().find("host memory"), std::string::npos) << LastError();
  PD_TensorDestroy(t);
}

TEST_F(CapiPredictor, EveryTypedCopyRoundTrips) {
  PD_Tensor* t = PD_PredictorGetInputHandle(p_, "words");
  int32_t shape[1] = {3};
  PD_TensorReshape(t, 1, shape);

  const float f[3] = {1.5f, -2.f, 3.25f};
  float fb[3];
  PD_TensorCopyFromCpuFloat(t, f);
  PD_TensorCopyToCpuFloat(t, fb);
  EXPECT_EQ(0, std::memcmp(f, fb, sizeof f));
  EXPECT_EQ(PD_TensorGetDataType(t), PD_DATA_FLOAT32) << "runtime type once it holds data";

  const int32_t i32[3] = {-7, 0, 1 << 30};
  int32_t i32b[3];
  PD_TensorCopyFromCpuInt32(t, i32);
  PD_TensorCopyToCpuInt32(t, i32b);
  EXPECT_EQ(0, std::memcmp(i32, i32b, sizeof i32));
  EXPECT_EQ(PD_TensorGetDataType(t), PD_DATA_INT32);

  const uint8_t u8[3] = {0, 128, 255};
  uint8_t u8b[3];
  PD_TensorCopyFromCpuUint8(t, u8);
  PD_TensorCopyToCpuUint8(t, u8b);
  EXPECT_EQ(0, std::memcmp(u8, u8b, sizeof u8));
  EXPECT_EQ(PD_TensorGetDataType(t), PD_DATA_UINT8);

  const int8_t i8[3] = {-128, 0, 127};
  int8_t i8b[3];
  PD_TensorCopyFromCpuInt8(t, i8);
  PD_TensorCopyToCpuInt8(t, i8b);
  EXPECT_EQ(0, std::memcmp(i8, i8b, sizeof i8));
  EXPECT_EQ(PD_TensorGetDataType(t), PD_DATA_INT8);

  float* m = PD_TensorMutableDataFloat(t, PD_PLACE_CPU);
  ASSERT_NE(m, nullptr);
  m[2] = 9.f;
  PD_PlaceType place;
  int32_t size;
  EXPECT_EQ(PD_TensorDataFloat(t, &place, &size)[2], 9.f);
  EXPECT_EQ(size, 3);
  EXPECT_EQ(LastError(), "");
  PD_TensorDestroy(t);
}

TEST_F(CapiPredictor, RunWithoutInputSaysWhichInput) {
  EXPECT_FALSE(PD_PredictorRun(p_));
  EXPECT_NE(LastError().find("input 'words' has no data"), std::string::npos) << LastError();
}

TEST_F(CapiPredictor, SegmentsASentence) {
  // Reference: Paddle's own forward pass (reference/paddle_formats.md §3.3).
  std::vector<int64_t> ids = LacIds("我爱北京天安门今天天气很好我们去公园玩");
  ASSERT_EQ(ids.size(), 19u);
  const std::vector<int64_t> want = {3, 3, 0, 2, 0, 1, 2, 0, 2, 0, 2, 0, 2, 0, 2, 3, 0, 2, 3};
  EXPECT_EQ(Tags(p_, ids), want);

  PD_Tensor* out = PD_PredictorGetOutputHandle(p_, "save_infer_model/scale_0");
  PD_TwoDimArraySize* lod = PD_PredictorRun(p_) ? PD_TensorGetLod(out) : nullptr;
  ASSERT_NE(lod, nullptr) << LastError();
  ASSERT_EQ(lod->size, 1u);
  ASSERT_EQ(lod->data[0]->size, 2u);
  EXPECT_EQ(lod->data[0]->data[1], 19u) << "the output keeps the input's sequences";
  PD_TwoDimArraySizeDestroy(lod);

  PD_PredictorClearIntermediateTensor(p_);
  EXPECT_EQ(LastError(), "");
  std::vector<int64_t> kept(want.size(), -1);
  PD_TensorCopyToCpuInt64(out, kept.data());  // the output survives the clearing
  EXPECT_EQ(LastError(), "");
  EXPECT_EQ(kept, want);
  PD_TensorDestroy(out);
  PD_PredictorTryShrinkMemory(p_);
  EXPECT_EQ(LastError(), "");
  EXPECT_EQ(Tags(p_, ids), want) << "runs again after memory was released";
}

TEST_F(CapiPredictor, ClonesShareWeightsAndRunConcurrently) {
  PD_Predictor* clone = PD_PredictorClone(p_);
  ASSERT_NE(clone, nullptr) << LastError();
  EXPECT_EQ(Strings(PD_PredictorGetInputNames(clone)), std::vector<std::string>{"words"});

  std::vector<int64_t> a = LacIds("我爱北京天安门");
  std::vector<int64_t> b = LacIds("今天天气很好我们去公园玩");
  std::vector<int64_t> want_a = Tags(p_, a), want_b = Tags(p_, b);
  ASSERT_EQ(want_a.size(), a.size());

  std::vector<int64_t> got_a, got_b;
  std::thread ta([&] {
    for (int i = 0; i < 20; ++i) got_a = Tags(p_, a);
  });
  std::thread tb([&] {
    for (int i = 0; i < 20; ++i) got_b = Tags(clone, b);
  });
  ta.join();
  tb.join();
  EXPECT_EQ(got_a, want_a);
  EXPECT_EQ(got_b, want_b);

  // The clone outlives its original: it shares, not borrows, the weights.
  PD_PredictorDestroy(p_);
  p_ = nullptr;
  EXPECT_EQ(Tags(clone, a), want_a);
  PD_PredictorDestroy(clone);
}

TEST_F(CapiPredictor, MemoryOptimKeepsOutputs) {
  PD_Config* c = PD_ConfigCreate();
  PD_ConfigSetModelDir(c, LacDir().c_str());
  PD_ConfigEnableMemoryOptim(c, TRUE);
  PD_ConfigSetCpuMathLibraryNumThreads(c, 2);
  PD_Predictor* p = PD_PredictorCreate(c);
  ASSERT_NE(p, nullptr) << LastError();
  std::vector<int64_t> ids = LacIds("我们去公园玩");
  EXPECT_EQ(Tags(p, ids), Tags(p_, ids));
  EXPECT_EQ(PD_PredictorTryShrinkMemory(p), 0u) << "nothing left to release after a run";
  PD_PredictorDestroy(p);
}

// ---- layouts and failures through the C API ----

TEST(CapiLayouts, EveryLayoutLoads) {
  PD_REQUIRE_LAC();
  TempDir tmp;
  std::string program = ReadBytes(LacDir() + "/__model__");
  std::string params = testing::LacCombinedParams();
  fs::create_directory(tmp / "combined");
  WriteBytes(tmp / "combined/__model__", program);
  WriteBytes(tmp / "combined/__params__", params);
  WriteBytes(tmp / "model", program);
  WriteBytes(tmp / "params", params);
  WriteBytes(tmp / "inference.pdmodel", program);
  WriteBytes(tmp / "inference.pdiparams", params);

  std::vector<PD_Predictor*> ps = {
      CreateFromDir(tmp / "combined"),
      CreateFromFiles(tmp / "combined/__model__", tmp / "combined/__params__"),
      CreateFromFiles(tmp / "model", tmp / "params"),
      CreateFromFiles(tmp / "inference.pdmodel", tmp / "inference.pdiparams"),
  };
  PD_Config* c = PD_ConfigCreate();
  PD_ConfigSetModelBuffer(c, program.data(), program.size(), params.data(), params.size());
  EXPECT_TRUE(PD_ConfigModelFromMemory(c));
  ps.push_back(PD_PredictorCreate(c));
  for (size_t i = 0; i < ps.size(); ++i) {
    ASSERT_NE(ps[i], nullptr) << "layout " << i << ": " << LastError();
    EXPECT_EQ(Strings(PD_PredictorGetInputNames(ps[i])), std::vector<std::string>{"words"});
    PD_PredictorDestroy(ps[i]);
  }
}

TEST(CapiLayouts, FailuresNameTheFile) {
  PD_REQUIRE_LAC();
  TempDir tmp;
  std::string params = testing::LacCombinedParams();
  WriteBytes(tmp / "model", ReadBytes(LacDir() + "/__model__"));
  WriteBytes(tmp / "params", params.substr(0, params.size() / 2));
  EXPECT_EQ(CreateFromFiles(tmp / "model", tmp / "params"), nullptr);
  EXPECT_NE(LastError().find("PD_PredictorCreate: parameters file '" + (tmp / "params") + "'"),
            std::string::npos)
      << LastError();
  EXPECT_NE(LastError().find("truncated"), std::string::npos);

  EXPECT_EQ(CreateFromDir(tmp / "missing"), nullptr);
  EXPECT_NE(LastError().find("does not exist"), std::string::npos);

  PD_Config* none = PD_ConfigCreate();
  EXPECT_EQ(PD_PredictorCreate(none), nullptr);
  EXPECT_NE(LastError().find("no model set"), std::string::npos);

  PD_Config* gpu = PD_ConfigCreate();
  PD_ConfigSetModelDir(gpu, LacDir().c_str());
  PD_ConfigEnableUseGpu(gpu, 100, 0, PD_PRECISION_FLOAT32);
  // Without a loadable CUDA backend (no GPU, or not built) a GPU config fails with the reason.
  if (std::string(PD_GpuInfo()).rfind("unavailable: ", 0) == 0) {
    EXPECT_EQ(PD_PredictorCreate(gpu), nullptr);
    EXPECT_NE(LastError().find("CUDA"), std::string::npos) << LastError();
  }

  PD_Config* invalid = PD_ConfigCreate();
  PD_ConfigSetModelDir(invalid, LacDir().c_str());
  PD_ConfigSetInvalid(invalid);
  EXPECT_EQ(PD_PredictorCreate(invalid), nullptr);
  EXPECT_NE(LastError().find("invalid"), std::string::npos);
}

TEST(CapiLayouts, AnOpWithoutKernelIsNamed) {
  PD_REQUIRE_LAC();
  TempDir tmp;
  std::string dir = tmp.CopyLac();
  paddle::framework::proto::ProgramDesc desc;
  ASSERT_TRUE(desc.ParseFromString(ReadBytes(dir + "/__model__")));
  desc.mutable_blocks(0)->mutable_ops(2)->set_type("no_such_op");
  WriteBytes(dir + "/__model__", desc.SerializeAsString());
  EXPECT_EQ(CreateFromDir(dir), nullptr);
  EXPECT_NE(LastError().find("op #2"), std::string::npos) << LastError();
  EXPECT_NE(LastError().find("'no_such_op'"), std::string::npos) << LastError();
}

}  // namespace
}  // namespace pd
