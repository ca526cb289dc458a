// Runs block 0 of a program over a scope, op by op in program order. feed and fetch ops mark
// the boundary: the caller writes feed targets and reads fetch sources directly (zero copy).
//
// Placement: each op runs on the configured place when its type has kernels there, else on the
// CPU. A variable lives where the op that last wrote it ran (feeds and parameters start on the
// host); an op that reads it elsewhere reads a copy on its own place, which the executor keeps
// and refreshes only when the variable changed (Tensor::stamp), so parameters move once and
// activations once per run. Fetch targets come back to the host.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "framework/device.h"
#include "framework/op_registry.h"
#include "framework/program.h"
#include "framework/scope.h"

namespace pd {

// Where an executor configured for place runs op: there when a kernel for the op's key input's
// declared type (or any type, when the program does not declare it) exists on that device,
// else the CPU.
Place OpPlacement(const OpDef& def, const OpView& op, const Program& program, Place place);

// Moves the persistable variables of scope (its own, not its parent's) that ops placed on place
// read to that device, once: weights a GPU predictor or a GPU training executor reads, so that
// no run copies them again. A variable later written by an op elsewhere follows that op (see
// above). The rest (a step's images and labels) stay where the caller set them: on the host, in
// the executor's staging memory, copied in by each run that finds them new.
void MoveOpInputsTo(const Program& program, Scope* scope, Place place);

class Executor {
 public:
  // Resolves every op's definition, place and tensors once. Fails naming the first op type that
  // has no kernel, and its index in the block.
  Executor(std::shared_ptr<const Program> program, Scope* scope, ExecConfig config);
  ~Executor();

  // Runs the ops. On a device it returns when the run's device work is done: the next run may
  // come from another thread (a goroutine moves between threads), whose work queue is another.
  void Run();
  // Run without waiting for the device: returns once the run's work is queued (fetch targets
  // still come home before it returns). Until Wait, the device may read the host buffers its
  // copies come from; they stay the run's (a value set into a fed variable meanwhile takes a new
  // buffer), so the caller can set the next step's inputs while this step computes. A Launch
  // or Run waits for the run before it; so does the destructor. Wait may come from any thread.
  void Launch();
  void Wait();
  bool running() const { return !pending_.empty() || !in_flight_.empty(); }
  // Starts copying onto the device the values set since the last run into variables it copies
  // there itself (a step's images and labels, fed from the host), on the device's copy queue,
  // so that the copy runs while a launched run computes (a double buffer, as Paddle's readers
  // keep); the next run takes them instead of copying. A value set again before that run is
  // copied by the run as before. Does nothing on the CPU. A recorded run reads the copies where
  // its recording was made: it takes an upload by a copy on the device into that buffer.
  void Prefetch();
  // Drops the recorded run (ExecConfig::record_runs), and the device buffers it writes: before
  // the run scope's tensors are released or replaced.
  void ForgetRecording();

  // Makes a run-scope tensor readable by the caller: plain row-major, in host memory (the
  // executor does it for fetch targets and unread outputs itself).
  void MakePlain(Tensor* t);

  // Feed targets ordered by the feed ops' col attribute, and fetch sources likewise.
  const std::vector<std::string>& feed_names() const { return feed_names_; }
  const std::vector<std::string>& fetch_names() const { return fetch_names_; }
  const ExecConfig& config() const { return config_; }
  void set_check_nan_inf(bool on) { config_.check_nan_inf = on; }
  void set_free_intermediates(bool on) { config_.free_intermediates = on; }
  // ExecConfig::record_runs, for an executor made without it (a training step's).
  void set_record_runs(bool on);
  // Whether the last run launched a recording (ExecConfig::record_runs), and how many
  // recordings that could be launched again were made so far.
  bool last_run_recorded() const { return last_run_recorded_; }
  int recordings() const { return recordings_; }
  // Starts PD_OP_PROFILE's counts afresh (after warm-up runs that search algorithms).
  void ResetProfile() {
    profile_.clear();
    runs_ = 0;
  }

  // Where op i of the block (by its index in the program) runs; the CPU for feed and fetch.
  Place PlaceOfOp(int index) const;
  // The op inputs that read a copy on another place than the variable's, as prepared.
  int num_cross_place_inputs() const { return num_cross_place_inputs_; }
  // Tensors copied between places in the last Run (fetch targets brought home included).
  int copies_in_last_run() const { return copies_in_last_run_; }

 private:
  // An op input as bound: the variable, and when the op runs elsewhere, its copy there.
  struct Input {
    std::string name;  // the variable's name in the op (for messages)
    const Tensor* var;
    Tensor* local;  // var when the run scope owns it (ours to convert in place), else nullptr
    Tensor* copy = nullptr;  // on the op's place; the op reads it instead of var
    uint64_t* copied_stamp = nullptr;  // var's stamp when copy was last refreshed
    bool shape_only = false;  // the op reads the dims alone (OpDef::shape_only_inputs)
    bool external = false;    // no earlier op writes var (a feed, or a weight on the host)
  };
  struct PreparedOp {
    int index;
    const OpDef* def;
    std::unique_ptr<OpContext> ctx;
    Place place;
    LayoutCheck layout_check;  // nullptr: plain inputs only
    std::vector<Input> ins;
    std::vector<Tensor*> outs;
  };
  // A copy of a variable on one place, shared by the ops there that read it.
  struct Mirror {
    Tensor tensor;
    uint64_t copied_stamp = 0;
  };

