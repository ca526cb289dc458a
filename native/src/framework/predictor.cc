#include "framework/predictor.h"

#include "framework/cuda_backend.h"
#include "framework/op_registry.h"

#include <algorithm>
#include <string>
#include <utility>

namespace pd {

std::unique_ptr<Predictor> Predictor::Create(PredictorOptions options) {
  PD_CHECK(options.num_threads >= 1, "the number of CPU math threads must be at least 1, not ",
           options.num_threads);
  if (options.use_gpu) {
    PD_CHECK(options.gpu_device_id >= 0, "invalid GPU device id ", options.gpu_device_id);
    LoadCudaBackend();
  }
  LoadedModel model = LoadModel(options.model);
  // Once, before any clone exists: clones share the optimised program and the folded weights.
  if (options.ir_optim) {
    std::vector<std::string> passes = options.passes;
    if (options.use_gpu) {
      for (const std::string& name : CpuOnlyPassNames())
        passes.erase(std::remove(passes.begin(), passes.end(), name), passes.end());
    }
    model.program = Optimize(*model.program, model.weights.get(), passes);
    if (options.bf16 && !options.use_gpu) model.program = PlaceBfloat16(*model.program, options.bf16_ops);
  }
  // OpView caches its slots on first use; fill the caches now, while the program is still
  // private, so that clones on other threads only ever read them.
  for (const OpView& op : model.program->ops()) {
    op.AllInputs();
    op.AllOutputs();
  }
  if (options.use_gpu) {
    const Place gpu{DeviceType::kGPU, options.gpu_device_id};
    AllocatorFor(gpu).Reserve(options.gpu_memory_pool_mb);
    // Once, in the shared weights scope: clones then share them there.
    MoveOpInputsTo(*model.program, model.weights.get(), gpu);
  }
  // The weights now hold the parameters; the buffers they came from are no longer needed.
  std::string().swap(options.model.prog_buffer);
  std::string().swap(options.model.params_buffer);
  return std::make_unique<Predictor>(Key{}, std::move(options), std::move(model.program),
                                     std::move(model.weights));
}

ExecConfig Predictor::MakeExecConfig() const {
  ExecConfig config;
  config.num_threads = options_.num_threads;
  config.place = options_.use_gpu ? Place{DeviceType::kGPU, options_.gpu_device_id} : Place::CPU();
  config.allow_tf32 = options_.allow_tf32;
  // memory_optim on the CPU: each activation goes back to the allocator after its last reader,
  // so the next op takes a block that is still in cache (ShuffleNetV2 at batch 1: 6-10% faster,
  // and a smaller peak) where every activation would keep a buffer of its own. The GPU releases
  // them after the run instead (below).
  config.free_intermediates = options_.memory_optim && !options_.use_gpu;
  // memory_optim releases the activations after each run, which a recording writes into.
  config.record_runs = options_.use_gpu && options_.gpu_graph && !options_.memory_optim;
  return config;
}

Predictor::Predictor(Key, PredictorOptions options, std::shared_ptr<const Program> program,
                     std::shared_ptr<const Scope> weights)
    : options_(std::move(options)),
      program_(std::move(program)),
      weights_(std::move(weights)),
      run_scope_(std::make_unique<Scope>(weights_)) {
  executor_ = std::make_unique<Executor>(program_, run_scope_.get(), MakeExecConfig());
}

std::unique_ptr<Predictor> Predictor::Clone() const {
  return std::make_unique<Predictor>(Key{}, options_, program_, weights_);
}

DType Predictor::DeclaredType(const std::string& name) const {
  const VarInfo* var = program_->FindVar(name);
  return var ? var->dtype : DType::kUndefined;
}

std::vector<VarInfo> Predictor::Infos(const std::vector<std::string>& names) const {
  std::vector<VarInfo> infos;
  for (const std::string& name : names) {
    const VarInfo* var = program_->FindVar(name);
    if (var) {
      infos.push_back(*var);
    } else {
      VarInfo unknown;
      unknown.name = name;
      infos.push_back(unknown);
    }
  }
  return infos;
}

namespace {
bool Contains(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}
}  // namespace

Tensor* Predictor::Input(const std::string& name) {
  PD_CHECK(Contains(input_names(), name), "'", name, "' is not an input of this model");
  return run_scope_->Var(name);
}

// Like Paddle Inference, any variable of the run scope can be read, not only the fetch
// targets: intermediate activations are how a model is debugged against a reference.
Tensor* Predictor::Output(const std::string& name) {
  if (!Contains(output_names(), name)) {
    PD_CHECK(run_scope_->FindLocal(name) != nullptr, "'", name,
             "' is neither an output nor a variable of this model");
  }
  Tensor* t = run_scope_->Var(name);
  executor_->MakePlain(t);  // an intermediate may be in a blocked layout
  return t;
}

void Predictor::Run() {
  for (const std::string& name : input_names()) {
    const Tensor* t = run_scope_->FindLocal(name);
    PD_CHECK(t && t->initialized(), "input '", name,
             "' has no data; reshape it and copy data into it before running");
  }
  executor_->Run();
  if (options_.memory_optim) ReleaseIntermediates();
}

uint64_t Predictor::TryShrinkMemory() {
  const uint64_t bytes = ReleaseIntermediates();
  CpuAllocator().ReleaseCached();
  if (options_.use_gpu) {
    Allocator& device = AllocatorFor(MakeExecConfig().place);
    device.ReleaseCached();
    HostStagingFor(device).ReleaseCached();
  }
  return bytes;
}

uint64_t Predictor::ReleaseIntermediates() {
  executor_->ForgetRecording();
  std::vector<std::string> keep = input_names();
  keep.insert(keep.end(), output_names().begin(), output_names().end());
  uint64_t bytes = 0;
  for (const std::string& name : run_scope_->LocalNames()) {
    const Tensor* t = run_scope_->FindLocal(name);
    if (!Contains(keep, name) && t->initialized()) bytes += t->nbytes();
  }
  run_scope_->ReleaseExcept(keep);
  return bytes;
}

}  // namespace pd
