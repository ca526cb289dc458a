// Runs block 0 of a program over a scope, op by op in program order. feed and fetch ops mark
// the boundary: the caller writes feed targets and reads fetch sources directly (zero copy).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "framework/op_registry.h"
#include "framework/program.h"
#include "framework/scope.h"
#include "kernels/dnnl_util.h"

namespace pd {

class Executor {
 public:
  // Resolves every op's definition and tensors once. Fails naming the first op type that has
  // no kernel, and its index in the block.
  Executor(std::shared_ptr<const Program> program, Scope* scope, ExecConfig config);
  ~Executor();

  void Run();

  // Turns a run-scope tensor that a oneDNN kernel left in a blocked layout back into plain
  // row-major: for callers that read intermediate variables (the executor does it for fetch
  // targets and unread outputs itself).
  void MakePlain(Tensor* t);

  // Feed targets ordered by the feed ops' col attribute, and fetch sources likewise.
  const std::vector<std::string>& feed_names() const { return feed_names_; }
  const std::vector<std::string>& fetch_names() const { return fetch_names_; }
  const ExecConfig& config() const { return config_; }

 private:
  struct PreparedOp {
    int index;
    const OpDef* def;
    std::unique_ptr<OpContext> ctx;
    BlockedUse blocked;  // whether its kernel may read oneDNN blocked layouts
    // Its inputs and outputs, for the layout checks; inputs come with converters.
    std::vector<Tensor*> ins, outs;
    std::vector<PlainConverter> to_plain;
  };

  // Before an op runs: blocked inputs it cannot read become plain; its outputs start plain.
  void PrepareLayouts(PreparedOp& p);

  std::shared_ptr<const Program> program_;
  ExecConfig config_;
  std::vector<PreparedOp> ops_;
  std::vector<std::string> feed_names_, fetch_names_;
  struct OpTime {
    double cpu = 0, wall = 0;
    int64_t calls = 0;
  };
  std::map<std::string, OpTime> profile_;  // PD_OP_PROFILE (executor.cc)
  int64_t runs_ = 0;
  std::vector<Tensor*> fetch_tensors_;
  std::vector<PlainConverter> fetch_to_plain_;
};

}  // namespace pd