  DeviceContext& ContextFor(Place place);
  // Turns t (living on its place) back into plain row-major, with the converter kept for key.
  void ToPlain(Tensor* t, const void* key);
  // Makes t plain and brings its data to the host; returns the device buffer t held (a tensor
  // without data when t was on the host already). Without wait the data has arrived once the
  // device's queued work is done (a run's end waits for it).
  Tensor TakeHome(Tensor* t, bool wait);
  // Before an op runs: inputs it cannot read in their layout become plain, copies on its place
  // are refreshed, its outputs start plain (unless it reads blocked layouts) on its place.
  void PrepareInputs(PreparedOp& p);
  // Before a copy of source to place is queued: a host buffer stays the run's until Wait.
  void KeepUntilCopied(const Tensor& source, Place to);
  void CheckInputsOnPlace(const PreparedOp& p) const;
  // With check_nan_inf: fails naming the first output of p holding a NaN or an Inf.
  void CheckFinite(const PreparedOp& p);
  // The ops in order, then the fetch targets brought home.
  void RunOps();
  void BringFetchesHome();
  // A run's work queued (ops, then fetch targets home), without waiting for the device except
  // after a failure.
  void Queue();
  // Returns when the work this thread queued on the executor's devices is done.
  void WaitForDevices();

  // Prefetch's uploads, per device copy of a fed variable (Input::copy).
  struct Upload {
    const Tensor* var = nullptr;
    uint64_t* copied_stamp = nullptr;
    Place place;
    Tensor next;  // the uploaded value, until a run takes it
    uint64_t stamp = 0;  // var's stamp when uploaded
    std::unique_ptr<Fence> done;  // the copy queue's fence; nullptr: on the work queue
    std::vector<Tensor> sources;  // views of the host buffers the queued copies read
    Tensor spare;  // a device buffer no queued work reads: the next upload's
    Tensor held;   // an upload the run being queued copies from on the device (a recording's)
  };
  // Before a run: the uploads still current become the copies the run reads.
  void TakeUploads();

  // Recorded runs (executor_record.cc).
  void RunRecorded();
  void RefreshExternalCopies();
  void PrepareFetchBuffers();
  // Records the pass and launches the recording; false when it could not be recorded (the
  // pass then runs op by op).
  bool RecordAndLaunch(DeviceContext& ctx);
  // The buffers a recording reads and writes outside its own memory, and whether every
  // tensor still holds the buffer the recording has.
  void NoteBindings();
  bool BindingsHold() const;
  // After a launch: what the recording wrote is new to everything that caches from it.
  void MarkRecordedWrites();
  // After a recording that failed: drops the intermediates, which may hold its never-backed
  // memory, and fails if anything else still does.
  void DropLostBuffers();
  // The dims, types and LoD of what no op writes (feeds, a step's images and labels,
  // parameters): a recording is launched only for the shapes it was made with.
  std::vector<int64_t> InputKey() const;

  std::shared_ptr<const Program> program_;
  ExecConfig config_;
  std::vector<PreparedOp> ops_;
  std::vector<std::string> feed_names_, fetch_names_;
  std::map<Place, std::unique_ptr<DeviceContext>> contexts_;
  // Per variable, place and whether it holds the shape alone: a shape-only copy is released
  // before each run, so it never shares a tensor with a copy that ops read the data of.
  std::map<std::tuple<const Tensor*, Place, bool>, Mirror> mirrors_;
  std::map<const void*, std::unique_ptr<LayoutConverter>> converters_;
  int num_cross_place_inputs_ = 0;
  int copies_in_last_run_ = 0;
  struct OpTime {
    double cpu = 0, wall = 0;
    int64_t calls = 0;
  };
  std::map<std::string, OpTime> profile_;  // PD_OP_PROFILE (executor.cc)
  int64_t runs_ = 0;
  std::vector<Tensor*> fetch_tensors_;
  std::vector<Tensor*> feed_tensors_;
  std::vector<const Tensor*> external_inputs_;  // InputKey's, each once
  // Recorded runs: possible when every op runs on the configured device.
  bool recordable_ = false;
  bool recording_failed_ = false;  // something in the program cannot be recorded
  std::unique_ptr<RecordedWork> recorded_;
  // A recording that could be launched once (RecordedWork::repeatable), kept until the run
  // after it, which comes after that launch is done.
  std::unique_ptr<RecordedWork> spent_;
  std::vector<int64_t> recorded_key_, warm_key_;
  // Each tensor the recording reads or writes outside its own memory, with the buffer it had.
  std::vector<std::pair<const Tensor*, const void*>> bindings_;
  std::vector<Tensor*> recorded_writes_;  // those some op of the recording writes
  bool last_run_recorded_ = false;
  int recordings_ = 0;
  // Per fetch target, its device buffer between runs (given back before the next pass, so
  // that its op finds it and allocates nothing), and the buffer the recording writes it to.
  std::vector<Tensor> fetch_stash_, recorded_fetch_;
  // A launched run not yet waited for: its devices' fences, and the host buffers its queued
  // copies read or write (views of them, so that a write to the variable meanwhile allocates
  // anew).
  std::vector<std::unique_ptr<Fence>> pending_;
  std::vector<Tensor> in_flight_;
  std::map<Tensor*, Upload> uploads_;
  // release_after_[k]: the intermediates whose last use is ops_[k] (free_intermediates).
  std::vector<std::vector<Tensor*>> release_after_;
};

}  // namespace pd
