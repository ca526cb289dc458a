// Uploads ahead of a run (Executor::Prefetch): a training loop sets the next step's images and
// labels while the step computes, and a GPU copies them in while it computes too, on a copy queue
// of its own, instead of at the start of the next step.
//
// Each fed variable's device copy (Input::copy) gets a second buffer: the upload writes it while
// the run in flight reads the first, and the next run swaps the two. The buffer an upload writes
// is always one no queued work reads: the spare (the copy's buffer before the last swap, read by
// a run that was waited for before the one in flight was queued), or the buffer of an upload not
// yet taken, which the copy queue writes in order. A buffer that must be (re)allocated is the
// work queue's from its allocation: it is filled there, after the run in flight, without overlap.
//
// A recorded run (executor_record.cc) reads the copy's own buffer, which must stay where the
// recording found it: there the run takes an upload by copying it into that buffer on the
// device, at its start on the work queue, and the upload's buffer is held until the next run,
// then spare. Copying within device memory is some microseconds for a batch of images; the
// upload it spares the step is a millisecond or more.
#include <utility>

#include "framework/executor.h"

namespace pd {

void Executor::Prefetch() {
  for (PreparedOp& p : ops_) {
    if (p.place.is_cpu()) continue;
    for (Input& in : p.ins) {
      const Tensor& v = *in.var;
      if (!in.external || in.copy == nullptr || in.shape_only || !v.initialized() ||
          !v.place().is_cpu() || v.layout() != 0 || v.stamp() == 0 ||
          v.stamp() == *in.copied_stamp)
        continue;
      Upload& u = uploads_[in.copy];
      if (u.next.initialized() && u.stamp == v.stamp()) continue;  // an op before shares the copy
      DeviceContext& ctx = ContextFor(p.place);
      Tensor& into = u.next.initialized() ? u.next : u.spare;
      const size_t bytes = v.nbytes();
      const bool reuse = into.initialized() && !into.SharesData() && into.place() == p.place &&
                         into.capacity() >= bytes;
      // A buffer about to be replaced may still be written by the copy queue.
      if (!reuse && u.done != nullptr) ctx.Follow(*u.done);
      into.set_place(p.place);
      into.Resize(v.dims());
      into.set_lod(v.lod());
      void* dst = into.mutable_data_for_overwrite(v.dtype());
      if (reuse) {
        u.done = ctx.CopyAside(dst, v.raw_data(), bytes);
      } else {
        DeviceRegistry::Global().Get(p.place.type).CopyFromHost(p.place.device, dst, v.raw_data(),
                                                                bytes, ctx.stream());
        u.done.reset();
      }
      u.sources.emplace_back().ShareDataWith(v);
      u.var = &v;
      u.copied_stamp = in.copied_stamp;
      u.place = p.place;
      u.stamp = v.stamp();
      if (&into == &u.spare) {
        u.next = std::move(u.spare);
        u.spare = Tensor();
      }
    }
  }
}

void Executor::TakeUploads() {
  for (auto& [copy, u] : uploads_) {
    if (!u.next.initialized()) continue;
    if (u.done != nullptr) ContextFor(u.place).Follow(*u.done);
    u.done.reset();
    // The host buffers stay the run's until it is waited for: its work comes after the copies.
    for (Tensor& s : u.sources) in_flight_.push_back(std::move(s));
    u.sources.clear();
    const Tensor& v = *u.var;
    // Not taken when the variable was set again since.
    const bool current = v.stamp() == u.stamp && v.place().is_cpu();
    // A recording may read the copy's buffer (its shapes unchanged): the upload goes into it.
    const bool into_copy = current && recordable_ && copy->initialized() &&
                           copy->place() == u.place && copy->dims() == v.dims() &&
                           copy->dtype() == v.dtype() && copy->layout() == 0 &&
                           !copy->SharesData();
    if (into_copy) {
      copy->set_lod(v.lod());
      void* dst = copy->mutable_data_for_overwrite(v.dtype());
      DeviceRegistry::Global().Get(u.place.type).CopyOnDevice(
          u.place.device, dst, u.next.raw_data(), v.nbytes(), ContextFor(u.place).stream());
      *u.copied_stamp = u.stamp;
    } else if (current) {
      copy->SwapData(&u.next);
      copy->Resize(v.dims());
      copy->set_lod(v.lod());
      copy->set_dtype(v.dtype());
      copy->set_place(u.place);
      *u.copied_stamp = u.stamp;
    }
    // The buffer this run copies from on the device is the next upload's only after the run.
    u.spare = std::move(u.held);
    u.held = Tensor();
    if (into_copy)
      u.held = std::move(u.next);
    else if (!u.spare.initialized())
      u.spare = std::move(u.next);
    u.next = Tensor();
  }
}

}  // namespace pd
