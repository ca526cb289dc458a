// Recorded runs (ExecConfig::record_runs): when every op of the program runs on one device that
// can record its queued work (CUDA graphs), the executor runs the first pass at new input
// shapes op by op (buffers get allocated, kernels pick their algorithms), records the second
// pass without running it and launches the recording, then launches that recording for every
// later run of the same shapes. What a run does on the host besides queueing kernels (copying
// the feeds in, bringing the fetch targets home) stays outside the recording, so each launch
// reads this run's inputs and its results come home from where the recording writes them.
//
// Memory: the recording pass reuses every buffer that outlives a run (parameters, optimizer
// state, the feeds' device copies, the fetch targets' buffers, which get their device buffers
// back before the pass: PrepareFetchBuffers). What the pass allocates and frees again (a
// training step's intermediates, with free_intermediates) is the recording's own memory, made
// and freed at each launch. A pass that allocates something that outlives it (a tensor keeps
// it) is launched once and not again. The recording holds the buffers it was made with: a
// launch first checks that every tensor it reads or writes outside its own memory still holds
// the same buffer (BindingsHold), else the run goes op by op and is recorded afresh. After a
// launch, what it wrote takes a new stamp, so that caches keyed on contents see the change.
//
// A program with something that cannot be recorded (a synchronous copy in a kernel, a cuDNN
// call that needs a larger workspace) runs op by op from there on. A change of the feeds'
// shapes or LoD drops the recording; so does reading an intermediate on the host
// (ForgetRecording).
#include <algorithm>
#include <set>
#include <utility>

#include "framework/executor.h"

