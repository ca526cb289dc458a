// Parsing the real Paddle-Lite files: header fields, program and parameter counts and shapes
// (as established for lac_lite in reference/paddle_formats.md §3.4), the two encodings of
// pyramidbox_lite agreeing, and the model-loading entry points finding .nb files.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <set>

#include "framework/op_registry.h"
#include "io/lite_model.h"
#include "io/model_loader.h"
#include "lite_files.h"

namespace pd::testing {
namespace {

std::vector<std::string> OpTypes(const lite::proto::ProgramDesc& p) {
  std::vector<std::string> types;
  for (const auto& op : p.blocks(0).ops()) types.push_back(op.type());
  return types;
}

const lite::Param* FindParam(const LiteModel& m, const std::string& name) {
  for (const auto& p : m.params)
    if (p.name == name) return &p;
  return nullptr;
}

TEST(LiteModel, LacLiteHeaderProgramAndParams) {
  PD_REQUIRE_FILE(LacLiteNb());
  std::string bytes = ReadFile(LacLiteNb());
  ASSERT_TRUE(IsLiteModel(bytes));
  LiteModel m = ParseLiteModel(bytes, "lac_lite");
  EXPECT_EQ(m.meta_version, 0);
  EXPECT_EQ(m.opt_version, "811d61d");
  ASSERT_EQ(m.program.blocks_size(), 1);
  EXPECT_EQ(m.program.version().version(), 1006001);
  const auto& b = m.program.blocks(0);
  EXPECT_EQ(b.idx(), 0);
  EXPECT_EQ(b.parent_idx(), -1);
  EXPECT_EQ(b.vars_size(), 64);
  int emb = 0;
  for (const auto& v : b.vars()) emb += v.name() == "embedding_0.tmp_0";
  EXPECT_EQ(emb, 6) << "Lite lists a variable once per use";
  EXPECT_EQ(OpTypes(m.program),
            (std::vector<std::string>{"feed", "lookup_table", "fc", "gru", "fc", "gru", "concat",
                                      "fc", "fc", "gru", "gru", "concat", "fc", "crf_decoding",
                                      "fetch"}));
  const std::vector<std::pair<std::string, Dims>> want = {
      {"word_emb", {8224, 48}}, {"fc_0.b_0", {144}},     {"fc_0.w_0", {48, 144}},
      {"gru_0.b_0", {1, 144}},  {"gru_0.w_0", {48, 144}}, {"fc_1.b_0", {144}},
      {"fc_1.w_0", {48, 144}},  {"gru_1.b_0", {1, 144}},  {"gru_1.w_0", {48, 144}},
      {"fc_3.b_0", {144}},      {"fc_3.w_0", {96, 144}},  {"fc_2.b_0", {144}},
      {"fc_2.w_0", {96, 144}},  {"gru_3.b_0", {1, 144}},  {"gru_3.w_0", {48, 144}},
      {"gru_2.b_0", {1, 144}},  {"gru_2.w_0", {48, 144}}, {"fc_4.b_0", {49}},
      {"fc_4.w_0", {96, 49}},   {"crfw", {51, 49}}};
  ASSERT_EQ(m.params.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(m.params[i].name, want[i].first) << "parameter " << i;
    EXPECT_EQ(m.params[i].tensor.dims(), want[i].second) << want[i].first;
    EXPECT_EQ(m.params[i].tensor.dtype(), DType::kFP32) << want[i].first;
  }
  // The op attributes survive the conversion with their types.
  const auto& fc = b.ops(2);
  bool found = false;
  for (const auto& a : fc.attrs()) {
    if (a.name() == "in_num_col_dims") {
      found = true;
      EXPECT_EQ(a.type(), lite::proto::INT);
      EXPECT_EQ(a.i(), 1);
    }
  }
  EXPECT_TRUE(found);
}

TEST(LiteModel, LacLiteBuildsAProgramWithMergedVariables) {
  PD_REQUIRE_FILE(LacLiteNb());
  LoadedModel m = LoadLiteModel(ReadFile(LacLiteNb()), "lac_lite");
  EXPECT_EQ(m.program->vars().size(), 35u) << "64 entries, 35 distinct names";
  std::vector<std::string> names = m.program->PersistableNames();
  EXPECT_EQ(names.size(), 20u);
  EXPECT_EQ(m.weights->LocalNames(), names);
  const VarInfo* w = m.program->FindVar("word_emb");
  ASSERT_NE(w, nullptr);
  EXPECT_EQ(w->dims, (Dims{8224, 48}));
  EXPECT_EQ(w->dtype, DType::kFP32);
  // Variables without a shape in the file (all activations here) declare no element type:
  // what Lite left in their data_type field is garbage.
  const VarInfo* words = m.program->FindVar("words");
  ASSERT_NE(words, nullptr);
  EXPECT_EQ(words->dtype, DType::kUndefined);
  const Tensor* crfw = m.weights->Find("crfw");
  ASSERT_NE(crfw, nullptr);
  EXPECT_EQ(crfw->dims(), (Dims{51, 49}));
}

// The v0 (naive buffer, Lite 7735976) and v2 (flatbuffers, Lite v2.10-rc) files of
// pyramidbox_lite hold the same network: the same ops (the two opt versions ordered some
// independent branches differently) and identical weights.
TEST(LiteModel, PyramidboxNaiveAndFlatbuffersAgree) {
  PD_REQUIRE_FILE(PyramidboxV0Nb());
  PD_REQUIRE_FILE(PyramidboxV2Nb());
  LiteModel v0 = ParseLiteModel(ReadFile(PyramidboxV0Nb()), "v0");
  LiteModel v2 = ParseLiteModel(ReadFile(PyramidboxV2Nb()), "v2");
  EXPECT_EQ(v0.meta_version, 0);
  EXPECT_EQ(v0.opt_version, "7735976");
  EXPECT_EQ(v2.meta_version, 2);
  EXPECT_EQ(v2.opt_version, "v2.10-rc");
  EXPECT_EQ(v0.program.blocks(0).ops_size(), 92);
  std::vector<std::string> t0 = OpTypes(v0.program), t2 = OpTypes(v2.program);
  std::sort(t0.begin(), t0.end());
  std::sort(t2.begin(), t2.end());
  EXPECT_EQ(t0, t2);
  ASSERT_EQ(v0.params.size(), 74u);
  ASSERT_EQ(v2.params.size(), 74u);
  for (const auto& p : v0.params) {
    const lite::Param* q = FindParam(v2, p.name);
    ASSERT_NE(q, nullptr) << p.name;
    ASSERT_EQ(q->tensor.dims(), p.tensor.dims()) << p.name;
    ASSERT_EQ(q->tensor.dtype(), p.tensor.dtype()) << p.name;
    EXPECT_EQ(std::memcmp(q->tensor.raw_data(), p.tensor.raw_data(), p.tensor.nbytes()), 0)
        << p.name;
  }
  // The flatbuffers topology declares shapes; the image input is [-1, 3, 1024, 1024].
  LoadedModel m = BuildLiteModel(std::move(v2), "v2");
  const VarInfo* image = m.program->FindVar("@HUB_pyramidbox_lite_mobile@image");
  ASSERT_NE(image, nullptr);
  EXPECT_EQ(image->dims, (Dims{-1, 3, 1024, 1024}));
  EXPECT_EQ(image->dtype, DType::kFP32);
}

TEST(LiteModel, MaskDetector) {
  PD_REQUIRE_FILE(MaskDetectorNb());
  LiteModel m = ParseLiteModel(ReadFile(MaskDetectorNb()), "mask");
  EXPECT_EQ(m.meta_version, 2);
  EXPECT_EQ(m.program.blocks(0).ops_size(), 31);
  EXPECT_EQ(m.program.blocks(0).vars_size(), 53);
  EXPECT_EQ(m.params.size(), 46u);
  std::map<std::string, int> count;
  for (const auto& t : OpTypes(m.program)) count[t]++;
  EXPECT_EQ(count["conv2d"], 22);
  EXPECT_EQ(count["fc"], 1);
  EXPECT_EQ(count["softmax"], 1);
}

TEST(LiteModel, SsdTopologyOnlyLoadsItsProgram) {
  PD_REQUIRE_FILE(SsdTopologyNb());
  std::string bytes = ReadFile(SsdTopologyNb());
  EXPECT_FALSE(IsLiteModel(bytes));
  ASSERT_TRUE(IsNaiveProgram(bytes));
  lite::proto::ProgramDesc p = ParseNaiveProgram(bytes, "ssd");
  ASSERT_EQ(p.blocks_size(), 1);
  EXPECT_EQ(p.blocks(0).ops_size(), 101);
  EXPECT_EQ(p.blocks(0).vars_size(), 331);
  std::map<std::string, int> count;
  for (const auto& t : OpTypes(p)) count[t]++;
  EXPECT_EQ(count["prior_box"], 6);
  EXPECT_EQ(count["depthwise_conv2d"], 13);
  EXPECT_EQ(count["multiclass_nms"], 1);
  // Running it needs the weights, which this folder does not have: say so.
  ModelSource src;
  src.model_dir = fs::path(SsdTopologyNb()).parent_path().string();
  try {
    LoadModel(src);
    FAIL() << "a topology-only model loaded";
  } catch (const Error& e) {
    EXPECT_HAS(std::string(e.what()), "holds only the program: its parameters are missing");
    EXPECT_HAS(std::string(e.what()), "param.nb");
  }
}

// Every op of the four Lite programs has a kernel here, the topology-only SSD included (it
// cannot run without weights, but nothing in its graph is missing).
TEST(LiteModel, EveryOpHasAKernel) {
  int programs = 0;
  for (const std::string& path :
       {LacLiteNb(), PyramidboxV0Nb(), PyramidboxV2Nb(), MaskDetectorNb(), SsdTopologyNb()}) {
    if (!fs::exists(path)) continue;
    std::string bytes = ReadFile(path);
    lite::proto::ProgramDesc p =
        IsNaiveProgram(bytes) ? ParseNaiveProgram(bytes, path) : ParseLiteModel(bytes, path).program;
    ++programs;
    for (const std::string& type : OpTypes(p)) {
      if (type == "feed" || type == "fetch") continue;
      EXPECT_NE(OpRegistry::Global().Find(type), nullptr) << path << ": " << type;
    }
  }
  if (programs == 0) GTEST_SKIP() << "no Lite model files";
}

// model.nb found from a directory, a file path, or memory, by content and not by name.
TEST(LiteModel, LoadModelFindsLiteFiles) {
  PD_REQUIRE_FILE(LacLiteNb());
  ModelSource dir;
  dir.model_dir = fs::path(LacLiteNb()).parent_path().string();
  EXPECT_EQ(LoadModel(dir).program->ops().size(), 15u);
  ModelSource file;
  file.prog_file = LacLiteNb();
  EXPECT_EQ(LoadModel(file).weights->LocalNames().size(), 20u);
  ModelSource mem;
  mem.from_memory = true;
  mem.prog_buffer = ReadFile(LacLiteNb());
  EXPECT_EQ(LoadModel(mem).program->ops().size(), 15u);
  TempDir tmp;
  fs::create_symlink(LacLiteNb(), tmp / "lexical_model");  // no extension
  ModelSource renamed;
  renamed.prog_file = tmp / "lexical_model";
  EXPECT_EQ(LoadModel(renamed).program->ops().size(), 15u);
}

}  // namespace
}  // namespace pd::testing
