// Truncated and corrupt Paddle-Lite files fail with a message that names the file and what is
// wrong (offset, field), never with a crash or an overread (make test-asan runs these under
// ASan/UBSan): every real file cut at many offsets, targeted corruptions of header and fields,
// and seeded random byte flips.
#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "io/lite_model.h"
#include "io/model_loader.h"
#include "lite_files.h"
#include "lite_writer.h"
#include "pd_ext.h"
#include "pd_inference_api.h"

namespace pd::testing {
namespace {

// Offsets to cut bytes at: every byte of the header and beyond, around the topology's end,
// and evenly spaced through the rest of the file.
std::vector<size_t> CutPoints(const std::string& bytes, bool has_header) {
  std::vector<size_t> cuts;
  for (size_t i = 0; i < 64 && i < bytes.size(); ++i) cuts.push_back(i);
  if (has_header) {
    uint64_t topo;
    std::memcpy(&topo, bytes.data() + 18, 8);
    for (int d = -2; d <= 2; ++d) cuts.push_back(26 + topo + d);
  }
  for (size_t k = 1; k < 100; ++k) cuts.push_back(bytes.size() * k / 100);
  cuts.push_back(bytes.size() - 1);
  return cuts;
}

void ExpectTruncationsFail(const std::string& path) {
  std::string bytes = ReadFile(path);
  const bool header = IsLiteModel(bytes);
  for (size_t n : CutPoints(bytes, header)) {
    std::string cut = bytes.substr(0, n);
    try {
      if (header) {
        ParseLiteModel(cut, "cut.nb");
      } else {
        ParseNaiveProgram(cut, "cut.nb");
      }
      ADD_FAILURE() << path << " cut to " << n << " bytes parsed without an error";
    } catch (const Error& e) {
      std::string msg = e.what();
      EXPECT_EQ(msg.rfind("cut.nb", 0), 0u) << msg;
      EXPECT_TRUE(msg.find("truncated") != std::string::npos ||
                  msg.find("corrupt") != std::string::npos)
          << "cut at " << n << ": " << msg;
    }
  }
}

TEST(LiteCorrupt, TruncatedLacLite) {
  PD_REQUIRE_FILE(LacLiteNb());
  ExpectTruncationsFail(LacLiteNb());
}
TEST(LiteCorrupt, TruncatedPyramidboxV0) {
  PD_REQUIRE_FILE(PyramidboxV0Nb());
  ExpectTruncationsFail(PyramidboxV0Nb());
}
TEST(LiteCorrupt, TruncatedPyramidboxV2) {
  PD_REQUIRE_FILE(PyramidboxV2Nb());
  ExpectTruncationsFail(PyramidboxV2Nb());
}
TEST(LiteCorrupt, TruncatedMaskDetector) {
  PD_REQUIRE_FILE(MaskDetectorNb());
  ExpectTruncationsFail(MaskDetectorNb());
}
TEST(LiteCorrupt, TruncatedSsdTopology) {
  PD_REQUIRE_FILE(SsdTopologyNb());
  ExpectTruncationsFail(SsdTopologyNb());
}

std::string ErrorOf(const std::string& bytes) {
  try {
    ParseLiteModel(bytes, "m.nb");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

template <typename T>
std::string With(std::string bytes, size_t at, T v) {
  std::memcpy(&bytes[at], &v, sizeof(T));
  return bytes;
}

TEST(LiteCorrupt, HeaderFields) {
  PD_REQUIRE_FILE(LacLiteNb());
  std::string lac = ReadFile(LacLiteNb());
  EXPECT_HAS(ErrorOf(With<uint16_t>(lac, 0, 3)), "meta_version 3 is not a Paddle-Lite");
  EXPECT_HAS(ErrorOf(With<uint64_t>(lac, 18, uint64_t{1} << 40)),
             "announces a 1099511627776-byte topology at byte 26");
  // The block count of the naive-buffer topology (at byte 26) promising far too much.
  EXPECT_HAS(ErrorOf(With<uint64_t>(lac, 26, uint64_t{1} << 50)),
             "m.nb, program: truncated or corrupt program block count at byte 26");
  // Extra bytes after the parameters.
  EXPECT_HAS(ErrorOf(lac + "xyz"), "3 unexpected bytes after the parameters");
}

// Fields deep inside a naive-buffer program, in a synthetic model whose layout we know.
TEST(LiteCorrupt, NaiveBufferFields) {
  NbOp op{"relu", {{"X", {"x"}}}, {{"Out", {"y"}}}, {IntAttr("n", 1)}};
  std::string program =
      NaiveProgram({{"feed", kNbFeed, true}, {"x"}, {"y"}, {"fetch", kNbFetch, true}}, {op});
  std::string good = NaiveModel(program, NaiveParams({}));
  EXPECT_EQ(ErrorOf(good), "");
  // Variable #1 ('x'): its type enum follows the 8-byte count and the name.
  const size_t var1 = program.find(std::string("\x01\0\0\0\0\0\0\0x", 9));
  ASSERT_NE(var1, std::string::npos);
  std::string bad_type = program;
  int32_t seven = 7;  // an element type (INT8 is 9; 7 is SIZE_T), not a variable kind
  std::memcpy(&bad_type[var1 + 9], &seven, 4);
  EXPECT_HAS(ErrorOf(NaiveModel(bad_type, NaiveParams({}))),
             "variable #1 'x': variable 'x' has type 7, which is not a variable kind");
  // The attribute's type enum.
  const size_t attr = program.find(std::string("\x01\0\0\0\0\0\0\0n", 9));
  ASSERT_NE(attr, std::string::npos);
  std::string bad_attr = program;
  int32_t ninety = 90;
  std::memcpy(&bad_attr[attr + 9], &ninety, 4);
  EXPECT_HAS(ErrorOf(NaiveModel(bad_attr, NaiveParams({}))),
             "block 0, op #0 (relu): attribute 'n' has type 90");
  // A parameter whose data does not match its shape.
  std::string params = NaiveParams({{"w", kNbFP32, {2, 3}, std::string(20, '\0')}});
  EXPECT_HAS(ErrorOf(NaiveModel(program, params)),
             "parameter 'w' (data at byte");
  EXPECT_HAS(ErrorOf(NaiveModel(program, params)), "needs 24 data bytes but the file holds 20");
  // A parameter with a data type outside the naive enum.
  std::string bad_dtype = NaiveParams({{"w", 77, {1}, std::string(4, '\0')}});
  EXPECT_HAS(ErrorOf(NaiveModel(program, bad_dtype)), "data type 77 is outside");
  // A persistable variable with no parameter.
  std::string missing = NaiveProgram({{"feed", kNbFeed, true}, {"x"}, {"w", kNbLoDTensor, true},
                                      {"y"}, {"fetch", kNbFetch, true}},
                                     {op});
  try {
    LoadLiteModel(NaiveModel(missing, NaiveParams({})), "m.nb");
    FAIL() << "a missing parameter was accepted";
  } catch (const Error& e) {
    EXPECT_HAS(std::string(e.what()), "persistable variable 'w' has no parameter");
  }
}

TEST(LiteCorrupt, FlatbuffersFields) {
  PD_REQUIRE_FILE(MaskDetectorNb());
  std::string mask = ReadFile(MaskDetectorNb());
  // The topology's root offset (its first 4 bytes, at byte 26) pointing past the topology.
  EXPECT_HAS(ErrorOf(With<uint32_t>(mask, 26, 0x7fffffff)),
             "m.nb: corrupt flatbuffer at byte 26 (topology ProgramDesc root offset)");
  // The parameter stream: version, then the first record's data offset.
  uint64_t topo;
  std::memcpy(&topo, mask.data() + 18, 8);
  const size_t params = 26 + topo;
  EXPECT_HAS(ErrorOf(With<uint16_t>(mask, params, 5)), "parameter stream version 5");
  const size_t record = params + 2 + 2 + 2 + 6;  // version, meta size, header size, header
  EXPECT_HAS(ErrorOf(With<uint32_t>(mask, record + 4, 1u << 30)),
             "parameter record 1 of 46 at byte");
}

// Seeded random byte flips in each real file's topology: every result is a model or an error.
TEST(LiteCorrupt, RandomFlipsNeverCrash) {
  std::mt19937 rng(20240601);
  int errors = 0, loads = 0;
  for (const std::string& path : {LacLiteNb(), PyramidboxV2Nb(), MaskDetectorNb()}) {
    if (!fs::exists(path)) continue;
    std::string bytes = ReadFile(path);
    uint64_t topo;
    std::memcpy(&topo, bytes.data() + 18, 8);
    for (int trial = 0; trial < 150; ++trial) {
      std::string b = bytes;
      for (int k = 0; k < 4; ++k) {
        size_t at = 2 + rng() % (24 + topo);
        b[at] = static_cast<char>(rng());
      }
      try {
        LoadLiteModel(b, "flipped.nb");
        ++loads;
      } catch (const Error& e) {
        ++errors;
        EXPECT_NE(std::string(e.what()).find("flipped.nb"), std::string::npos) << e.what();
      }
    }
  }
  if (errors + loads == 0) GTEST_SKIP() << "no Lite model files";
  EXPECT_GT(errors, 0);
}

// Through the C API: a truncated model.nb on disk fails to create a predictor, and the
// message names the file.
TEST(LiteCorrupt, CApiNamesTheFile) {
  PD_REQUIRE_FILE(LacLiteNb());
  TempDir tmp;
  std::string bytes = ReadFile(LacLiteNb());
  WriteBytes(tmp / "model.nb", bytes.substr(0, bytes.size() / 2));
  PD_Config* cfg = PD_ConfigCreate();
  PD_ConfigSetModelDir(cfg, tmp.path().c_str());
  EXPECT_EQ(PD_PredictorCreate(cfg), nullptr);
  std::string msg = PD_GetLastError();
  EXPECT_HAS(msg, "Paddle-Lite model '" + tmp / "model.nb" + "'");
  EXPECT_HAS(msg, "parameter 'word_emb': truncated or corrupt parameter data size at byte 42375");
}

}  // namespace
}  // namespace pd::testing