namespace pd {

std::vector<int64_t> Executor::InputKey() const {
  // Led by the count: an empty key (nothing warmed yet) never equals one.
  std::vector<int64_t> key{static_cast<int64_t>(external_inputs_.size())};
  for (const Tensor* t : external_inputs_) {
    key.push_back(static_cast<int64_t>(t->dims().size()));
    key.insert(key.end(), t->dims().begin(), t->dims().end());
    key.push_back(static_cast<int64_t>(t->dtype()));
    for (const auto& level : t->lod()) {
      key.push_back(-static_cast<int64_t>(level.size()) - 1);  // keeps levels apart
      key.insert(key.end(), level.begin(), level.end());
    }
  }
  return key;
}

// The copies onto the device of what no op writes (feeds, weights left on the host), as
// PrepareInputs would make them; done before a recording is made or launched, since the
// recording holds only device work.
void Executor::RefreshExternalCopies() {
  for (PreparedOp& p : ops_) {
    for (Input& in : p.ins) {
      if (!in.external || in.copy == nullptr || in.shape_only) continue;
      if (in.var->stamp() != 0 && in.var->stamp() == *in.copied_stamp) continue;
      KeepUntilCopied(*in.var, p.place);
      CopyTensor(*in.var, p.place, in.copy, ContextFor(p.place).stream());
      *in.copied_stamp = in.var->stamp();
      ++copies_in_last_run_;
    }
  }
}

// Before a pass op by op: each fetch target gets back the device buffer BringFetchesHome took
// off it, so that the op writing it reuses that buffer. A buffer another tensor still views (a
// fetch target that is a view, e.g. an identity scale) is dropped instead: the viewed tensor's
// op then finds its buffer unshared, and the view is made again.
void Executor::PrepareFetchBuffers() {
  for (size_t i = 0; i < fetch_tensors_.size(); ++i) {
    Tensor& stash = fetch_stash_[i];
    if (stash.initialized() && !stash.SharesData()) {
      fetch_tensors_[i]->SwapData(&stash);
      fetch_tensors_[i]->set_place(config_.place);
    }
    stash = Tensor();
  }
}

void Executor::set_record_runs(bool on) {
  if (!on) ForgetRecording();
  config_.record_runs = on;
  recordable_ = on && !config_.place.is_cpu() && !ops_.empty() &&
                std::all_of(ops_.begin(), ops_.end(),
                            [&](const PreparedOp& p) { return p.place == config_.place; });
  fetch_stash_.assign(recordable_ ? fetch_tensors_.size() : 0, Tensor());
  recording_failed_ = false;
}

void Executor::NoteBindings() {
  bindings_.clear();
  recorded_writes_.clear();
  std::set<const Tensor*> fetched(fetch_tensors_.begin(), fetch_tensors_.end()), noted;
  const auto note = [&](const Tensor* t) {
    if (t->initialized() && !fetched.count(t) && noted.insert(t).second)
      bindings_.emplace_back(t, t->raw_data());
  };
  for (const PreparedOp& p : ops_) {
    for (const Input& in : p.ins)
      if (!in.shape_only) note(in.copy != nullptr ? in.copy : in.var);
    for (Tensor* t : p.outs) {
      note(t);
      if (t->initialized() && !fetched.count(t)) recorded_writes_.push_back(t);
    }
  }
}

bool Executor::BindingsHold() const {
  for (const auto& [t, data] : bindings_)
    if (!t->initialized() || t->raw_data() != data) return false;
  return true;
}

void Executor::MarkRecordedWrites() {
  for (Tensor* t : recorded_writes_) t->MarkWritten();
}

void Executor::DropLostBuffers() {
  for (auto& released : release_after_)
    for (Tensor* t : released) t->Release();
  Device& device = DeviceRegistry::Global().Get(config_.place.type);
  const size_t lost = device.BuffersLostToRecording(config_.place.device);
  PD_CHECK(lost == 0, "a run that could not be recorded left ", lost,
           " tensors holding memory the recording would have made; this executor cannot run on");
}

bool Executor::RecordAndLaunch(DeviceContext& ctx) {
  Device& device = DeviceRegistry::Global().Get(config_.place.type);
  std::unique_ptr<RecordedWork> work;
  try {
    work = device.Record(ctx, [this] { RunOps(); });
  } catch (const Error&) {
    work.reset();  // something cannot be recorded; a real failure shows again op by op
  }
  if (work == nullptr) {
    recording_failed_ = true;
    DropLostBuffers();
    return false;
  }
  work->Launch(ctx);
  last_run_recorded_ = true;
  if (!work->repeatable()) {  // its memory outlives it: this launch was its only one
    recording_failed_ = true;
    recorded_writes_.clear();
    for (const PreparedOp& p : ops_)
      for (Tensor* t : p.outs)
        if (t->initialized()) t->MarkWritten();
    spent_ = std::move(work);
    return true;
  }
  recorded_ = std::move(work);
  ++recordings_;
  recorded_key_ = InputKey();
  NoteBindings();
  MarkRecordedWrites();
  // Where the recording leaves each fetch target (the pass bound them on the host side).
  recorded_fetch_.resize(fetch_tensors_.size());
  for (size_t i = 0; i < fetch_tensors_.size(); ++i)
    if (fetch_tensors_[i]->initialized() && !fetch_tensors_[i]->place().is_cpu())
      recorded_fetch_[i].ShareDataWith(*fetch_tensors_[i]);
  return true;
}

void Executor::RunRecorded() {
  DeviceContext& ctx = ContextFor(config_.place);
  spent_.reset();  // launched by the run before, which was waited for
  last_run_recorded_ = false;
  const std::vector<int64_t> key = InputKey();
  if (recorded_ != nullptr && key == recorded_key_) {
    RefreshExternalCopies();
    if (BindingsHold()) {
      // The fetch targets view the buffers the recording writes them to, and come home from
      // there.
      for (size_t i = 0; i < fetch_tensors_.size(); ++i)
        if (recorded_fetch_[i].initialized())
          fetch_tensors_[i]->ShareDataWith(recorded_fetch_[i]);
      recorded_->Launch(ctx);
      last_run_recorded_ = true;
      MarkRecordedWrites();
      BringFetchesHome();
      return;
    }
    warm_key_.clear();  // a buffer it holds has gone: this pass op by op, the next recorded
  }
  recorded_.reset();
  recorded_fetch_.clear();
  PrepareFetchBuffers();
  if (recording_failed_ || key != warm_key_) {
    RunOps();  // the first pass at these shapes
    warm_key_ = key;
  } else {
    RefreshExternalCopies();
    if (!RecordAndLaunch(ctx)) RunOps();
  }
  BringFetchesHome();
}

void Executor::ForgetRecording() {
  recorded_.reset();
  bindings_.clear();
  recorded_writes_.clear();
  recorded_fetch_.clear();
  recorded_key_.clear();
  warm_key_.clear();
  for (Tensor& t : fetch_stash_) t = Tensor();
}

}  // namespace pd
