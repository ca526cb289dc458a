#include "framework/executor.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <map>
#include <set>


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
    PreparedOp p{static_cast<int>(i), def, std::make_unique<OpContext>(op, scope, &config_),
                 BlockedUseOf(op), {}, {}, {}};
    // The run scope's variables are ours to convert in place; a parent scope's (weights) are
    // never written, and no kernel leaves them blocked.
    for (const auto& [slot, names] : op.AllInputs())
      for (const std::string& name : names)
        if (Tensor* t = scope->FindLocal(name)) p.ins.push_back(t);
    for (const auto& [slot, names] : op.AllOutputs())
      for (const std::string& name : names)
        if (Tensor* t = scope->FindLocal(name)) p.outs.push_back(t);
    p.to_plain.resize(p.ins.size());
    ops_.push_back(std::move(p));
  }
  for (auto& kv : feeds) feed_names_.push_back(kv.second);
  // What the caller reads after a run must be plain: the fetch targets, and (for programs
  // without fetch ops, as tests run them) every output that no op reads.
  std::set<const Tensor*> read, added;
  for (const PreparedOp& p : ops_) read.insert(p.ins.begin(), p.ins.end());
  for (auto& kv : fetches) {
    fetch_names_.push_back(kv.second);
    Tensor* t = scope->Var(kv.second);
    if (added.insert(t).second) fetch_tensors_.push_back(t);
  }
  for (const PreparedOp& p : ops_)
    for (Tensor* t : p.outs)
      if (!read.count(t) && added.insert(t).second) fetch_tensors_.push_back(t);
  fetch_to_plain_.resize(fetch_tensors_.size());
}

void Executor::MakePlain(Tensor* t) {
  if (t->layout() == 0) return;
  PlainConverter c;
  c.ToPlain(t, config_.num_threads);
}

void Executor::PrepareLayouts(PreparedOp& p) {
  if (p.blocked != BlockedUse::kNone && AcceptsBlockedNow(p.blocked, *p.ctx)) return;
  for (size_t k = 0; k < p.ins.size(); ++k)
    if (p.ins[k]->layout() != 0) p.to_plain[k].ToPlain(p.ins[k], config_.num_threads);
  for (Tensor* t : p.outs) t->set_layout(0);
}

namespace {
// PD_OP_PROFILE=1: per op type, the calling thread's CPU time and wall time over all runs,
// printed to stderr when the executor goes away. Thread CPU time is what to compare on a busy
// machine: it leaves out the time other processes hold the core (with 1 math thread).
bool ProfileOps() {
  static const bool on = [] {
    const char* v = std::getenv("PD_OP_PROFILE");
    return v != nullptr && *v != '\0' && std::string(v) != "0";
  }();
  return on;
}

double Seconds(clockid_t clock) {
  timespec ts;
  clock_gettime(clock, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}
}  // namespace

Executor::~Executor() {
  if (profile_.empty()) return;
  std::vector<std::pair<std::string, OpTime>> rows(profile_.begin(), profile_.end());
  std::sort(rows.begin(), rows.end(),
            [](const auto& a, const auto& b) { return a.second.cpu > b.second.cpu; });
  double cpu = 0, wall = 0;
  for (const auto& r : rows) cpu += r.second.cpu, wall += r.second.wall;
  std::fprintf(stderr, "op profile over %lld runs (ms per run): thread cpu %.2f, wall %.2f\n",
               static_cast<long long>(runs_), 1e3 * cpu / runs_, 1e3 * wall / runs_);
  for (const auto& [type, t] : rows)
    std::fprintf(stderr, "  %-28s %5lld calls  cpu %9.3f  wall %9.3f\n", type.c_str(),
                 static_cast<long long>(t.calls / runs_), 1e3 * t.cpu / runs_,
                 1e3 * t.wall / runs_);
}

void Executor::Run() {
  const bool profile = ProfileOps();
  if (profile) ++runs_;
  for (auto& p : ops_) {
    try {
      double cpu0 = 0, wall0 = 0;
      if (profile) cpu0 = Seconds(CLOCK_THREAD_CPUTIME_ID), wall0 = Seconds(CLOCK_MONOTONIC);
      PrepareLayouts(p);
      if (p.def->infer_shape) p.def->infer_shape(*p.ctx);
      KernelFn kernel = p.def->Select(*p.ctx, Place::kCPU);
      kernel(*p.ctx);
      if (profile) {
        OpTime& t = profile_[p.def->type];
        t.cpu += Seconds(CLOCK_THREAD_CPUTIME_ID) - cpu0;
        t.wall += Seconds(CLOCK_MONOTONIC) - wall0;
        ++t.calls;
      }
    } catch (const Error& e) {
      Fail("op #", p.index, " (", p.def->type, "): ", e.what());
    }
  }
  // The caller reads fetch targets as plain row-major.
  for (size_t k = 0; k < fetch_tensors_.size(); ++k)
    fetch_to_plain_[k].ToPlain(fetch_tensors_[k], config_.num_threads);
}

}  // namespace pd
