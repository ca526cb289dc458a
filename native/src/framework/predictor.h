// The inference predictor behind the C API: a loaded program, its weights, and an executor
// over a private run scope. Clones share the program and the weights (read-only) and own
// their run scope, so different clones can run concurrently on different threads; one
// predictor serves one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "framework/executor.h"
#include "framework/program.h"
#include "framework/scope.h"
#include "io/model_loader.h"
#include "passes/passes.h"

namespace pd {

struct PredictorOptions {
  ModelSource model;
  int num_threads = 1;        // CPU math threads (BLAS, kernels)
  bool ir_optim = true;       // apply the graph passes below when the predictor is created
  std::vector<std::string> passes = DefaultPassNames();  // in order; unknown names are skipped
  // Reuse activation buffers: on the CPU each goes back to the allocator after its last reader
  // (ExecConfig::free_intermediates), on a GPU after the run; inputs and outputs stay. Other
  // variables are then not readable after a run.
  bool memory_optim = false;
  bool use_gpu = false;        // run on the CUDA backend (framework/cuda_backend.h)
  int gpu_device_id = 0;
  uint64_t gpu_memory_pool_mb = 100;  // the GPU memory pool reserved up front
  bool allow_tf32 = false;            // ExecConfig::allow_tf32
  bool gpu_graph = false;             // ExecConfig::record_runs (not with memory_optim)
  // CPU convolutions in bfloat16 (Paddle's EnableMkldnnBfloat16; passes.h PlaceBfloat16), with
  // ir_optim, on the op types in bf16_ops (conv2d when empty).
  bool bf16 = false;
  std::vector<std::string> bf16_ops;
};

class Predictor {
  // Only Create and Clone construct predictors; the key keeps make_unique usable for them.
  struct Key {};

 public:
  // Loads the model; fails with the loader's or executor's message. Taken by value so that
  // in-memory model buffers can be moved in and dropped once loaded.
  static std::unique_ptr<Predictor> Create(PredictorOptions options);
  // A predictor sharing this one's program and weights, with fresh inputs and activations.
  std::unique_ptr<Predictor> Clone() const;

  const std::vector<std::string>& input_names() const { return executor_->feed_names(); }
  const std::vector<std::string>& output_names() const { return executor_->fetch_names(); }
  // Declared name, dims (-1 for unknown) and dtype of each input/output, from its VarDesc.
  std::vector<VarInfo> input_infos() const { return Infos(input_names()); }
  std::vector<VarInfo> output_infos() const { return Infos(output_names()); }
  // The declared element type of a variable; kUndefined when the program does not say.
  DType DeclaredType(const std::string& name) const;

  // The variable behind an input name, or behind an output or any other variable of the run
  // scope (intermediates included); fails for names the model does not have.
  Tensor* Input(const std::string& name);
  Tensor* Output(const std::string& name);

  void Run();
  // Frees the activations of the last run; inputs, outputs and weights stay.
  void ClearIntermediateTensor() { ReleaseIntermediates(); }
  // Frees the activations and hands the CPU allocator's cached blocks back to the system;
  // returns the bytes of tensor storage dropped.
  uint64_t TryShrinkMemory();

  Predictor(Key, PredictorOptions options, std::shared_ptr<const Program> program,
            std::shared_ptr<const Scope> weights);

 private:
  std::vector<VarInfo> Infos(const std::vector<std::string>& names) const;
  ExecConfig MakeExecConfig() const;
  uint64_t ReleaseIntermediates();

  PredictorOptions options_;
  std::shared_ptr<const Program> program_;
  std::shared_ptr<const Scope> weights_;
  std::unique_ptr<Scope> run_scope_;  // child of weights_; the executor writes here
  std::unique_ptr<Executor> executor_;
};

}  // namespace pd
