// LoDTensor records and model loading: every layout, and every kind of broken file giving a
// message that names the file and the problem.
#include <gtest/gtest.h>

#include <cstring>
#include <limits>

#include "framework.pb.h"
#include "framework/error.h"
#include "io/lod_tensor_io.h"
#include "io/model_loader.h"
#include "model_files.h"

namespace pd {
namespace {

using testing::AppendBytes;
using testing::LacDir;
using testing::ReadBytes;
using testing::TempDir;
using testing::WriteBytes;
namespace fs = std::filesystem;

Tensor MakeFloatTensor(Dims dims, LoD lod = {}) {
  Tensor t;
  t.Resize(dims);
  float* p = t.mutable_data<float>();
  for (int64_t i = 0; i < t.numel(); ++i) p[i] = 0.5f * static_cast<float>(i) - 1.f;
  t.set_lod(std::move(lod));
  return t;
}

// The message of the pd::Error that f throws; fails the test when it throws nothing.
template <typename F>
std::string ErrorOf(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected an error";
  return "";
}

std::string Record(const Tensor& t) {
  std::string bytes;
  AppendLoDTensor(t, &bytes);
  return bytes;
}

Tensor ReadOne(const std::string& bytes, size_t* offset = nullptr) {
  size_t off = 0;
  Tensor t;
  ReadLoDTensor(bytes.data(), bytes.size(), offset ? offset : &off, &t, "test record");
  return t;
}

// A record header (versions 0, no LoD) with the given TensorDesc and no data after it.
std::string Header(int data_type, const Dims& dims) {
  paddle::framework::proto::VarType::TensorDesc desc;
  desc.set_data_type(static_cast<paddle::framework::proto::VarType::Type>(data_type));
  for (int64_t d : dims) desc.add_dims(d);
  std::string d = desc.SerializeAsString();
  std::string bytes(4 + 8 + 4, '\0');
  int32_t n = static_cast<int32_t>(d.size());
  bytes.append(reinterpret_cast<const char*>(&n), 4);
  return bytes + d;
}

TEST(IoLoDTensor, RoundTripKeepsDimsTypeLodAndData) {
  Tensor t = MakeFloatTensor({3, 2}, {{0, 1, 3}});
  std::string bytes = Record(t);
  size_t offset = 0;
  Tensor back = ReadOne(bytes, &offset);
  EXPECT_EQ(offset, bytes.size());
  EXPECT_EQ(back.dims(), t.dims());
  EXPECT_EQ(back.dtype(), DType::kFP32);
  EXPECT_EQ(back.lod(), t.lod());
  EXPECT_EQ(0, std::memcmp(back.raw_data(), t.raw_data(), t.nbytes()));
}

TEST(IoLoDTensor, RoundTripIntegerTypesAndConsecutiveRecords) {
  Tensor a;
  a.Resize({4});
  int64_t* pa = a.mutable_data<int64_t>();
  for (int i = 0; i < 4; ++i) pa[i] = int64_t{1} << (10 * i);
  Tensor b;
  b.Resize({2, 2});
  int8_t* pb = b.mutable_data<int8_t>();
  for (int i = 0; i < 4; ++i) pb[i] = static_cast<int8_t>(-i);
  std::string bytes = Record(a) + Record(b);
  size_t offset = 0;
  Tensor ra = ReadOne(bytes, &offset);
  Tensor rb = ReadOne(bytes, &offset);
  EXPECT_EQ(offset, bytes.size());
  EXPECT_EQ(ra.dtype(), DType::kInt64);
  EXPECT_EQ(ra.data<int64_t>()[3], int64_t{1} << 30);
  EXPECT_EQ(rb.dtype(), DType::kInt8);
  EXPECT_EQ(rb.data<int8_t>()[3], -3);
}

TEST(IoLoDTensor, EveryTruncationIsAnErrorNotACrash) {
  std::string bytes = Record(MakeFloatTensor({2, 3}, {{0, 2}}));
  for (size_t len = 0; len < bytes.size(); ++len) {
    std::string cut = bytes.substr(0, len);
    std::string msg = ErrorOf([&] { ReadOne(cut); });
    EXPECT_HAS(msg, "test record") << "at length " << len;
  }
}

TEST(IoLoDTensor, RejectsUnknownVersions) {
  std::string bytes = Record(MakeFloatTensor({2}));
  std::string bad = bytes;
  bad[0] = 1;
  EXPECT_HAS(ErrorOf([&] { ReadOne(bad); }), "LoDTensor version 1");
  bad = bytes;
  bad[12] = 2;  // the tensor version follows the 4-byte version and the 8-byte level count
  EXPECT_HAS(ErrorOf([&] { ReadOne(bad); }), "tensor version 2");
}

TEST(IoLoDTensor, AbsurdSizesFailBeforeAllocating) {
  // 2^40 floats claimed, no data present: must fail on the length check, not allocate 4 TiB.
  EXPECT_HAS(ErrorOf([] {
               ReadOne(Header(5, {1 << 20, 1 << 20}));
             }),
             "tensor data needs 4398046511104 bytes");
  // A shape whose byte size overflows 64 bits.
  int64_t big = std::numeric_limits<int64_t>::max() / 2;
  EXPECT_HAS(ErrorOf([&] { ReadOne(Header(5, {big, big})); }), "too large");
  // A LoD level count that cannot fit in the file.
  std::string lod_bomb(4, '\0');
  uint64_t levels = uint64_t{1} << 60;
  lod_bomb.append(reinterpret_cast<const char*>(&levels), 8);
  EXPECT_HAS(ErrorOf([&] { ReadOne(lod_bomb); }), "LoD level count");
  // A description length beyond the end.
  std::string desc_bomb(4 + 8 + 4, '\0');
  int32_t n = std::numeric_limits<int32_t>::max();
  desc_bomb.append(reinterpret_cast<const char*>(&n), 4);
  EXPECT_HAS(ErrorOf([&] { ReadOne(desc_bomb); }), "truncated");
}

TEST(IoLoDTensor, RejectsBadDescriptionsAndLoD) {
  EXPECT_HAS(ErrorOf([] { ReadOne(Header(7, {2})); }), "not a tensor element type");
  EXPECT_HAS(ErrorOf([] { ReadOne(Header(5, {-3})); }), "negative dimension");
  std::string garbage(4 + 8 + 4, '\0');
  int32_t n = 3;
  garbage.append(reinterpret_cast<const char*>(&n), 4);
  garbage += "\xff\xff\xff";
  EXPECT_HAS(ErrorOf([&] { ReadOne(garbage); }), "not a valid VarType.TensorDesc");
  // A LoD that ends at 5 on a tensor of 2 rows.
  EXPECT_HAS(ErrorOf([] {
               ReadOne(Record(MakeFloatTensor({2}, {{0, 5}})));
             }),
             "LoD level 0 ends at 5");
}

// ---- model loading ----

class IoModel : public ::testing::Test {
 protected:
  void SetUp() override { PD_REQUIRE_LAC(); }

