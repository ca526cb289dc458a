// pd_train.h: programs, a writable training scope, an executor over it, persistables.
#include "pd_train.h"

#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>

#include "capi/convert.h"
#include "capi/guard.h"
#include "framework/backward.h"
#include "framework/cuda_backend.h"
#include "framework/device.h"
#include "framework/executor.h"
#include "framework/program.h"
#include "framework/scope.h"
#include "io/lod_tensor_io.h"
#include "io/model_loader.h"
#include "passes/passes.h"

struct PD_Program {
  pd::proto::ProgramDesc desc;
};

// The executors over one scope with a launched run not yet waited for (PD_ExecutorLaunch).
// Shared by the scope and its executors: Go's cleanups may destroy a scope before an executor.
using LaunchedRuns = std::set<pd::Executor*>;

struct PD_Scope {
  pd::Scope scope;
  std::shared_ptr<LaunchedRuns> launched = std::make_shared<LaunchedRuns>();
};

struct PD_Executor {
  std::unique_ptr<pd::Executor> impl;
  std::shared_ptr<LaunchedRuns> launched;  // its scope's
};

using pd::capi::Guard;

namespace {

template <typename T>
T& Ref(T* handle, const char* what) {
  PD_CHECK(handle != nullptr, what, " is NULL");
  return *handle;
}

std::string Name(const char* s, const char* what) {
  PD_CHECK(s != nullptr && *s != '\0', what, " is NULL or empty");
  return s;
}

pd::DType FromPD(PD_DataType t) {
  switch (t) {
    case PD_DATA_FLOAT32:
      return pd::DType::kFP32;
    case PD_DATA_INT32:
      return pd::DType::kInt32;
    case PD_DATA_INT64:
      return pd::DType::kInt64;
    default:
      pd::Fail("data type ", static_cast<int>(t), " is not supported here");
  }
}

// Waits for the runs launched over scope: before anything reads or rewrites what a run may
// still be using. A failed run's error comes out here.
void Settle(LaunchedRuns& launched) {
  while (!launched.empty()) {
    pd::Executor* e = *launched.begin();
    launched.erase(launched.begin());
    e->Wait();
  }
}

void Settle(const PD_Scope* scope) { Settle(*Ref(scope, "the scope").launched); }

// The persistable variables of block 0 other than the feed/fetch holders, in name order.
std::vector<std::string> Persistables(const pd::proto::ProgramDesc& desc) {
  std::set<std::string> names;
  if (desc.blocks_size() == 0) return {};
  for (const auto& v : desc.blocks(0).vars()) {
    if (!v.persistable()) continue;
    const auto t = v.type().type();
    if (t == pd::proto::VarType::FEED_MINIBATCH || t == pd::proto::VarType::FETCH_LIST) continue;
    names.insert(v.name());
  }
  return {names.begin(), names.end()};
}

// Variable names become file names: refuse those that would leave dir.
std::filesystem::path FileOf(const std::string& dir, const std::string& name) {
  PD_CHECK(name.find('/') == std::string::npos && name != "." && name != "..",
           "variable name '", name, "' cannot be a file name");
  return std::filesystem::path(dir) / name;
}

// Writes value (on the host) into var. A variable that lives on a device (a GPU executor placed
// it there) stays there, so that executors' plans still hold.
void Assign(pd::Tensor* var, const pd::Tensor& value) {
  pd::CopyTensor(value, var->initialized() ? var->place() : pd::Place::CPU(), var);
}

}  // namespace

PD_Program* PD_ProgramCreate(const void* data, size_t size) {
  return Guard(__func__, static_cast<PD_Program*>(nullptr), [&] {
    PD_CHECK(data != nullptr || size == 0, "the program bytes are NULL");
    auto p = std::make_unique<PD_Program>();
    PD_CHECK(p->desc.ParseFromArray(data, static_cast<int>(size)),
             "the bytes are not a ProgramDesc");
    PD_CHECK(p->desc.blocks_size() > 0, "the program has no blocks");
    return p.release();
  });
}

void PD_ProgramDestroy(PD_Program* program) { delete program; }

