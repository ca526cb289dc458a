// Recorded runs (ExecConfig::record_runs): when every op of the program runs on one device that
// can record its queued work (CUDA graphs), the executor runs the first pass at new input
// shapes op by op (buffers get allocated, kernels pick their algorithms), records the second
// pass without running it and launches the recording, then launches that recording for every
// later run of the same shapes. What a run does on the host besides queueing kernels (copying
// the feeds in, bringing the fetch targets home) stays outside the recording, so each launch
// reads this run's inputs and its results come home from where the recording writes them.
//
// It holds only if the recording pass allocates nothing (a recording's buffers must outlive
// it): at unchanged shapes every op reuses its output's buffer, and the fetch targets get their
// device buffers back before the pass (PrepareFetchBuffers). The device refuses a recording
// that allocated, and a program with something that cannot be recorded (a synchronous copy in
// a kernel, a view whose buffer its producer rewrites) then runs op by op from there on. A
// change of the feeds' shapes or LoD drops the recording; so do releasing intermediates and
// reading one on the host (ForgetRecording).
#include <utility>

#include "framework/executor.h"

namespace pd {

std::vector<int64_t> Executor::FeedKey() const {
  std::vector<int64_t> key;
  for (const Tensor* t : feed_tensors_) {
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

void Executor::RunRecorded() {
  DeviceContext& ctx = ContextFor(config_.place);
  const std::vector<int64_t> key = FeedKey();
  if (recorded_ != nullptr && key == recorded_key_) {
    RefreshExternalCopies();
    // The fetch targets view the buffers the recording writes them to, and come home from there.
    for (size_t i = 0; i < fetch_tensors_.size(); ++i)
      if (recorded_fetch_[i].initialized()) fetch_tensors_[i]->ShareDataWith(recorded_fetch_[i]);
    recorded_->Launch(ctx);
    BringFetchesHome();
    return;
  }
  recorded_.reset();
  recorded_fetch_.clear();
  PrepareFetchBuffers();
  if (recording_failed_ || key != warm_key_) {
    RunOps();  // the first pass at these shapes
    warm_key_ = key;
  } else {
    RefreshExternalCopies();
    Device& device = DeviceRegistry::Global().Get(config_.place.type);
    try {
      recorded_ = device.Record(ctx, [this] { RunOps(); });
    } catch (const Error&) {
      recorded_.reset();  // something cannot be recorded; a real failure shows again below
    }
    if (recorded_ == nullptr) {
      recording_failed_ = true;
      RunOps();
    } else {
      recorded_key_ = key;
      // Where the recording leaves each fetch target (the pass bound them on the host side).
      recorded_fetch_.resize(fetch_tensors_.size());
      for (size_t i = 0; i < fetch_tensors_.size(); ++i)
        if (fetch_tensors_[i]->initialized() && !fetch_tensors_[i]->place().is_cpu())
          recorded_fetch_[i].ShareDataWith(*fetch_tensors_[i]);
      recorded_->Launch(ctx);
    }
  }
  BringFetchesHome();
}

void Executor::ForgetRecording() {
  recorded_.reset();
  recorded_fetch_.clear();
  recorded_key_.clear();
  warm_key_.clear();
  for (Tensor& t : fetch_stash_) t = Tensor();
}

}  // namespace pd
