// Writes small Paddle-Lite naive-buffer models (model.nb meta_version 0) for tests: the same
// positional encoding Lite's opt writes (see src/io/lite_naive_buffer.h), so that synthetic
// models can exercise cases no real file has (quantized weights, corrupt fields).
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

namespace pd::testing {

// Naive-buffer VarDataType values (not framework.proto's).
enum NaiveType : int32_t {
  kNbInt16 = 1, kNbInt32 = 2, kNbInt64 = 3, kNbFP32 = 5, kNbInt8 = 9,
  kNbLoDTensor = 10, kNbFeed = 12, kNbFetch = 13,
};

class NbWriter {
 public:
  template <typename T>
  NbWriter& Pod(T v) {
    char b[sizeof(T)];
    std::memcpy(b, &v, sizeof(T));
    out_.append(b, sizeof(T));
    return *this;
  }
  NbWriter& Count(uint64_t n) { return Pod<uint64_t>(n); }
  NbWriter& Str(const std::string& s) {
    Count(s.size());
    out_ += s;
    return *this;
  }
  NbWriter& Raw(const std::string& s) {
    out_ += s;
    return *this;
  }
  const std::string& bytes() const { return out_; }

 private:
  std::string out_;
};

struct NbAttr {
  std::string name;
  int32_t type = 0;  // AttrType: 0 INT, 1 FLOAT, 2 STRING, 4 FLOATS, 6 BOOLEAN
  int32_t i = 0;
  float f = 0;
  std::string s;
  std::vector<float> floats;
  bool b = false;
};

inline NbAttr IntAttr(const std::string& n, int32_t v) { NbAttr a; a.name = n; a.type = 0; a.i = v; return a; }
inline NbAttr StrAttr(const std::string& n, const std::string& v) { NbAttr a; a.name = n; a.type = 2; a.s = v; return a; }
inline NbAttr FloatsAttr(const std::string& n, std::vector<float> v) { NbAttr a; a.name = n; a.type = 4; a.floats = std::move(v); return a; }
inline NbAttr BoolAttr(const std::string& n, bool v) { NbAttr a; a.name = n; a.type = 6; a.b = v; return a; }

struct NbOp {
  std::string type;
  std::vector<std::pair<std::string, std::vector<std::string>>> inputs, outputs;
  std::vector<NbAttr> attrs;
};

struct NbVar {
  std::string name;
  int32_t type = kNbLoDTensor;
  bool persistable = false;
};

struct NbParam {
  std::string name;
  int32_t dtype = kNbFP32;
  std::vector<int64_t> dims;
  std::string data;
};

inline void WriteTensorDesc(NbWriter& w, int32_t dtype, const std::vector<int64_t>& dims) {
  w.Pod<int32_t>(dtype).Count(dims.size());
  for (int64_t d : dims) w.Pod<int64_t>(d);
}

// Unused enum fields get garbage, as Lite leaves them uninitialised.
inline void WriteVar(NbWriter& w, const NbVar& v) {
  w.Str(v.name).Pod<int32_t>(v.type);
  WriteTensorDesc(w, 0x5a5a5a5a, {});      // selected_rows
  WriteTensorDesc(w, 0x014b3078, {});      // lod_tensor.tensor
  w.Pod<int32_t>(0);                       // lod_level
  WriteTensorDesc(w, -77, {});             // tensor_array.tensor
  w.Pod<int32_t>(0).Count(0).Count(0);     // lod_level, reader, tuple
  w.Pod<uint8_t>(v.persistable);
}

inline void WriteAttr(NbWriter& w, const NbAttr& a) {
  w.Str(a.name).Pod<int32_t>(a.type).Pod<int32_t>(a.i).Pod<float>(a.f).Str(a.s);
  w.Count(0);  // ints
  w.Count(a.floats.size());
  for (float f : a.floats) w.Pod<float>(f);
  w.Count(0).Pod<uint8_t>(a.b).Count(0);  // strings, b, bools
  w.Pod<int32_t>(0).Pod<int64_t>(0).Count(0).Count(0);  // block_idx, l, blocks_idx, longs
}

inline void WriteSlots(NbWriter& w,
                       const std::vector<std::pair<std::string, std::vector<std::string>>>& s) {
  w.Count(s.size());
  for (const auto& kv : s) {
    w.Str(kv.first).Count(kv.second.size());
    for (const auto& a : kv.second) w.Str(a);
  }
}

inline std::string NaiveProgram(const std::vector<NbVar>& vars, const std::vector<NbOp>& ops) {
  NbWriter w;
  w.Count(1).Pod<int32_t>(0).Pod<int32_t>(-1);  // one block: idx 0, parent -1
  w.Count(vars.size());
  for (const auto& v : vars) WriteVar(w, v);
  w.Count(ops.size());
  for (const auto& op : ops) {
    w.Str(op.type);
    WriteSlots(w, op.inputs);
    WriteSlots(w, op.outputs);
    w.Count(op.attrs.size());
    for (const auto& a : op.attrs) WriteAttr(w, a);
    w.Pod<uint8_t>(0);
  }
  w.Pod<int32_t>(-1);       // forward_block_idx
  w.Pod<int64_t>(1006001);  // program version
  return w.bytes();
}

inline std::string NaiveParams(const std::vector<NbParam>& params) {
  NbWriter w;
  w.Count(params.size());
  for (const auto& p : params) {
    w.Str(p.name).Pod<uint32_t>(0).Pod<uint64_t>(0).Count(0).Pod<uint32_t>(0);
    WriteTensorDesc(w, p.dtype, p.dims);
    w.Str(p.data);
  }
  return w.bytes();
}

// model.nb, meta_version 0.
inline std::string NaiveModel(const std::string& program, const std::string& params,
                              const std::string& version = "test") {
  NbWriter w;
  w.Pod<uint16_t>(0);
  std::string v = version;
  v.resize(16, '\0');
  w.Raw(v).Pod<uint64_t>(program.size()).Raw(program).Raw(params);
  return w.bytes();
}

template <typename T>
std::string PodBytes(const std::vector<T>& v) {
  return std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
}

}  // namespace pd::testing