size_t PD_ProgramSerialize(const PD_Program* program, void* buffer, size_t capacity) {
  return Guard(__func__, size_t{0}, [&] {
    const std::string bytes = Ref(program, "the program").desc.SerializeAsString();
    if (buffer != nullptr && capacity >= bytes.size()) std::memcpy(buffer, bytes.data(), bytes.size());
    return bytes.size();
  });
}

PD_Bool PD_ProgramAppendBackward(PD_Program* program, const char* loss, size_t no_grad_count,
                                 const char* const* no_grad) {
  return Guard(__func__, PD_Bool{0}, [&] {
    std::set<std::string> skip;
    for (size_t i = 0; i < no_grad_count; ++i) skip.insert(Name(no_grad[i], "a no-grad name"));
    pd::AppendBackward(&Ref(program, "the program").desc, Name(loss, "the loss"), skip);
    return PD_Bool{1};
  });
}

PD_Scope* PD_ScopeCreate(void) {
  return Guard(__func__, static_cast<PD_Scope*>(nullptr), [] { return new PD_Scope(); });
}

void PD_ScopeDestroy(PD_Scope* scope) { delete scope; }

PD_Bool PD_ScopeHasVar(const PD_Scope* scope, const char* name) {
  return Guard(__func__, PD_Bool{0}, [&] {
    return PD_Bool(Ref(scope, "the scope").scope.Has(Name(name, "the name")));
  });
}

PD_Bool PD_ScopeSetVar(PD_Scope* scope, const char* name, PD_DataType dtype, size_t rank,
                       const int64_t* dims, const void* data) {
  return Guard(__func__, PD_Bool{0}, [&] {
    PD_CHECK(rank == 0 || dims != nullptr, "the dims are NULL");
    pd::Dims d(dims, dims + rank);
    pd::Tensor* t = Ref(scope, "the scope").scope.Var(Name(name, "the name"));
    const pd::DType type = FromPD(dtype);
    // A variable on the host (a step's images, in a device executor's staging memory) takes
    // the values straight in: a batch is copied once. A launched run that copies it to the
    // device keeps its own view of the old buffer (Executor::Launch), so the new values go to a
    // new one without waiting. One a device holds gets them through a host copy (Assign),
    // after the runs that may read it.
    const bool on_device = t->initialized() && !t->place().is_cpu();
    if (on_device) Settle(scope);
    pd::Tensor value;
    pd::Tensor* into = on_device ? &value : t;
    if (!on_device) t->set_place(pd::Place::CPU());
    into->Resize(d);
    into->set_lod({});
    into->set_layout(0);
    const size_t bytes = static_cast<size_t>(into->numel()) * pd::SizeOf(type);
    PD_CHECK(data != nullptr || bytes == 0, "the data is NULL");
    void* dst = into->mutable_data_for_overwrite(type);
    if (bytes) std::memcpy(dst, data, bytes);
    if (on_device) Assign(t, value);
    return PD_Bool{1};
  });
}

int32_t PD_ScopeVarShape(const PD_Scope* scope, const char* name, int64_t* dims, size_t capacity,
                         PD_DataType* dtype) {
  return Guard(__func__, int32_t{-1}, [&] {
    Settle(scope);
    const pd::Tensor* t = Ref(scope, "the scope").scope.Find(Name(name, "the name"));
    if (t == nullptr || !t->initialized()) return int32_t{-1};
    for (size_t i = 0; i < t->dims().size() && i < capacity; ++i) dims[i] = t->dims()[i];
    if (dtype != nullptr) *dtype = pd::capi::ToPD(t->dtype());
    return static_cast<int32_t>(t->rank());
  });
}

PD_Bool PD_ScopeGetVar(const PD_Scope* scope, const char* name, void* data, size_t bytes) {
  return Guard(__func__, PD_Bool{0}, [&] {
    Settle(scope);
    const std::string n = Name(name, "the name");
    const pd::Tensor* var = Ref(scope, "the scope").scope.Find(n);
    PD_CHECK(var != nullptr && var->initialized(), "variable '", n, "' holds no data");
    PD_CHECK(bytes == var->nbytes(), "variable '", n, "' holds ", var->nbytes(), " bytes, not ",
             bytes);
    PD_CHECK(data != nullptr || bytes == 0, "the data is NULL");
    pd::Tensor copy;
    const pd::Tensor& t = pd::PlainOnHost(*var, &copy);
    if (bytes) std::memcpy(data, t.raw_data(), bytes);
    return PD_Bool{1};
  });
}

