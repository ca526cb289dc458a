// Runs block 0 of a program over a scope, op by op in program order. feed and fetch ops mark
// the boundary: the caller writes feed targets and reads fetch sources directly (zero copy).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "framework/op_registry.h"
#include "framework/program.h"
#include "framework/scope.h"

namespace pd {

class Executor {
 public:
  // Resolves every op's definition and tensors once. Fails naming the first op type that has
  // no kernel, and its index in the block.
  Executor(std::shared_ptr<const Program> program, Scope* scope, ExecConfig config);

  void Run();

  // Feed targets ordered by the feed ops' col attribute, and fetch sources likewise.
  const std::vector<std::string>& feed_names() const { return feed_names_; }
  const std::vector<std::string>& fetch_names() const { return fetch_names_; }
  const ExecConfig& config() const { return config_; }

 private:
  struct PreparedOp {
    int index;
    const OpDef* def;
    std::unique_ptr<OpContext> ctx;
  };

  std::shared_ptr<const Program> program_;
  ExecConfig config_;
  std::vector<PreparedOp> ops_;
  std::vector<std::string> feed_names_, fetch_names_;
};

}  // namespace pd
