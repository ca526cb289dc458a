#include "io/lite_model.h"

#include <cctype>
#include <cstring>
#include <filesystem>
#include <map>
#include <set>
#include <utility>

#include "framework/error.h"
#include "io/byte_reader.h"
#include "io/lite_dequant.h"
#include "io/lite_flatbuffers.h"
#include "io/lite_naive_buffer.h"
#include "io/lite_program.h"

namespace pd {

namespace fs = std::filesystem;
using lite::Param;
namespace proto = lite::proto;

namespace {

constexpr size_t kHeaderSize = 2 + 16 + 8;

struct Header {
  uint16_t meta_version = 0;
  std::string opt_version;
  uint64_t topo_size = 0;
};

// opt copies 16 bytes from the version string's c_str(): what follows its NUL is garbage.
std::string VersionString(const char* p) {
  size_t n = 0;
  while (n < 16 && p[n] != '\0') ++n;
  return std::string(p, n);
}

bool Printable(const std::string& s) {
  for (unsigned char c : s)
    if (c < 0x20 || c > 0x7e) return false;
  return !s.empty();
}

Header ReadHeader(const std::string& bytes, const std::string& origin) {
  ByteReader r(bytes.data(), bytes.size(), origin);
  r.set_context("header");
  Header h;
  h.meta_version = r.Read<uint16_t>("meta_version");
  h.opt_version = VersionString(r.Bytes(16, "opt_version"));
  h.topo_size = r.Read<uint64_t>("topology size");
  PD_CHECK(h.meta_version <= 2, origin, ": meta_version ", h.meta_version,
           " is not a Paddle-Lite model.nb version (0 naive buffer, 1 and 2 flatbuffers)");
  PD_CHECK(h.topo_size <= r.remaining(), origin, ": truncated: the header (meta_version ",
           h.meta_version, ", opt version '", h.opt_version, "') announces a ", h.topo_size,
           "-byte topology at byte ", kHeaderSize, " but the file has only ", r.remaining(),
           " bytes after the header");
  return h;
}

void CheckConsumed(const ByteReader& r, const char* what) {
  PD_CHECK(r.remaining() == 0, r.origin(), ": ", r.remaining(), " unexpected bytes after the ",
           what, " (at byte ", r.offset(), "); the file is corrupt or not what its header says");
}

// Lite's meta_version 2 parameters: uint16 version (0), uint16 meta size + meta bytes,
// uint16 header size + header (uint16 count, uint32 largest tensor), then per parameter
// uint32 total size, uint32 offset of the ParamDesc within the record, and the ParamDesc.
std::vector<Param> ReadParamStream(ByteReader& r) {
  r.set_context("parameters");
  uint16_t version = r.Read<uint16_t>("parameter stream version");
  PD_CHECK(version == 0, r.where(), ": parameter stream version ", version,
           " (only 0 exists); the file is corrupt");
  uint16_t meta_size = r.Read<uint16_t>("parameter stream meta size");
  r.Bytes(meta_size, "parameter stream meta");
  uint16_t header_size = r.Read<uint16_t>("parameter stream header size");
  PD_CHECK(header_size >= 6, r.where(), ": parameter stream header size ", header_size,
           " is smaller than its 6 bytes of fields");
  ByteReader header(r.Bytes(header_size, "parameter stream header"), header_size, r.origin(),
                    r.offset() - header_size);
  uint16_t count = header.Read<uint16_t>("parameter count");
  std::vector<Param> params;
  for (uint16_t i = 0; i < count; ++i) {
    r.set_context(StrCat("parameter record ", i + 1, " of ", count));
    uint64_t start = r.offset();
    uint32_t total = r.Read<uint32_t>("record size");
    uint32_t offset = r.Read<uint32_t>("record data offset");
    PD_CHECK(offset >= 4 && offset <= total, r.where(), " at byte ", start, ": data offset ",
             offset, " does not fit in the record of ", total, " bytes");
    r.Bytes(offset - 4, "record padding");
    uint64_t base = r.offset();
    const char* desc = r.Bytes(total - offset, "ParamDesc");
    params.push_back(lite::ReadFbsParam(desc, total - offset, r.where(), base));
  }
  return params;
}

// Lite lists a variable once per use; keep the first entry of each name, persistable if any
// entry is, with a declared tensor type if any entry has one.
void MergeDuplicateVars(proto::BlockDesc* block) {
  std::map<std::string, int> first;
  google::protobuf::RepeatedPtrField<proto::VarDesc> merged;
  for (auto& var : *block->mutable_vars()) {
    auto it = first.find(var.name());
    if (it == first.end()) {
      first[var.name()] = merged.size();
      *merged.Add() = std::move(var);
      continue;
    }
    proto::VarDesc& keep = *merged.Mutable(it->second);
    if (var.persistable()) keep.set_persistable(true);
    if (!keep.type().has_lod_tensor() && var.type().has_lod_tensor())
      *keep.mutable_type() = var.type();
  }
  block->mutable_vars()->Swap(&merged);
}

bool IsFeedFetch(const proto::VarDesc& v) {
  int t = v.type().type();
  return v.name() == "feed" || v.name() == "fetch" || t == proto::VarType::FEED_MINIBATCH ||
         t == proto::VarType::FETCH_LIST || t == proto::VarType::RAW;
}

// Declares every parameter as a persistable tensor of its real type and shape, and checks
// that every persistable variable of block 0 has one.
void DeclareParams(proto::BlockDesc* block, const std::vector<Param>& params,
                   const std::string& origin) {
  std::map<std::string, proto::VarDesc*> vars;
  for (auto& v : *block->mutable_vars()) vars[v.name()] = &v;
  std::set<std::string> names;
  for (const Param& p : params) {
    PD_CHECK(names.insert(p.name).second, origin, ": parameter '", p.name,
             "' appears twice in the file");
    proto::VarDesc*& var = vars[p.name];
    if (var == nullptr) {
      var = block->add_vars();
      var->set_name(p.name);
    }
    var->set_persistable(true);
    proto::VarType* vt = var->mutable_type();
    vt->Clear();
    vt->set_type(proto::VarType::LOD_TENSOR);
    auto* td = vt->mutable_lod_tensor()->mutable_tensor();
    td->set_data_type(static_cast<proto::VarType::Type>(p.tensor.dtype()));
    for (int64_t d : p.tensor.dims()) td->add_dims(d);
    vt->mutable_lod_tensor()->set_lod_level(static_cast<int>(p.tensor.lod().size()));
  }
  for (const auto& v : block->vars()) {
    if (!v.persistable() || IsFeedFetch(v) || names.count(v.name())) continue;
    Fail(origin, ": the program's persistable variable '", v.name(),
         "' has no parameter in the file (", params.size(), " parameters were read)");
  }
}

}  // namespace

bool IsLiteModel(const std::string& bytes) {
  if (bytes.size() < kHeaderSize) return false;
  uint16_t meta_version;
  std::memcpy(&meta_version, bytes.data(), 2);
  // The topology size is not part of the signature: a truncated model still goes to the
  // Lite parser, which says what is missing.
  return meta_version <= 2 && Printable(VersionString(bytes.data() + 2));
}

bool IsNaiveProgram(const std::string& bytes) {
  if (bytes.size() < 16) return false;
  uint64_t blocks;
  int32_t idx, parent;
  std::memcpy(&blocks, bytes.data(), 8);
  std::memcpy(&idx, bytes.data() + 8, 4);
  std::memcpy(&parent, bytes.data() + 12, 4);
  return blocks >= 1 && blocks <= 4096 && idx == 0 && parent == -1;
}

LiteModel ParseLiteModel(const std::string& bytes, const std::string& origin) {
  PD_CHECK(bytes.size() >= kHeaderSize, origin, ": truncated: ", bytes.size(),
           " bytes, less than the ", kHeaderSize, "-byte Paddle-Lite model.nb header");
  Header h = ReadHeader(bytes, origin);
  LiteModel m;
  m.meta_version = h.meta_version;
  m.opt_version = h.opt_version;
  const char* topo = bytes.data() + kHeaderSize;
  const size_t topo_size = static_cast<size_t>(h.topo_size);
  ByteReader params(topo + topo_size, bytes.size() - kHeaderSize - topo_size, origin,
                    kHeaderSize + topo_size);
  if (h.meta_version == 0) {
    ByteReader r(topo, topo_size, origin, kHeaderSize);
    m.program = lite::ReadNaiveProgram(r);
    CheckConsumed(r, "topology");
    m.params = lite::ReadNaiveParams(params);
  } else {
    m.program = lite::ReadFbsProgram(topo, topo_size, origin, kHeaderSize);
    if (h.meta_version == 1) {
      m.params = lite::ReadFbsCombinedParams(params.Bytes(params.remaining(), "parameters"),
                                             params.size(), origin, params.offset());
    } else {
      m.params = ReadParamStream(params);
    }
  }
  CheckConsumed(params, "parameters");
  return m;
}

proto::ProgramDesc ParseNaiveProgram(const std::string& bytes, const std::string& origin) {
  ByteReader r(bytes.data(), bytes.size(), origin);
  proto::ProgramDesc prog = lite::ReadNaiveProgram(r);
  CheckConsumed(r, "program");
  return prog;
}

std::vector<Param> ParseNaiveParams(const std::string& bytes, const std::string& origin) {
  ByteReader r(bytes.data(), bytes.size(), origin);
  std::vector<Param> params = lite::ReadNaiveParams(r);
  CheckConsumed(r, "parameters");
  return params;
}

LoadedModel BuildLiteModel(LiteModel model, const std::string& origin) {
  PD_CHECK(model.program.blocks_size() > 0, origin, ": the program has no blocks");
  for (auto& block : *model.program.mutable_blocks()) MergeDuplicateVars(&block);
  lite::DequantizeWeights(model.program, &model.params, origin);
  lite::AdaptLiteOps(&model.program, origin);
  DeclareParams(model.program.mutable_blocks(0), model.params, origin);
  LoadedModel out;
  out.program = Program::FromDesc(std::move(model.program), origin);
  out.weights = std::make_shared<Scope>();
  for (Param& p : model.params) *out.weights->Var(p.name) = std::move(p.tensor);
  return out;
}

LoadedModel LoadLiteModel(const std::string& bytes, const std::string& origin) {
  return BuildLiteModel(ParseLiteModel(bytes, origin), origin);
}

LoadedModel LoadLiteSplitModel(const std::string& prog_path, const std::string& params_path) {
  std::string origin = "Paddle-Lite program '" + prog_path + "'";
  LiteModel m;
  m.program = ParseNaiveProgram(ReadFile(prog_path), origin);
  fs::path dir = fs::path(prog_path).parent_path();
  std::string combined = params_path.empty() ? (dir / "param.nb").string() : params_path;
  std::error_code ec;
  if (fs::is_regular_file(combined, ec)) {
    m.params = ParseNaiveParams(ReadFile(combined), "Paddle-Lite parameters '" + combined + "'");
  } else {
    PD_CHECK(params_path.empty(), "Paddle-Lite parameters file '", params_path,
             "' does not exist");
    // One <name>.nb per parameter (opt without --combined), each a single ParamDesc.
    std::set<std::string> seen;
    for (const auto& v : m.program.blocks(0).vars()) {
      if (!v.persistable() || IsFeedFetch(v) || !seen.insert(v.name()).second) continue;
      std::string path = (dir / (v.name() + ".nb")).string();
      if (!fs::is_regular_file(path, ec)) {
        Fail(origin, " holds only the program: its parameters are missing (no param.nb next to "
             "it, and no per-variable file such as '", path, "' for the persistable variable '",
             v.name(), "'); the model cannot run without them");
      }
      std::string bytes = ReadFile(path);
      ByteReader r(bytes.data(), bytes.size(), "Paddle-Lite parameter file '" + path + "'");
      m.params.push_back(lite::ReadNaiveParam(r));
      CheckConsumed(r, "parameter");
    }
  }
  return BuildLiteModel(std::move(m), origin);
}

LoadedModel LoadLiteSplitBuffers(const std::string& program, const std::string& params) {
  LiteModel m;
  m.program = ParseNaiveProgram(program, "Paddle-Lite program buffer");
  m.params = ParseNaiveParams(params, "Paddle-Lite parameters buffer");
  return BuildLiteModel(std::move(m), "Paddle-Lite program buffer");
}

}  // namespace pd
