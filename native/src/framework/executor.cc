#include "framework/executor.h"

#include <map>

#include "kernels/blas.h"

namespace pd {

Executor::Executor(std::shared_ptr<const Program> program, Scope* scope, ExecConfig config)
    : program_(std::move(program)), config_(config) {
  std::map<int64_t, std::string> feeds, fetches;
  const auto& ops = program_->ops();
  for (size_t i = 0; i < ops.size(); ++i) {
    const OpView& op = ops[i];
    if (op.type() == "feed") {
      std::string out = op.Output("Out");
      PD_CHECK(!out.empty(), "op #", i, " (feed) has no Out");
      feeds[op.GetInt("col", 0)] = out;
      scope->Var(out);
      continue;
    }
    if (op.type() == "fetch") {
      std::string x = op.Input("X");
      PD_CHECK(!x.empty(), "op #", i, " (fetch) has no X");
      fetches[op.GetInt("col", 0)] = x;
      continue;
    }
    const OpDef* def = OpRegistry::Global().Find(op.type());
    PD_CHECK(def != nullptr, "op #", i, " of block 0 has type '", op.type(),
             "', which this library has no kernel for");
    ops_.push_back({static_cast<int>(i), def, std::make_unique<OpContext>(op, scope, &config_)});
  }
  for (auto& kv : feeds) feed_names_.push_back(kv.second);
  for (auto& kv : fetches) fetch_names_.push_back(kv.second);
}

void Executor::Run() {
  SetBlasThreads(config_.num_threads);
  for (auto& p : ops_) {
    try {
      if (p.def->infer_shape) p.def->infer_shape(*p.ctx);
      KernelFn kernel = p.def->Select(*p.ctx, Place::kCPU);
      kernel(*p.ctx);
    } catch (const Error& e) {
      Fail("op #", p.index, " (", p.def->type, "): ", e.what());
    }
  }
}

}  // namespace pd
