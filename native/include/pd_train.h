// gohub's training extension to the Paddle Inference C API: programs, a writable scope that
// owns parameters, an executor that runs any program over it, and persistables in and out in
// Paddle's formats. The official library has none of these; callers that must also start
// against it look them up at run time (dlsym), as for PD_GetLastError (pd_ext.h). Failures
// follow pd_ext.h: a FALSE/NULL result and PD_GetLastError's message.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "pd_common.h"  // NOLINT
#include "pd_types.h"   // NOLINT

#ifdef __cplusplus
extern "C" {
#endif

typedef struct PD_Program PD_Program;
typedef struct PD_Scope PD_Scope;
typedef struct PD_Executor PD_Executor;

// A program from serialized ProgramDesc bytes (a __model__ or *.pdmodel file's content).
PADDLE_CAPI_EXPORT extern __pd_give PD_Program* PD_ProgramCreate(const void* data, size_t size);
PADDLE_CAPI_EXPORT extern void PD_ProgramDestroy(__pd_take PD_Program* program);
// Writes the serialized ProgramDesc into buffer when capacity suffices; returns its size
// either way (call with capacity 0 to learn it). 0 on failure.
PADDLE_CAPI_EXPORT extern size_t PD_ProgramSerialize(__pd_keep const PD_Program* program,
                                                    void* buffer, size_t capacity);
// Appends the backward part for loss (Paddle's append_backward): grad ops registered with the
// library's kernels, gradient variables "<var>@GRAD". no_grad lists variables that get no
// gradient (may be NULL when count is 0).
PADDLE_CAPI_EXPORT extern PD_Bool PD_ProgramAppendBackward(__pd_keep PD_Program* program,
                                                          const char* loss, size_t no_grad_count,
                                                          const char* const* no_grad);

// A writable scope: variables by name, owned by the scope, shared by the executors over it.
PADDLE_CAPI_EXPORT extern __pd_give PD_Scope* PD_ScopeCreate(void);
PADDLE_CAPI_EXPORT extern void PD_ScopeDestroy(__pd_take PD_Scope* scope);
PADDLE_CAPI_EXPORT extern PD_Bool PD_ScopeHasVar(__pd_keep const PD_Scope* scope,
                                                 const char* name);
// Makes the variable hold a copy of data: rank dims, element type dtype (PD_DATA_FLOAT32,
// PD_DATA_INT64, PD_DATA_INT32), row-major. Creates the variable when absent.
PADDLE_CAPI_EXPORT extern PD_Bool PD_ScopeSetVar(__pd_keep PD_Scope* scope, const char* name,
                                                 PD_DataType dtype, size_t rank,
                                                 const int64_t* dims, const void* data);
// The variable's rank (written dims up to capacity) and element type; -1 when it is absent or
// holds no data.
PADDLE_CAPI_EXPORT extern int32_t PD_ScopeVarShape(__pd_keep const PD_Scope* scope,
                                                   const char* name, int64_t* dims,
                                                   size_t capacity, PD_DataType* dtype);
// Copies the variable's data (bytes must equal its size) into data.
PADDLE_CAPI_EXPORT extern PD_Bool PD_ScopeGetVar(__pd_keep const PD_Scope* scope,
                                                 const char* name, void* data, size_t bytes);
// Writes every persistable variable of program that the scope holds into dir, one file per
// variable named after it, in Paddle's LoDTensor format (paddle.static.save_vars' layout).
PADDLE_CAPI_EXPORT extern PD_Bool PD_ScopeSavePersistables(__pd_keep const PD_Scope* scope,
                                                           __pd_keep const PD_Program* program,
                                                           const char* dir);
// Reads every persistable variable of program from dir (the layout above) into the scope.
PADDLE_CAPI_EXPORT extern PD_Bool PD_ScopeLoadPersistables(__pd_keep PD_Scope* scope,
                                                           __pd_keep const PD_Program* program,
                                                           const char* dir);
// Reads every persistable variable of program from one combined parameter file (the tensors
// one after another in name order: save_inference_model's params_filename layout).
PADDLE_CAPI_EXPORT extern PD_Bool PD_ScopeLoadCombined(__pd_keep PD_Scope* scope,
                                                       __pd_keep const PD_Program* program,
                                                       const char* file);

// An executor of block 0 of program over scope with num_threads CPU threads. It keeps its own
// copy of the program; the scope must outlive it.
PADDLE_CAPI_EXPORT extern __pd_give PD_Executor* PD_ExecutorCreate(
    __pd_keep const PD_Program* program, __pd_keep PD_Scope* scope, int32_t num_threads);
// Like PD_ExecutorCreate, with every op that has a GPU kernel on GPU gpu_id (the CUDA backend
// loads on first use; the others run on the CPU, their tensors copied across). The scope's
// variables those ops read move to the GPU now and stay there between runs: set them with
// PD_ScopeSetVar and read them with PD_ScopeGetVar as before (those copy across). With
// allow_tf32, fp32 convolutions and matrix products use TF32 tensor cores.
PADDLE_CAPI_EXPORT extern __pd_give PD_Executor* PD_ExecutorCreateGpu(
    __pd_keep const PD_Program* program, __pd_keep PD_Scope* scope, int32_t num_threads,
    int32_t gpu_id, PD_Bool allow_tf32);
PADDLE_CAPI_EXPORT extern void PD_ExecutorDestroy(__pd_take PD_Executor* executor);
// With on, every run checks each op's float outputs and fails at the first NaN or Inf, naming
// the op and the variable (slower: every output is read once more).
PADDLE_CAPI_EXPORT extern PD_Bool PD_ExecutorCheckNanInf(__pd_keep PD_Executor* executor,
                                                        PD_Bool on);
// Releases each intermediate tensor after the last op that reads it, so that a training
// step holds only what its backward pass still needs. Kept: persistables, variables no op
// writes (feeds, parameters), fetch targets (fetch ops) and outputs no op reads; read the
// others after a run only with this off (the default).
PADDLE_CAPI_EXPORT extern PD_Bool PD_ExecutorFreeIntermediates(__pd_keep PD_Executor* executor,
                                                               PD_Bool on);
// On a GPU, records a run as a CUDA graph and launches the recording for every later run at
// the same input shapes, instead of queueing each op's kernels: the first run at new shapes
// runs op by op, the second is recorded. What a step allocates and frees (its activations) is
// the recording's own memory; a program with something that cannot be recorded (training
// dropout) runs op by op. Off by default; does nothing on the CPU.
PADDLE_CAPI_EXPORT extern PD_Bool PD_ExecutorRecordRuns(__pd_keep PD_Executor* executor,
                                                        PD_Bool on);
// How many recordings the executor has made that could be launched again (one per run of new
// input shapes, with PD_ExecutorRecordRuns on); -1 on error.
PADDLE_CAPI_EXPORT extern int32_t PD_ExecutorRecordings(__pd_keep const PD_Executor* executor);
// Runs the program once: inputs are the scope's variables as set, results are read from it.
PADDLE_CAPI_EXPORT extern PD_Bool PD_ExecutorRun(__pd_keep PD_Executor* executor);
// PD_ExecutorRun without waiting for a device: returns once the run is queued. Meanwhile the
// caller may set the next step's values of variables that stay on the host (a step's images
// and labels; they take a new buffer, the run keeps its own); every other call on the scope
// (reading a variable, setting one the device holds, saving, loading) and every run over it
// waits for the run first, as PD_ExecutorWait does, which may come from any thread. On the CPU
// the run is done when it returns, as with PD_ExecutorRun. A failure of the device work shows
// in the call that waits.
PADDLE_CAPI_EXPORT extern PD_Bool PD_ExecutorLaunch(__pd_keep PD_Executor* executor);
PADDLE_CAPI_EXPORT extern PD_Bool PD_ExecutorWait(__pd_keep PD_Executor* executor);
// Starts copying to the GPU the values set since the last run into variables that stay on the
// host (the next step's images and labels), beside a launched run, so that the copy overlaps
// its compute; the next run takes them there instead of copying them first. A value set again
// before that run is copied by the run as usual. Call it after setting the next step's values,
// while a launched run computes. It does nothing on the CPU.
PADDLE_CAPI_EXPORT extern PD_Bool PD_ExecutorPrefetch(__pd_keep PD_Executor* executor);

#ifdef __cplusplus
}  // extern "C"
#endif
