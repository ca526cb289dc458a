// The mutable form of a program that graph passes rewrite: a private copy of the ProgramDesc
// (ops of block 0 are matched and edited in place, removed ones are dropped between passes) and
// the predictor's weight scope, to which passes add new tensors but never change existing ones:
// weights may be shared with other programs loaded from the same scope.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "framework/program.h"
#include "framework/scope.h"

namespace pd {

class Graph {
 public:
  Graph(const Program& program, Scope* weights);

  int num_ops() const { return block().ops_size(); }
  bool removed(int i) const { return removed_[static_cast<size_t>(i)]; }
  // A fresh view of op i; views cache slots, so take a new one after editing the op.
  OpView view(int i) const { return OpView(&block().ops(i)); }
  proto::OpDesc* mutable_op(int i) { return desc_.mutable_blocks(0)->mutable_ops(i); }

  // The one live op of block 0 that reads var (fetch ops included), or -1 when none does, more
  // than one does, or an op of another block does.
  int SoleReader(const std::string& var) const;
  // How many live ops of any block other than op `except` of block 0 read var.
  int Readers(const std::string& var, int except = -1) const;
  // How many live ops of any block write var.
  int Writers(const std::string& var) const;
  // The float32 tensor of a persistable variable, or nullptr when name is not one.
  const Tensor* Weight(const std::string& name) const;
  // True when both variables are declared in block 0 with the same dims, all known but the first.
  bool SameDeclaredShape(const std::string& a, const std::string& b) const;
  // The rank block 0 declares for a tensor variable, or -1 when it declares none.
  int DeclaredRank(const std::string& name) const;
  // The dims block 0 declares for a tensor variable (-1 where unknown); empty when it declares none.
  Dims DeclaredDims(const std::string& name) const;
  // Adds t as a new persistable variable named hint (made unique) and returns its name.
  std::string AddWeight(const std::string& hint, const Tensor& t);

  // Marks op i for removal; it stops counting as a reader or writer at once.
  void RemoveOp(int i) { removed_[static_cast<size_t>(i)] = true; }
  // Drops the removed ops (after each pass).
  void Compact();
  std::shared_ptr<const Program> ToProgram();

 private:
  const proto::BlockDesc& block() const { return desc_.blocks(0); }
  bool HasVar(const std::string& name) const;

  proto::ProgramDesc desc_;
  Scope* weights_;
  std::vector<bool> removed_;
};

// Op edits: set the arguments of a slot (adding the slot when absent), and attributes.
void SetInput(proto::OpDesc* op, const std::string& slot, const std::string& name);
void SetOutput(proto::OpDesc* op, const std::string& slot, const std::string& name);
void SetInputs(proto::OpDesc* op, const std::string& slot, const std::vector<std::string>& names);
void SetOutputs(proto::OpDesc* op, const std::string& slot, const std::vector<std::string>& names);
void SetAttr(proto::OpDesc* op, const std::string& name, const std::string& value);
void SetAttr(proto::OpDesc* op, const std::string& name, float value);
void SetAttr(proto::OpDesc* op, const std::string& name, int value);
void SetAttr(proto::OpDesc* op, const std::string& name, const std::vector<int>& values);
void SetAttr(proto::OpDesc* op, const std::string& name, const std::vector<float>& values);
void SetAttr(proto::OpDesc* op, const std::string& name, const std::vector<std::string>& values);

// True when the op reads var in a slot other than slot (e.g. elementwise_add(X=a, Y=a)).
bool ReadsOutside(const OpView& op, const std::string& slot, const std::string& var);
// True when no live op but op i itself reads an output of op i other than slot keep.
bool OtherOutputsUnused(const Graph& g, int i, const std::string& keep);

}  // namespace pd
