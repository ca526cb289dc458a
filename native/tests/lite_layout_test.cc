// The Lite layouts no real file here has, built from the real files' own bytes: model.nb
// meta_version 1 (flatbuffers CombinedParamsDesc), and the split layout __model__.nb + param.nb
// (or one <name>.nb per parameter), from disk and from memory.
#include <gtest/gtest.h>

#include <cstring>

#include "framework/predictor.h"
#include "io/lite_model.h"
#include "io/model_loader.h"
#include "lite_files.h"
#include "lite_writer.h"

namespace pd::testing {
namespace {

template <typename T>
T Load(const std::string& b, size_t at) {
  T v;
  std::memcpy(&v, b.data() + at, sizeof(T));
  return v;
}
template <typename T>
void Store(std::string* b, size_t at, T v) {
  std::memcpy(&(*b)[at], &v, sizeof(T));
}

uint64_t TopoSize(const std::string& nb) { return Load<uint64_t>(nb, 18); }

// The ParamDesc flatbuffers of a meta_version 2 parameter stream.
std::vector<std::string> ParamBlobs(const std::string& nb) {
  size_t at = 26 + TopoSize(nb);
  at += 2;                                        // version
  at += 2 + Load<uint16_t>(nb, at);               // meta
  const uint16_t header = Load<uint16_t>(nb, at);
  const uint16_t count = Load<uint16_t>(nb, at + 2);
  at += 2 + header;
  std::vector<std::string> blobs;
  for (uint16_t i = 0; i < count; ++i) {
    uint32_t total = Load<uint32_t>(nb, at), offset = Load<uint32_t>(nb, at + 4);
    blobs.push_back(nb.substr(at + 4 + offset, total - offset));
    at += 4 + total;
  }
  return blobs;
}

// One CombinedParamsDesc flatbuffer whose params vector points at the given ParamDescs.
std::string CombinedParams(const std::vector<std::string>& blobs) {
  std::string b(24 + 4 * blobs.size(), '\0');
  Store<uint32_t>(&b, 0, 12);  // root table at 12
  Store<uint16_t>(&b, 4, 6);   // vtable at 4: 6 bytes, table of 8 bytes, field 0 at +4
  Store<uint16_t>(&b, 6, 8);
  Store<uint16_t>(&b, 8, 4);
  Store<int32_t>(&b, 12, 12 - 4);  // table -> vtable
  Store<uint32_t>(&b, 16, 4);      // params -> vector at 20
  Store<uint32_t>(&b, 20, static_cast<uint32_t>(blobs.size()));
  for (size_t i = 0; i < blobs.size(); ++i) {
    while (b.size() % 8 != 0) b.push_back('\0');
    const size_t start = b.size();
    b += blobs[i];
    const size_t slot = 24 + 4 * i;
    Store<uint32_t>(&b, slot, static_cast<uint32_t>(start + Load<uint32_t>(blobs[i], 0) - slot));
  }
  return b;
}

TEST(LiteLayout, MetaVersion1CombinedParams) {
  PD_REQUIRE_FILE(MaskDetectorNb());
  std::string v2 = ReadFile(MaskDetectorNb());
  std::string v1 = v2.substr(0, 26 + TopoSize(v2)) + CombinedParams(ParamBlobs(v2));
  Store<uint16_t>(&v1, 0, 1);
  LiteModel a = ParseLiteModel(v2, "v2"), b = ParseLiteModel(v1, "v1");
  EXPECT_EQ(b.meta_version, 1);
  ASSERT_EQ(a.params.size(), 46u);
  ASSERT_EQ(b.params.size(), a.params.size());
  for (size_t i = 0; i < a.params.size(); ++i) {
    EXPECT_EQ(b.params[i].name, a.params[i].name);
    ASSERT_EQ(b.params[i].tensor.dims(), a.params[i].tensor.dims());
    EXPECT_EQ(std::memcmp(b.params[i].tensor.raw_data(), a.params[i].tensor.raw_data(),
                          a.params[i].tensor.nbytes()),
              0);
  }
  // And a truncated v1 file fails inside the flatbuffer with the file offset.
  try {
    ParseLiteModel(v1.substr(0, v1.size() - 100), "v1.nb");
    FAIL() << "a truncated v1 file parsed";
  } catch (const Error& e) {
    EXPECT_HAS(std::string(e.what()), "v1.nb: corrupt flatbuffer at byte");
  }
}

// LAC tags of the first golden sentence, through a predictor on source.
std::vector<int64_t> LacTags(ModelSource source, const std::vector<int64_t>& ids) {
  PredictorOptions options;
  options.model = std::move(source);
  auto p = Predictor::Create(std::move(options));
  Tensor* in = p->Input("words");
  in->Resize({static_cast<int64_t>(ids.size()), 1});
  std::copy(ids.begin(), ids.end(), in->mutable_data<int64_t>());
  in->set_lod({{0, ids.size()}});
  p->Run();
  const Tensor* out = p->Output(p->output_names().at(0));
  return std::vector<int64_t>(out->data<int64_t>(), out->data<int64_t>() + out->numel());
}

TEST(LiteLayout, SplitModelAndParams) {
  PD_REQUIRE_FILE(LacLiteNb());
  std::string nb = ReadFile(LacLiteNb());
  const std::string topo = nb.substr(26, TopoSize(nb)), params = nb.substr(26 + TopoSize(nb));
  const std::vector<int64_t> ids = {1, 500, 77, 8223, 3};
  ModelSource whole;
  whole.prog_file = LacLiteNb();
  const std::vector<int64_t> want = LacTags(whole, ids);

  TempDir tmp;
  WriteBytes(tmp / "__model__.nb", topo);
  WriteBytes(tmp / "param.nb", params);
  ModelSource dir;
  dir.model_dir = tmp.path();
  EXPECT_EQ(LacTags(dir, ids), want);
  ModelSource files;
  files.prog_file = tmp / "__model__.nb";
  files.params_file = tmp / "param.nb";
  EXPECT_EQ(LacTags(files, ids), want);
  ModelSource mem;
  mem.from_memory = true;
  mem.prog_buffer = topo;
  mem.params_buffer = params;
  EXPECT_EQ(LacTags(mem, ids), want);

  // One <name>.nb per parameter (opt without --combined): each a single ParamDesc.
  TempDir sep;
  WriteBytes(sep / "__model__.nb", topo);
  LoadedModel m = LoadLiteModel(nb, "lac");
  for (const std::string& name : m.weights->LocalNames()) {
    const Tensor* t = m.weights->Find(name);
    std::string data(static_cast<const char*>(t->raw_data()), t->nbytes());
    WriteBytes(sep / (name + ".nb"), NaiveParams({{name, kNbFP32, t->dims(), data}}).substr(8));
  }
  ModelSource per_var;
  per_var.model_dir = sep.path();
  EXPECT_EQ(LacTags(per_var, ids), want);
}

}  // namespace
}  // namespace pd::testing
