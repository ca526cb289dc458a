#include "framework/executor.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <map>
#include <set>

#include "framework/denormals.h"

namespace pd {

Executor::Executor(std::shared_ptr<const Program> program, Scope* scope, ExecConfig config)
    : program_(std::move(program)), config_(config) {
  PD_CHECK(config_.place.is_cpu() || DeviceRegistry::Global().Find(config_.place.type),
           "cannot run on ", config_.place.ToString(), ": no such device in this build");
  std::map<int64_t, std::string> feeds, fetches;
  std::set<const Tensor*> persistent;  // written by ops but kept across runs
  // Where each variable lives after the ops prepared so far; absent: the host.
  std::map<const Tensor*, Place> home;
  const auto& ops = program_->ops();
  for (size_t i = 0; i < ops.size(); ++i) {
    const OpView& op = ops[i];
    if (op.type() == "feed") {
      std::string out = op.Output("Out");
      PD_CHECK(!out.empty(), "op #", i, " (feed) has no Out");
      feeds[op.GetInt("col", 0)] = out;
      feed_tensors_.push_back(scope->Var(out));
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
                 OpPlacement(*def, op, *program_, config_.place), nullptr, {}, {}};
    p.layout_check = def->LayoutCheckFor(op, p.place.type);
    p.ctx->set_device(&ContextFor(p.place));
    for (const auto& [slot, names] : op.AllInputs()) {
      for (size_t k = 0; k < names.size(); ++k) {
        Input in{names[k], &p.ctx->In(slot, k), scope->FindLocal(names[k])};
        in.shape_only = def->shape_only_inputs.count(slot) != 0;
        // A variable no earlier op writes is where its data is (weights a GPU predictor
        // placed on the device), or on the host (feeds, filled in later).
        auto h = home.find(in.var);
        const Place from = h != home.end()        ? h->second
                           : in.var->initialized() ? in.var->place()
                                                   : Place::CPU();
        in.external = h == home.end();
        if (from != p.place) {
          Mirror& m = mirrors_[{in.var, p.place, in.shape_only}];
          in.copy = &m.tensor;
          in.copied_stamp = &m.copied_stamp;
          p.ctx->RebindInput(slot, k, in.copy);
          ++num_cross_place_inputs_;
        }
        p.ins.push_back(in);
      }
    }
    for (const auto& [slot, names] : op.AllOutputs()) {
      for (const std::string& name : names) {
        Tensor* t = scope->Var(name);
        const VarInfo* info = program_->FindVar(name);
        if (info != nullptr && info->persistable) persistent.insert(t);
        p.outs.push_back(t);
        home[t] = p.place;
        // A variable written again is a new value: copies of the old one elsewhere are stale
        // (their stamps tell at run time).
      }
    }
    ops_.push_back(std::move(p));
  }
  for (auto& kv : feeds) feed_names_.push_back(kv.second);
  // What the caller reads after a run must be plain and on the host: the fetch targets, and
  // (for programs without fetch ops, as tests run them) every output that no op reads.
  std::set<const Tensor*> read, added;
  for (const PreparedOp& p : ops_)
    for (const Input& in : p.ins) read.insert(in.var);
  for (auto& kv : fetches) {
    fetch_names_.push_back(kv.second);
    Tensor* t = scope->Var(kv.second);
    if (added.insert(t).second) fetch_tensors_.push_back(t);
  }
  for (const PreparedOp& p : ops_)
    for (Tensor* t : p.outs)
      if (!read.count(t) && added.insert(t).second) fetch_tensors_.push_back(t);
  // What the caller hands a device and reads back goes through the device's host staging
  // memory: the feeds, the other values it sets that device ops read (a training step's images
  // and labels) and the fetch targets. Its copies in and out land there, and the device copies
  // them as DMA.
  if (!config_.place.is_cpu()) {
    Allocator& staging = HostStagingFor(AllocatorFor(config_.place));
    for (Tensor* t : feed_tensors_) t->set_host_allocator(&staging);
    for (Tensor* t : fetch_tensors_) t->set_host_allocator(&staging);
    for (const PreparedOp& p : ops_) {
      for (const Input& in : p.ins) {
        const VarInfo* info = program_->FindVar(in.name);
        if (in.copy != nullptr && in.external && !in.shape_only && in.local != nullptr &&
            !(info != nullptr && info->persistable))
          in.local->set_host_allocator(&staging);
      }
    }
  }

  // The release plan: a tensor some op writes that is neither persistent nor read by the
  // caller goes after the last op that touches it.
  std::map<Tensor*, size_t> last;
  for (size_t k = 0; k < ops_.size(); ++k) {
    for (Tensor* t : ops_[k].outs) last[t] = k;
    for (const Input& in : ops_[k].ins) {
      if (in.shape_only) continue;  // dims and dtype outlive Release
      auto it = last.find(const_cast<Tensor*>(in.var));
      if (it != last.end()) it->second = k;
    }
  }
  release_after_.resize(ops_.size());
  for (const auto& [t, k] : last)
    if (!persistent.count(t) && !added.count(t)) release_after_[k].push_back(t);

  std::set<const Tensor*> external;
  for (const PreparedOp& p : ops_)
    for (const Input& in : p.ins)
      if (in.external && external.insert(in.var).second) external_inputs_.push_back(in.var);
  set_record_runs(config_.record_runs);
}

Place OpPlacement(const OpDef& def, const OpView& op, const Program& program, Place place) {
  if (place.is_cpu()) return place;
  auto d = def.devices.find(place.type);
  if (d == def.devices.end()) return Place::CPU();
  if (def.key_input.empty()) return d->second.any_type ? place : Place::CPU();
  const VarInfo* var = program.FindVar(op.Input(def.key_input));
  if (var == nullptr || var->dtype == DType::kUndefined) return place;
  return d->second.by_type.count(var->dtype) ? place : Place::CPU();
}

void MoveOpInputsTo(const Program& program, Scope* scope, Place place) {
  // The host buffers the copies read, kept until they are done: they may be page-locked
  // staging blocks, whose copies run as DMA after the call that queues them returns.
  std::vector<Tensor> sources;
  for (const OpView& op : program.ops()) {
    const OpDef* def = OpRegistry::Global().Find(op.type());
    if (def == nullptr || OpPlacement(*def, op, program, place) != place) continue;
    for (const auto& [slot, names] : op.AllInputs()) {
      for (const std::string& name : names) {
        const VarInfo* info = program.FindVar(name);
        Tensor* w = scope->FindLocal(name);
        if (info == nullptr || !info->persistable || w == nullptr || !w->initialized() ||
            w->place() == place)
          continue;
        Tensor on_device;
        CopyTensor(*w, place, &on_device);
        w->SwapData(&on_device);
        w->set_place(place);
        sources.push_back(std::move(on_device));
      }
    }
  }
  if (!sources.empty()) DeviceRegistry::Global().Get(place.type).Synchronize(place.device, nullptr);
}

DeviceContext& Executor::ContextFor(Place place) {
  auto& slot = contexts_[place];
  if (!slot) slot = DeviceRegistry::Global().Get(place.type).NewContext(place, config_);
  return *slot;
}

Place Executor::PlaceOfOp(int index) const {
  for (const PreparedOp& p : ops_)
    if (p.index == index) return p.place;
  return Place::CPU();
}

void Executor::ToPlain(Tensor* t, const void* key) {
  if (t->layout() == 0) return;
  const Place place = t->place();
  auto& conv = converters_[key];
  if (!conv) {
    conv = DeviceRegistry::Global().Get(place.type).NewLayoutConverter();
    PD_CHECK(conv != nullptr, "a ", place.ToString(), " tensor has layout ", t->layout(),
             ", but its device has no layout converter");
  }
  conv->ToPlain(t, ContextFor(place));
}

void Executor::MakePlain(Tensor* t) {
  // The recording writes this device buffer, which is about to go.
  if (recordable_ && t->initialized() && !t->place().is_cpu()) ForgetRecording();
  TakeHome(t, true);
}

Tensor Executor::TakeHome(Tensor* t, bool wait) {
  ToPlain(t, t);
  if (!t->initialized() || t->place().is_cpu()) return Tensor();
  Tensor host;
  host.set_host_allocator(t->host_allocator());  // a fetch target's staging memory
  CopyTensor(*t, Place::CPU(), &host, ContextFor(t->place()).stream(), wait);
  // Not yet written: a value set into t before the run is waited for must go elsewhere.
  if (!wait) in_flight_.emplace_back().ShareDataWith(host);
  t->SwapData(&host);
  t->set_place(Place::CPU());
  return host;  // now holding the device buffer
}

void Executor::PrepareInputs(PreparedOp& p) {
  const bool accepts = p.layout_check != nullptr && p.layout_check(*p.ctx);
  for (Input& in : p.ins) {
    if (in.var->layout() != 0 && !in.shape_only && (in.copy != nullptr || !accepts)) {
      // Parameters are never left in a blocked layout; only run-scope variables get here.
      PD_CHECK(in.local != nullptr, "op ", p.def->type, ": a read-only input is in layout ",
               in.var->layout());
      ToPlain(in.local, in.local);
    }
    if (in.copy != nullptr && in.shape_only) {
      in.copy->Release();
      in.copy->Resize(in.var->dims());
      in.copy->set_lod(in.var->lod());
      in.copy->set_dtype(in.var->dtype());
      continue;
    }
    if (in.copy != nullptr && (in.var->stamp() == 0 || in.var->stamp() != *in.copied_stamp)) {
      KeepUntilCopied(*in.var, p.place);
      CopyTensor(*in.var, p.place, in.copy, ContextFor(p.place).stream());
      *in.copied_stamp = in.var->stamp();
      ++copies_in_last_run_;
    }
  }
  for (Tensor* t : p.outs) {
    if (!accepts) t->set_layout(0);
    t->set_place(p.place);
  }
}

// A kernel reads its inputs' memory directly: one on another place would be a wild read (or,
// on a GPU, a crash), so a missing copy fails here, naming the op and input. Checked on every
// run, over what PrepareInputs bound.
void Executor::CheckInputsOnPlace(const PreparedOp& p) const {
  for (const Input& in : p.ins) {
    const Tensor* t = in.copy != nullptr ? in.copy : in.var;
    PD_CHECK(!t->initialized() || t->place().type == p.place.type, "input ", in.name, " is on ",
             t->place().ToString(), ", but the op runs on ", p.place.ToString());
  }
}

void Executor::CheckFinite(const PreparedOp& p) {
  for (const auto& [slot, names] : p.ctx->op().AllOutputs()) {
    for (size_t k = 0; k < names.size(); ++k) {
      Tensor* t = p.ctx->Out(slot, k);
      if (!t->initialized() || t->dtype() != DType::kFP32) continue;
      ToPlain(t, t);  // a blocked layout's padding is not the variable's
      const Tensor* host = t;
      Tensor copy;
      if (!t->place().is_cpu()) {
        CopyTensor(*t, Place::CPU(), &copy, ContextFor(t->place()).stream());
        host = &copy;
      }
      const float* v = host->data<float>();
      for (int64_t i = 0; i < host->numel(); ++i) {
        if (std::isfinite(v[i])) continue;
        Fail("output ", slot, " (", names[k], ") holds ", std::isnan(v[i]) ? "NaN" : "Inf",
             " at element ", i, " of ", DimsToString(t->dims()), " (check_nan_inf)");
      }
    }
  }
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

// PD_OP_PROFILE=sync also waits for each op's device work, so that an op's wall time is its
// device time (plus its host time) rather than the time to queue it.
bool ProfileSync() {
  static const bool on = [] {
    const char* v = std::getenv("PD_OP_PROFILE");
    return v != nullptr && std::string(v) == "sync";
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
  try {
    Wait();
    for (auto& [copy, u] : uploads_)  // their buffers go below
      if (u.done != nullptr) u.done->Wait();
  } catch (const Error& e) {
    std::fprintf(stderr, "executor: a launched run failed: %s\n", e.what());
  }
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

void Executor::KeepUntilCopied(const Tensor& source, Place to) {
  if (source.initialized() && source.place().is_cpu() && !to.is_cpu())
    in_flight_.emplace_back().ShareDataWith(source);
}

void Executor::Run() {
  Wait();
  Queue();
  WaitForDevices();
  in_flight_.clear();
}

void Executor::WaitForDevices() {
  for (auto& [place, ctx] : contexts_)
    if (!place.is_cpu()) ctx->Wait();
}

void Executor::Launch() {
  Wait();
  Queue();
  for (auto& [place, ctx] : contexts_)
    if (!place.is_cpu())
      if (std::unique_ptr<Fence> fence = ctx->Mark()) pending_.push_back(std::move(fence));
}

void Executor::Queue() {
  copies_in_last_run_ = 0;
  const ScopedFlushDenormals flush(config_.num_threads);
  try {
    TakeUploads();
    // check_nan_inf reads each output on the host, which a recording cannot.
    if (recordable_ && !ProfileOps() && !config_.check_nan_inf) {
      RunRecorded();
    } else {
      RunOps();
      BringFetchesHome();
    }
  } catch (...) {
    // A failed run is waited for too: the device may still read the host memory its copies
    // come from (the feeds' page-locked staging blocks).
    try {
      WaitForDevices();
    } catch (...) {
      // The run's own error says more.
    }
    in_flight_.clear();
    throw;
  }
}

void Executor::Wait() {
  // Cleared first: a device that failed does not fail every later call too.
  std::vector<std::unique_ptr<Fence>> pending = std::move(pending_);
  pending_.clear();
  std::vector<Tensor> in_flight = std::move(in_flight_);
  in_flight_.clear();
  for (auto& fence : pending) fence->Wait();
}

void Executor::RunOps() {
  const bool profile = ProfileOps();
  if (profile) ++runs_;
  for (auto& p : ops_) {
    try {
      double cpu0 = 0, wall0 = 0;
      if (profile) cpu0 = Seconds(CLOCK_THREAD_CPUTIME_ID), wall0 = Seconds(CLOCK_MONOTONIC);
      PrepareInputs(p);
      if (p.def->infer_shape) p.def->infer_shape(*p.ctx);
      KernelFn kernel = p.def->Select(*p.ctx, p.place.type);
      CheckInputsOnPlace(p);
      kernel(*p.ctx);
      if (profile && ProfileSync()) p.ctx->device().Wait();
      if (config_.check_nan_inf) CheckFinite(p);
      if (config_.free_intermediates)
        for (Tensor* t : release_after_[&p - ops_.data()]) t->Release();
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
}

// The caller reads fetch targets as plain row-major host memory. With recorded runs, a
// target's device buffer is kept aside for the next run instead of being freed.
void Executor::BringFetchesHome() {
  for (size_t i = 0; i < fetch_tensors_.size(); ++i) {
    Tensor device = TakeHome(fetch_tensors_[i], false);
    if (!device.initialized()) continue;
    ++copies_in_last_run_;
    if (recordable_) fetch_stash_[i] = std::move(device);
  }
}

}  // namespace pd