  static ModelSource Dir(const std::string& dir) {
    ModelSource s;
    s.model_dir = dir;
    return s;
  }
  static ModelSource Files(const std::string& prog, const std::string& params) {
    ModelSource s;
    s.prog_file = prog;
    s.params_file = params;
    return s;
  }

  // The combined parameters of the LAC model, written by our writer in sorted name order.
  static std::string CombinedWithWriter(const LoadedModel& m) {
    std::string bytes;
    for (const auto& name : m.program->PersistableNames()) {
      AppendLoDTensor(*m.weights->Find(name), &bytes);
    }
    return bytes;
  }

  static void ExpectSameWeights(const LoadedModel& a, const LoadedModel& b) {
    auto names = a.program->PersistableNames();
    ASSERT_EQ(names, b.program->PersistableNames());
    for (const auto& n : names) {
      const Tensor* x = a.weights->Find(n);
      const Tensor* y = b.weights->Find(n);
      ASSERT_TRUE(x && y) << n;
      ASSERT_EQ(x->dims(), y->dims()) << n;
      ASSERT_EQ(0, std::memcmp(x->raw_data(), y->raw_data(), x->nbytes())) << n;
    }
  }

  TempDir tmp_;
};

TEST_F(IoModel, LoadsTheLacDirectory) {
  LoadedModel m = LoadModel(Dir(LacDir()));
  auto names = m.program->PersistableNames();
  ASSERT_EQ(names.size(), 20u);
  EXPECT_EQ(names.front(), "crfw");
  EXPECT_EQ(names.back(), "word_emb");
  EXPECT_EQ(m.weights->Find("word_emb")->dims(), (Dims{8224, 96}));
  EXPECT_EQ(m.weights->Find("crfw")->dims(), (Dims{6, 4}));
  EXPECT_EQ(m.program->version(), 1006001);
  EXPECT_EQ(m.weights->LocalNames().size(), 20u);
}

TEST_F(IoModel, LoadsEveryCombinedLayout) {
  LoadedModel ref = LoadModel(Dir(LacDir()));
  std::string program = ReadBytes(LacDir() + "/__model__");
  std::string params = CombinedWithWriter(ref);
  ASSERT_EQ(params, testing::LacCombinedParams()) << "the writer must reproduce Paddle's bytes";

  // __model__ + __params__, found from the directory and named explicitly.
  std::string dir = tmp_ / "combined";
  fs::create_directory(dir);
  WriteBytes(dir + "/__model__", program);
  WriteBytes(dir + "/__params__", params);
  ExpectSameWeights(ref, LoadModel(Dir(dir)));
  ExpectSameWeights(ref, LoadModel(Files(dir + "/__model__", dir + "/__params__")));
  // model + params.
  WriteBytes(tmp_ / "model", program);
  WriteBytes(tmp_ / "params", params);
  ExpectSameWeights(ref, LoadModel(Files(tmp_ / "model", tmp_ / "params")));
  // Paddle 2 names.
  WriteBytes(tmp_ / "inference.pdmodel", program);
  WriteBytes(tmp_ / "inference.pdiparams", params);
  ExpectSameWeights(ref,
                    LoadModel(Files(tmp_ / "inference.pdmodel", tmp_ / "inference.pdiparams")));
  // From memory.
  ModelSource mem;
  mem.from_memory = true;
  mem.prog_buffer = program;
  mem.params_buffer = params;
  ExpectSameWeights(ref, LoadModel(mem));
  // A program file alone: one file per parameter next to it.
  std::string copy = tmp_.CopyLac("separate");
  fs::rename(copy + "/__model__", copy + "/prog");
  ExpectSameWeights(ref, LoadModel(Files(copy + "/prog", "")));
}

TEST_F(IoModel, MissingFilesAreNamed) {
  EXPECT_HAS(ErrorOf([&] { LoadModel(ModelSource{}); }), "no model set");
  EXPECT_HAS(ErrorOf([&] { LoadModel(Dir(tmp_ / "nope")); }),
             "model directory '" + (tmp_ / "nope") + "' does not exist");
  EXPECT_HAS(ErrorOf([&] { LoadModel(Dir(tmp_.path())); }), "has no __model__");
  EXPECT_HAS(ErrorOf([&] { LoadModel(Files(tmp_ / "prog", tmp_ / "params")); }),
             "file '" + (tmp_ / "prog") + "' does not exist");

  std::string dir = tmp_.CopyLac();
  fs::remove(dir + "/fc_4.b_0");
  std::string msg = ErrorOf([&] { LoadModel(Dir(dir)); });
  EXPECT_HAS(msg, "parameter file '" + dir + "/fc_4.b_0'");
  EXPECT_HAS(msg, "is missing");

  WriteBytes(tmp_ / "model", ReadBytes(LacDir() + "/__model__"));
  EXPECT_HAS(ErrorOf([&] { LoadModel(Files(tmp_ / "model", tmp_ / "params")); }),
             "file '" + (tmp_ / "params") + "' does not exist");
}

TEST_F(IoModel, BrokenParameterFilesAreNamed) {
  std::string dir = tmp_.CopyLac();
  std::string emb = dir + "/word_emb";
  std::string full = ReadBytes(emb);

  fs::resize_file(emb, full.size() - 100);
  std::string msg = ErrorOf([&] { LoadModel(Dir(dir)); });
  EXPECT_HAS(msg, "parameter file '" + emb + "'");
  EXPECT_HAS(msg, "truncated");

  WriteBytes(emb, full + "xyz");
  msg = ErrorOf([&] { LoadModel(Dir(dir)); });
  EXPECT_HAS(msg, "'" + emb + "': 3 trailing bytes");

  std::string bad_version = full;
  bad_version[0] = 7;
  WriteBytes(emb, bad_version);
  EXPECT_HAS(ErrorOf([&] { LoadModel(Dir(dir)); }), "LoDTensor version 7");

  // A header claiming a huge tensor, in a tiny file.
  WriteBytes(emb, Header(5, {int64_t{1} << 31, 96}));
  msg = ErrorOf([&] { LoadModel(Dir(dir)); });
  EXPECT_HAS(msg, "'" + emb + "'");
  EXPECT_HAS(msg, "tensor data needs");
  WriteBytes(emb, full);

  // Right record, wrong shape for the VarDesc ([4]).
  WriteBytes(dir + "/fc_4.b_0", Record(MakeFloatTensor({5})));
  msg = ErrorOf([&] { LoadModel(Dir(dir)); });
  EXPECT_HAS(msg, "fc_4.b_0");
  EXPECT_HAS(msg, "shape [5] but the program declares [4]");
  WriteBytes(dir + "/fc_4.b_0", Record(MakeFloatTensor({1, 4})));
  EXPECT_HAS(ErrorOf([&] { LoadModel(Dir(dir)); }), "declares [4]");
}

TEST_F(IoModel, BrokenCombinedFilesAreNamed) {
  std::string program = ReadBytes(LacDir() + "/__model__");
  std::string params = testing::LacCombinedParams();
  WriteBytes(tmp_ / "model", program);
  std::string path = tmp_ / "params";
  auto load = [&] { LoadModel(Files(tmp_ / "model", path)); };

  WriteBytes(path, params + std::string(5, '\0'));
  std::string msg = ErrorOf(load);
  EXPECT_HAS(msg, "parameters file '" + path + "'");
  EXPECT_HAS(msg, "5 bytes remain after the 20 parameters");

  WriteBytes(path, params.substr(0, params.size() - 1));
  msg = ErrorOf(load);
  EXPECT_HAS(msg, "parameter 20 of 20 'word_emb'");
  EXPECT_HAS(msg, "truncated");

  WriteBytes(path, "");
  EXPECT_HAS(ErrorOf(load), "parameter 1 of 20 'crfw'");

  // Records in file order instead of sorted order: the first record is not crfw's [6, 4].
  LoadedModel ref = LoadModel(Dir(LacDir()));
  std::string unsorted;
  for (const auto& v : ref.program->vars()) {
    if (ref.weights->Find(v.name)) AppendLoDTensor(*ref.weights->Find(v.name), &unsorted);
  }
  WriteBytes(path, unsorted);
  EXPECT_HAS(ErrorOf(load), "'crfw' (records are in sorted name order)");
}

TEST_F(IoModel, BrokenProgramsAreNamed) {
  std::string params = testing::LacCombinedParams();
  WriteBytes(tmp_ / "params", params);
  auto load = [&](const std::string& prog) { LoadModel(Files(prog, tmp_ / "params")); };

  WriteBytes(tmp_ / "garbage", "\x0f this is not a program");
  EXPECT_HAS(ErrorOf([&] { load(tmp_ / "garbage"); }),
             "program file '" + (tmp_ / "garbage") + "': not a Paddle ProgramDesc");
  WriteBytes(tmp_ / "empty", "");
  EXPECT_HAS(ErrorOf([&] { load(tmp_ / "empty"); }), "empty");
  // Paddle 3 PIR: by content, by extension, and as __model__.json in a directory.
  WriteBytes(tmp_ / "pir_model", "{\"program\": {}}");
  EXPECT_HAS(ErrorOf([&] { load(tmp_ / "pir_model"); }), "PIR");
  WriteBytes(tmp_ / "inference.json", ReadBytes(LacDir() + "/__model__"));
  EXPECT_HAS(ErrorOf([&] { load(tmp_ / "inference.json"); }), "PIR");
  std::string pir_dir = tmp_ / "pir";
  fs::create_directory(pir_dir);
  WriteBytes(pir_dir + "/__model__.json", "{}");
  EXPECT_HAS(ErrorOf([&] { LoadModel(Dir(pir_dir)); }), "PIR");
  // A Paddle 2 directory loaded as a model directory gets a hint.
  std::string p2_dir = tmp_ / "p2";
  fs::create_directory(p2_dir);
  WriteBytes(p2_dir + "/inference.pdmodel", ReadBytes(LacDir() + "/__model__"));
  EXPECT_HAS(ErrorOf([&] { LoadModel(Dir(p2_dir)); }), "PD_ConfigSetModel");

  paddle::framework::proto::ProgramDesc desc;
  ASSERT_TRUE(desc.ParseFromString(ReadBytes(LacDir() + "/__model__")));
  desc.mutable_version()->set_version(-5);
  WriteBytes(tmp_ / "negative_version", desc.SerializeAsString());
  EXPECT_HAS(ErrorOf([&] { load(tmp_ / "negative_version"); }), "invalid program version -5");
}

}  // namespace
}  // namespace pd
