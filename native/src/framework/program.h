// Read-only views over a decoded ProgramDesc: typed attribute access with op-maker defaults,
// and named input/output slots that may be absent or empty (optional inputs).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "framework.pb.h"
#include "framework/dtype.h"
#include "framework/tensor.h"

namespace pd {

namespace proto = paddle::framework::proto;

class OpView {
 public:
  explicit OpView(const proto::OpDesc* desc) : desc_(desc) {}

  const std::string& type() const { return desc_->type(); }
  const proto::OpDesc& desc() const { return *desc_; }

  // Argument names of an input or output slot; empty when the slot is absent.
  const std::vector<std::string>& Inputs(const std::string& slot) const;
  const std::vector<std::string>& Outputs(const std::string& slot) const;
  // The single argument of a slot; empty string when the slot is absent or empty.
  std::string Input(const std::string& slot) const;
  std::string Output(const std::string& slot) const;
  // Every slot name with its arguments, in file order.
  std::vector<std::pair<std::string, std::vector<std::string>>> AllInputs() const;
  std::vector<std::pair<std::string, std::vector<std::string>>> AllOutputs() const;

  bool HasAttr(const std::string& name) const { return FindAttr(name) != nullptr; }
  // Typed attributes; def is returned when the attribute is absent (older models). An attribute
  // present with an incompatible type is an error naming the op and attribute.
  int64_t GetInt(const std::string& name, int64_t def) const;
  float GetFloat(const std::string& name, float def) const;
  bool GetBool(const std::string& name, bool def) const;
  std::string GetString(const std::string& name, const std::string& def) const;
  std::vector<int64_t> GetInts(const std::string& name, const std::vector<int64_t>& def) const;
  std::vector<float> GetFloats(const std::string& name, const std::vector<float>& def) const;
  std::vector<std::string> GetStrings(const std::string& name,
                                      const std::vector<std::string>& def) const;

 private:
  const proto::OpDesc::Attr* FindAttr(const std::string& name) const;
  void InitSlots() const;

  const proto::OpDesc* desc_;
  // Slots copied out of protobuf's RepeatedPtrField once, on first use.
  mutable bool slots_ready_ = false;
  mutable std::vector<std::pair<std::string, std::vector<std::string>>> inputs_, outputs_;
};

// Declared type of a variable, from its VarDesc.
struct VarInfo {
  std::string name;
  int type = proto::VarType::LOD_TENSOR;  // VarType.Type of the variable itself
  DType dtype = DType::kUndefined;        // element type for tensors
  Dims dims;                              // may contain -1
  int lod_level = 0;
  bool persistable = false;
};

class Program {
 public:
  // Decodes bytes as a ProgramDesc; origin names the file in errors.
  static std::shared_ptr<Program> Parse(const std::string& bytes, const std::string& origin);
  // Wraps an already decoded (or rewritten, see passes/) ProgramDesc, with Parse's checks.
  static std::shared_ptr<Program> FromDesc(proto::ProgramDesc desc, const std::string& origin);

  const proto::ProgramDesc& desc() const { return desc_; }
  int num_blocks() const { return desc_.blocks_size(); }
  const proto::BlockDesc& block(int i) const { return desc_.blocks(i); }
  // Ops of block 0, in execution order.
  const std::vector<OpView>& ops() const { return ops_; }
  const VarInfo* FindVar(const std::string& name) const;
  const std::vector<VarInfo>& vars() const { return vars_; }
  // Persistable tensors of block 0 that are loaded from parameter files, byte-wise sorted
  // (Paddle's order for combined parameter files).
  std::vector<std::string> PersistableNames() const;
  int64_t version() const { return desc_.has_version() ? desc_.version().version() : 0; }

 private:
  proto::ProgramDesc desc_;
  std::vector<OpView> ops_;
  std::vector<VarInfo> vars_;
};

}  // namespace pd