PD_Bool PD_ScopeSavePersistables(const PD_Scope* scope, const PD_Program* program,
                                 const char* dir) {
  return Guard(__func__, PD_Bool{0}, [&] {
    Settle(scope);
    const std::string d = Name(dir, "the directory");
    std::filesystem::create_directories(d);
    for (const std::string& name : Persistables(Ref(program, "the program").desc)) {
      const pd::Tensor* t = Ref(scope, "the scope").scope.Find(name);
      if (t == nullptr || !t->initialized()) continue;
      pd::Tensor copy;
      std::string bytes;
      pd::AppendLoDTensor(pd::PlainOnHost(*t, &copy), &bytes);
      const auto path = FileOf(d, name);
      std::ofstream out(path, std::ios::binary | std::ios::trunc);
      out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
      PD_CHECK(out.good(), "cannot write ", path.string());
    }
    return PD_Bool{1};
  });
}

PD_Bool PD_ScopeLoadPersistables(PD_Scope* scope, const PD_Program* program, const char* dir) {
  return Guard(__func__, PD_Bool{0}, [&] {
    Settle(scope);
    const std::string d = Name(dir, "the directory");
    for (const std::string& name : Persistables(Ref(program, "the program").desc)) {
      const auto path = FileOf(d, name);
      const std::string bytes = pd::ReadFile(path.string());
      size_t offset = 0;
      pd::Tensor value;
      pd::ReadLoDTensor(bytes.data(), bytes.size(), &offset, &value, path.string());
      PD_CHECK(offset == bytes.size(), path.string(), ": ", bytes.size() - offset,
               " bytes after the tensor");
      Assign(Ref(scope, "the scope").scope.Var(name), value);
    }
    return PD_Bool{1};
  });
}

PD_Bool PD_ScopeLoadCombined(PD_Scope* scope, const PD_Program* program, const char* file) {
  return Guard(__func__, PD_Bool{0}, [&] {
    Settle(scope);
    const std::string path = Name(file, "the parameter file");
    const std::string bytes = pd::ReadFile(path);
    size_t offset = 0;
    // A combined file holds the tensors one after another in name order, as Paddle's
    // save_combine writes them for save_inference_model(params_filename=...).
    for (const std::string& name : Persistables(Ref(program, "the program").desc)) {
      PD_CHECK(offset < bytes.size(), path, ": ends before ", name);
      pd::Tensor value;
      pd::ReadLoDTensor(bytes.data(), bytes.size(), &offset, &value, path + " (" + name + ")");
      Assign(Ref(scope, "the scope").scope.Var(name), value);
    }
    PD_CHECK(offset == bytes.size(), path, ": ", bytes.size() - offset,
             " bytes after the program's last persistable");
    return PD_Bool{1};
  });
}

namespace {

PD_Executor* NewExecutor(const PD_Program* program, PD_Scope* scope, const pd::ExecConfig& config) {
  PD_CHECK(config.num_threads >= 1, "the number of threads must be at least 1, not ",
           config.num_threads);
  std::shared_ptr<const pd::Program> prog =
      pd::Program::FromDesc(Ref(program, "the program").desc, "program");
  prog = pd::OptimizeForTraining(*prog, config.place.is_cpu());
  pd::Scope& s = Ref(scope, "the scope").scope;
  if (!config.place.is_cpu()) pd::MoveOpInputsTo(*prog, &s, config.place);
  auto e = std::make_unique<PD_Executor>();
  e->impl = std::make_unique<pd::Executor>(std::move(prog), &s, config);
  e->launched = Ref(scope, "the scope").launched;
  return e.release();
}

}  // namespace

PD_Executor* PD_ExecutorCreate(const PD_Program* program, PD_Scope* scope, int32_t num_threads) {
  return Guard(__func__, static_cast<PD_Executor*>(nullptr), [&] {
    pd::ExecConfig config;
    config.num_threads = num_threads;
    return NewExecutor(program, scope, config);
  });
}

PD_Executor* PD_ExecutorCreateGpu(const PD_Program* program, PD_Scope* scope,
                                  int32_t num_threads, int32_t gpu_id, PD_Bool allow_tf32) {
  return Guard(__func__, static_cast<PD_Executor*>(nullptr), [&] {
    PD_CHECK(gpu_id >= 0, "invalid GPU device id ", gpu_id);
    pd::LoadCudaBackend();
    pd::ExecConfig config;
    config.num_threads = num_threads;
    config.place = pd::Place{pd::DeviceType::kGPU, gpu_id};
    config.allow_tf32 = allow_tf32 != 0;
    config.gpu_bf16 = true;
    config.gpu_bf16_activations = pd::Bf16ActivationsWanted();
    return NewExecutor(program, scope, config);
  });
}

void PD_ExecutorDestroy(PD_Executor* executor) {
  if (executor == nullptr) return;
  executor->launched->erase(executor->impl.get());
  delete executor;  // waits for a launched run
}

PD_Bool PD_ExecutorCheckNanInf(PD_Executor* executor, PD_Bool on) {
  return Guard(__func__, PD_Bool{0}, [&] {
    PD_CHECK(executor != nullptr && executor->impl != nullptr, "the executor is NULL");
    executor->impl->set_check_nan_inf(on != 0);
    return PD_Bool{1};
  });
}

PD_Bool PD_ExecutorFreeIntermediates(PD_Executor* executor, PD_Bool on) {
  return Guard(__func__, PD_Bool{0}, [&] {
    PD_CHECK(executor != nullptr && executor->impl != nullptr, "the executor is NULL");
    executor->impl->set_free_intermediates(on != 0);
    return PD_Bool{1};
  });
}

PD_Bool PD_ExecutorRecordRuns(PD_Executor* executor, PD_Bool on) {
  return Guard(__func__, PD_Bool{0}, [&] {
    PD_CHECK(executor != nullptr && executor->impl != nullptr, "the executor is NULL");
    Settle(*executor->launched);  // a launched run may be its recording's
    executor->impl->set_record_runs(on != 0);
    return PD_Bool{1};
  });
}

int32_t PD_ExecutorRecordings(const PD_Executor* executor) {
  return Guard(__func__, int32_t{-1}, [&] {
    PD_CHECK(executor != nullptr && executor->impl != nullptr, "the executor is NULL");
    return static_cast<int32_t>(executor->impl->recordings());
  });
}

PD_Bool PD_ExecutorRun(PD_Executor* executor) {
  return Guard(__func__, PD_Bool{0}, [&] {
    PD_CHECK(executor != nullptr && executor->impl != nullptr, "the executor is NULL");
    Settle(*executor->launched);
    executor->impl->Run();
    return PD_Bool{1};
  });
}

PD_Bool PD_ExecutorLaunch(PD_Executor* executor) {
  return Guard(__func__, PD_Bool{0}, [&] {
    PD_CHECK(executor != nullptr && executor->impl != nullptr, "the executor is NULL");
    Settle(*executor->launched);
    executor->impl->Launch();
    if (executor->impl->running()) executor->launched->insert(executor->impl.get());
    return PD_Bool{1};
  });
}

PD_Bool PD_ExecutorPrefetch(PD_Executor* executor) {
  return Guard(__func__, PD_Bool{0}, [&] {
    PD_CHECK(executor != nullptr && executor->impl != nullptr, "the executor is NULL");
    // No Settle: it reads only variables on the host, as a launched run allows.
    executor->impl->Prefetch();
    return PD_Bool{1};
  });
}

PD_Bool PD_ExecutorWait(PD_Executor* executor) {
  return Guard(__func__, PD_Bool{0}, [&] {
    PD_CHECK(executor != nullptr && executor->impl != nullptr, "the executor is NULL");
    executor->launched->erase(executor->impl.get());
    executor->impl->Wait();
    return PD_Bool{1};
  });
}
