// PD_Config functions. Model location, CPU/GPU choice, threads and the optimisation switches
// are real settings; engines this library lacks are accepted, remembered where a getter
// exists, reported as off, and enabling one leaves a message in the thread's last error.
#include "pd_config.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "capi/convert.h"
#include "capi/guard.h"
#include "capi/handles.h"
#include "capi/summary.h"
#include "kernels/bf16.h"

using pd::capi::Cfg;
using pd::capi::Guard;
using pd::capi::GuardVoid;
using pd::capi::Str;

// Body of a setter / getter: c is the dereferenced config.
// fn names the exported function (inside the lambda __func__ would name the lambda).
#define PD_CONFIG_SET(...)                            \
  do {                                                \
    const char* fn = __func__;                        \
    GuardVoid(fn, [&] {                               \
      [[maybe_unused]] PD_Config& c = Cfg(pd_config); \
      __VA_ARGS__;                                    \
    });                                               \
  } while (0)
#define PD_CONFIG_GET(on_error, expr)               \
  return Guard(__func__, on_error, [&] {            \
    [[maybe_unused]] PD_Config& c = Cfg(pd_config); \
    return (expr);                                  \
  })

namespace {
// Records, for a setter that asks for an engine this library does not have, why it is ignored.
void Unavailable(const char* fn, const char* feature) {
  pd::capi::SetLastError(
      fn, (std::string(feature) + " is not available in gohub's native library (CPU only); "
                                  "the setting is ignored")
              .c_str());
}

}  // namespace

extern "C" {

PD_Config* PD_ConfigCreate(void) {
  return Guard(__func__, static_cast<PD_Config*>(nullptr),
               [] { return std::make_unique<PD_Config>().release(); });
}

void PD_ConfigDestroy(PD_Config* pd_config) { delete pd_config; }

// ---- model location: the last of SetModel/SetProgFile and SetModelDir wins ----

void PD_ConfigSetModel(PD_Config* pd_config, const char* prog_file_path,
                       const char* params_file_path) {
  PD_CONFIG_SET({
    auto& m = c.options.model;
    m.prog_file = Str(prog_file_path, "the program file path");
    m.params_file = Str(params_file_path, "the parameters file path");
    m.model_dir.clear();
    m.from_memory = false;
  });
}

void PD_ConfigSetProgFile(PD_Config* pd_config, const char* prog_file_path) {
  PD_CONFIG_SET({
    c.options.model.prog_file = Str(prog_file_path, "the program file path");
    c.options.model.model_dir.clear();
    c.options.model.from_memory = false;
  });
}

void PD_ConfigSetParamsFile(PD_Config* pd_config, const char* params_file_path) {
  PD_CONFIG_SET({
    c.options.model.params_file = Str(params_file_path, "the parameters file path");
    c.options.model.from_memory = false;
  });
}

void PD_ConfigSetOptimCacheDir(PD_Config* pd_config, const char* opt_cache_dir) {
  PD_CONFIG_SET(c.opt_cache_dir = Str(opt_cache_dir, "the cache directory"));
}

void PD_ConfigSetModelDir(PD_Config* pd_config, const char* model_dir) {
  PD_CONFIG_SET({
    auto& m = c.options.model;
    m.model_dir = Str(model_dir, "the model directory");
    m.prog_file.clear();
    m.params_file.clear();
    m.from_memory = false;
  });
}

const char* PD_ConfigGetModelDir(PD_Config* pd_config) {
  PD_CONFIG_GET(static_cast<const char*>(nullptr), c.options.model.model_dir.c_str());
}
const char* PD_ConfigGetProgFile(PD_Config* pd_config) {
  PD_CONFIG_GET(static_cast<const char*>(nullptr), c.options.model.prog_file.c_str());
}
const char* PD_ConfigGetParamsFile(PD_Config* pd_config) {
  PD_CONFIG_GET(static_cast<const char*>(nullptr), c.options.model.params_file.c_str());
}

void PD_ConfigDisableFCPadding(PD_Config* pd_config) { PD_CONFIG_SET(c.fc_padding = false); }
PD_Bool PD_ConfigUseFcPadding(PD_Config* pd_config) {
  PD_CONFIG_GET(PD_Bool{FALSE}, PD_Bool(c.fc_padding));
}

void PD_ConfigSetModelBuffer(PD_Config* pd_config, const char* prog_buffer, size_t prog_buffer_size,
                             const char* params_buffer, size_t params_buffer_size) {
  PD_CONFIG_SET({
    PD_CHECK(prog_buffer != nullptr || prog_buffer_size == 0, "the program buffer is NULL");
    PD_CHECK(params_buffer != nullptr || params_buffer_size == 0, "the parameters buffer is NULL");
    auto& m = c.options.model;
    m.prog_buffer.assign(prog_buffer ? prog_buffer : "", prog_buffer_size);
    m.params_buffer.assign(params_buffer ? params_buffer : "", params_buffer_size);
    m.from_memory = true;
  });
}
PD_Bool PD_ConfigModelFromMemory(PD_Config* pd_config) {
  PD_CONFIG_GET(PD_Bool{FALSE}, PD_Bool(c.options.model.from_memory));
}

// ---- GPU: the CUDA backend, loaded by PD_PredictorCreate (framework/cuda_backend.h) ----

void PD_ConfigEnableUseGpu(PD_Config* pd_config, uint64_t memory_pool_init_size_mb,
                           int32_t device_id, PD_PrecisionType precision_mode) {
  PD_CONFIG_SET({
    PD_CHECK(device_id >= 0, "invalid GPU device id ", device_id);
    PD_CHECK(precision_mode >= PD_PRECISION_FLOAT32 && precision_mode <= PD_PRECISION_HALF,
             "invalid precision ", precision_mode);
    // Paddle runs reduced precision through TensorRT, which this library does not have.
    PD_CHECK(precision_mode == PD_PRECISION_FLOAT32,
             "only float32 inference is available on the GPU (TF32 math: PD_ConfigSetGpuTF32)");
    c.options.use_gpu = true;
    c.options.gpu_memory_pool_mb = memory_pool_init_size_mb;
    c.options.gpu_device_id = device_id;
    c.gpu_precision = precision_mode;
  });
}
void PD_ConfigDisableGpu(PD_Config* pd_config) { PD_CONFIG_SET(c.options.use_gpu = false); }
PD_Bool PD_ConfigUseGpu(PD_Config* pd_config) {
  PD_CONFIG_GET(PD_Bool{FALSE}, PD_Bool(c.options.use_gpu));
}
int32_t PD_ConfigGpuDeviceId(PD_Config* pd_config) { PD_CONFIG_GET(0, c.options.gpu_device_id); }
int32_t PD_ConfigMemoryPoolInitSizeMb(PD_Config* pd_config) {
  PD_CONFIG_GET(0, static_cast<int32_t>(
                       std::min<uint64_t>(c.options.gpu_memory_pool_mb, INT32_MAX)));
}
void PD_ConfigSetGpuTF32(PD_Config* pd_config, PD_Bool allow) {
  PD_CONFIG_SET(c.options.allow_tf32 = allow != FALSE);
}
PD_Bool PD_ConfigGpuTF32Enabled(PD_Config* pd_config) {
  PD_CONFIG_GET(PD_Bool{FALSE}, PD_Bool(c.options.allow_tf32));
}
void PD_ConfigSetGpuGraph(PD_Config* pd_config, PD_Bool on) {
  PD_CONFIG_SET(c.options.gpu_graph = on != FALSE);
}
PD_Bool PD_ConfigGpuGraphEnabled(PD_Config* pd_config) {
  PD_CONFIG_GET(PD_Bool{FALSE}, PD_Bool(c.options.gpu_graph));
}
// There is no GPU whose memory the pool could be a fraction of.
float PD_ConfigFractionOfGpuMemoryForPool(PD_Config* pd_config) { PD_CONFIG_GET(0.f, 0.f); }
// The GPU backend always runs convolutions, pooling and softmax on cuDNN.
void PD_ConfigEnableCudnn(PD_Config* pd_config) { PD_CONFIG_SET((void)c); }
PD_Bool PD_ConfigCudnnEnabled(PD_Config* pd_config) {
  PD_CONFIG_GET(PD_Bool{FALSE}, PD_Bool(c.options.use_gpu));
}
void PD_ConfigEnableGpuMultiStream(PD_Config* pd_config) { PD_CONFIG_SET((void)c); }
PD_Bool PD_ConfigThreadLocalStreamEnabled(PD_Config* pd_config) {
  PD_CONFIG_GET(PD_Bool{FALSE}, FALSE);
}
void PD_ConfigSetExecStream(PD_Config* pd_config, void* stream) { PD_CONFIG_SET((void)c); }

// ---- other devices and engines: unavailable ----

void PD_ConfigEnableONNXRuntime(PD_Config* pd_config) {
  PD_CONFIG_SET(Unavailable(fn, "ONNXRuntime"));
}
void PD_ConfigDisableONNXRuntime(PD_Config* pd_config) { PD_CONFIG_SET((void)c); }
PD_Bool PD_ConfigONNXRuntimeEnabled(PD_Config* pd_config) { PD_CONFIG_GET(PD_Bool{FALSE}, FALSE); }
void PD_ConfigEnableORTOptimization(PD_Config* pd_config) {
  PD_CONFIG_SET(Unavailable(fn, "ONNXRuntime"));
}

void PD_ConfigEnableXpu(PD_Config* pd_config, int32_t l3_workspace_size, PD_Bool locked,
                        PD_Bool autotune, const char* autotune_file, const char* precision,
                        PD_Bool adaptive_seqlen, PD_Bool enable_multi_stream) {
  PD_CONFIG_SET(Unavailable(fn, "XPU"));
}
PD_Bool PD_ConfigUseXpu(PD_Config* pd_config) { PD_CONFIG_GET(PD_Bool{FALSE}, FALSE); }
int32_t PD_ConfigXpuDeviceId(PD_Config* pd_config) { PD_CONFIG_GET(0, 0); }

void PD_ConfigEnableCustomDevice(PD_Config* pd_config, char* device_type, int32_t device_id) {
  PD_CONFIG_SET({
    c.custom_device_type = Str(device_type, "the device type");
    c.custom_device_id = device_id;
    Unavailable(fn, "Custom device support");
  });
}
PD_Bool PD_ConfigUseCustomDevice(PD_Config* pd_config) { PD_CONFIG_GET(PD_Bool{FALSE}, FALSE); }
int32_t PD_ConfigCustomDeviceId(PD_Config* pd_config) { PD_CONFIG_GET(0, c.custom_device_id); }
char* PD_ConfigCustomDeviceType(PD_Config* pd_config) {
  PD_CONFIG_GET(static_cast<char*>(nullptr), pd::capi::MallocCopy(c.custom_device_type));
}

void PD_ConfigEnableTensorRtEngine(PD_Config* pd_config, int64_t workspace_size,
                                   int32_t max_batch_size, int32_t min_subgraph_size,
                                   PD_PrecisionType precision, PD_Bool use_static,
                                   PD_Bool use_calib_mode) {
  PD_CONFIG_SET(Unavailable(fn, "TensorRT"));
}
PD_Bool PD_ConfigTensorRtEngineEnabled(PD_Config* pd_config) {
  PD_CONFIG_GET(PD_Bool{FALSE}, FALSE);
}
void PD_ConfigSetTrtDynamicShapeInfo(PD_Config* pd_config, size_t tensor_num,
                                     const char** tensor_name, size_t* shapes_num,
                                     int32_t** min_shape, int32_t** max_shape,
                                     int32_t** optim_shape, PD_Bool disable_trt_plugin_fp16) {
  PD_CONFIG_SET(Unavailable(fn, "TensorRT"));
}
PD_Bool PD_ConfigTensorRtDynamicShapeEnabled(PD_Config* pd_config) {
  PD_CONFIG_GET(PD_Bool{FALSE}, FALSE);
}
void PD_ConfigEnableTunedTensorRtDynamicShape(PD_Config* pd_config,
                                              const char* shape_range_info_path,
                                              PD_Bool allow_build_at_runtime) {
  PD_CONFIG_SET({
    c.shape_range_info_path = Str(shape_range_info_path, "the shape range info path");
    Unavailable(fn, "TensorRT");
  });
}
PD_Bool PD_ConfigTunedTensorRtDynamicShape(PD_Config* pd_config) {
  PD_CONFIG_GET(PD_Bool{FALSE}, FALSE);
}
PD_Bool PD_ConfigTrtAllowBuildAtRuntime(PD_Config* pd_config) {
  PD_CONFIG_GET(PD_Bool{FALSE}, FALSE);
}
void PD_ConfigCollectShapeRangeInfo(PD_Config* pd_config, const char* shape_range_info_path) {
  PD_CONFIG_SET({
    c.shape_range_info_path = Str(shape_range_info_path, "the shape range info path");
    Unavailable(fn, "Shape range collection (for TensorRT)");
  });
}
const char* PD_ConfigShapeRangeInfoPath(PD_Config* pd_config) {
  PD_CONFIG_GET(static_cast<const char*>(nullptr),
                static_cast<const char*>(pd::capi::MallocCopy(c.shape_range_info_path)));
}
PD_Bool PD_ConfigShapeRangeInfoCollected(PD_Config* pd_config) {
  PD_CONFIG_GET(PD_Bool{FALSE}, FALSE);
}
// Keeping ops out of an engine that never runs changes nothing.
void PD_ConfigDisableTensorRtOPs(PD_Config* pd_config, size_t ops_num, const char** ops_name) {
  PD_CONFIG_SET((void)c);
}
void PD_ConfigEnableVarseqlen(PD_Config* pd_config) { PD_CONFIG_SET(Unavailable(fn, "TensorRT")); }
PD_Bool PD_ConfigTensorRtOssEnabled(PD_Config* pd_config) { PD_CONFIG_GET(PD_Bool{FALSE}, FALSE); }
void PD_ConfigEnableTensorRtDla(PD_Config* pd_config, int32_t dla_core) {
  PD_CONFIG_SET(Unavailable(fn, "TensorRT"));
}
PD_Bool PD_ConfigTensorRtDlaEnabled(PD_Config* pd_config) { PD_CONFIG_GET(PD_Bool{FALSE}, FALSE); }

void PD_ConfigEnableLiteEngine(PD_Config* pd_config, PD_PrecisionType precision, PD_Bool zero_copy,
                               size_t passes_filter_num, const char** passes_filter,
                               size_t ops_filter_num, const char** ops_filter) {
  PD_CONFIG_SET(Unavailable(fn, "The Paddle-Lite sub-graph engine"));
}
PD_Bool PD_ConfigLiteEngineEnabled(PD_Config* pd_config) { PD_CONFIG_GET(PD_Bool{FALSE}, FALSE); }

// ---- CPU: threads are real; oneDNN is not linked (plain MKLDNN only affects speed) ----

void PD_ConfigSetCpuMathLibraryNumThreads(PD_Config* pd_config,
                                          int32_t cpu_math_library_num_threads) {
  PD_CONFIG_SET({
    PD_CHECK(cpu_math_library_num_threads >= 1, "the number of threads must be at least 1, not ",
             cpu_math_library_num_threads);
    c.options.num_threads = cpu_math_library_num_threads;
  });
}
int32_t PD_ConfigGetCpuMathLibraryNumThreads(PD_Config* pd_config) {
  PD_CONFIG_GET(0, c.options.num_threads);
}
void PD_ConfigEnableMKLDNN(PD_Config* pd_config) { PD_CONFIG_SET((void)c); }
void PD_ConfigSetMkldnnCacheCapacity(PD_Config* pd_config, int32_t capacity) {
  PD_CONFIG_SET((void)c);
}
PD_Bool PD_ConfigMkldnnEnabled(PD_Config* pd_config) { PD_CONFIG_GET(PD_Bool{FALSE}, FALSE); }
void PD_ConfigSetMkldnnOp(PD_Config* pd_config, size_t ops_num, const char** op_list) {
  PD_CONFIG_SET((void)c);
}
void PD_ConfigEnableMkldnnQuantizer(PD_Config* pd_config) {
  PD_CONFIG_SET(Unavailable(fn, "oneDNN int8 quantization"));
}
PD_Bool PD_ConfigMkldnnQuantizerEnabled(PD_Config* pd_config) {
  PD_CONFIG_GET(PD_Bool{FALSE}, FALSE);
}
// As Paddle: bfloat16 only where oneDNN runs it natively (AVX-512); elsewhere the switch stays
// off, since emulated bfloat16 would be slower than float32.
void PD_ConfigEnableMkldnnBfloat16(PD_Config* pd_config) {
  PD_CONFIG_SET(c.options.bf16 = pd::Bf16ConvIsNative());
}
PD_Bool PD_ConfigMkldnnBfloat16Enabled(PD_Config* pd_config) {
  PD_CONFIG_GET(PD_Bool{FALSE}, c.options.bf16 ? TRUE : FALSE);
}
void PD_ConfigSetBfloat16Op(PD_Config* pd_config, size_t ops_num, const char** op_list) {
  PD_CONFIG_SET({
    PD_CHECK(ops_num == 0 || op_list != nullptr, "op_list is null");
    c.options.bf16_ops.clear();
    for (size_t i = 0; i < ops_num; ++i) c.options.bf16_ops.push_back(Str(op_list[i], "op name"));
  });
}
void PD_ConfigEnableMkldnnInt8(PD_Config* pd_config) {
  PD_CONFIG_SET(Unavailable(fn, "oneDNN int8"));
}
PD_Bool PD_ConfigMkldnnInt8Enabled(PD_Config* pd_config) { PD_CONFIG_GET(PD_Bool{FALSE}, FALSE); }

// ---- graph and memory optimisation ----

void PD_ConfigSwitchIrOptim(PD_Config* pd_config, PD_Bool x) {
  PD_CONFIG_SET(c.options.ir_optim = x != FALSE);
}
PD_Bool PD_ConfigIrOptim(PD_Config* pd_config) {
  PD_CONFIG_GET(PD_Bool{FALSE}, PD_Bool(c.options.ir_optim));
}
void PD_ConfigSwitchIrDebug(PD_Config* pd_config, PD_Bool x) {
  PD_CONFIG_SET(c.ir_debug = x != FALSE);
}
void PD_ConfigEnableMemoryOptim(PD_Config* pd_config, PD_Bool x) {
  PD_CONFIG_SET(c.options.memory_optim = x != FALSE);
}
PD_Bool PD_ConfigMemoryOptimEnabled(PD_Config* pd_config) {
  PD_CONFIG_GET(PD_Bool{FALSE}, PD_Bool(c.options.memory_optim));
}

void PD_ConfigDeletePass(PD_Config* pd_config, const char* pass) {
  PD_CONFIG_SET({
    std::string name = Str(pass, "the pass name");
    c.passes.erase(std::remove(c.passes.begin(), c.passes.end(), name), c.passes.end());
  });
}
void PD_ConfigInsertPass(PD_Config* pd_config, size_t idx, const char* pass) {
  PD_CONFIG_SET({
    PD_CHECK(idx <= c.passes.size(), "position ", idx, " is past the end of the ", c.passes.size(),
             " passes");
    c.passes.insert(c.passes.begin() + static_cast<std::ptrdiff_t>(idx),
                    Str(pass, "the pass name"));
  });
}
void PD_ConfigAppendPass(PD_Config* pd_config, const char* pass) {
  PD_CONFIG_SET(c.passes.push_back(Str(pass, "the pass name")));
}
PD_OneDimArrayCstr* PD_ConfigAllPasses(PD_Config* pd_config) {
  PD_CONFIG_GET(static_cast<PD_OneDimArrayCstr*>(nullptr), pd::capi::NewCstrArray(c.passes));
}

// ---- misc ----

void PD_ConfigEnableProfile(PD_Config* pd_config) { PD_CONFIG_SET((void)c); }
PD_Bool PD_ConfigProfileEnabled(PD_Config* pd_config) { PD_CONFIG_GET(PD_Bool{FALSE}, FALSE); }
// This library does not log, so the switch only needs remembering.
void PD_ConfigDisableGlogInfo(PD_Config* pd_config) { PD_CONFIG_SET(c.glog_info_disabled = true); }
PD_Bool PD_ConfigGlogInfoDisabled(PD_Config* pd_config) {
  PD_CONFIG_GET(PD_Bool{FALSE}, PD_Bool(c.glog_info_disabled));
}
void PD_ConfigSetInvalid(PD_Config* pd_config) { PD_CONFIG_SET(c.valid = false); }
PD_Bool PD_ConfigIsValid(PD_Config* pd_config) { PD_CONFIG_GET(PD_Bool{FALSE}, PD_Bool(c.valid)); }
// Drops the in-memory model copies, the only large thing a config holds.
void PD_ConfigPartiallyRelease(PD_Config* pd_config) {
  PD_CONFIG_SET({
    std::string().swap(c.options.model.prog_buffer);
    std::string().swap(c.options.model.params_buffer);
  });
}

PD_Cstr* PD_ConfigSummary(PD_Config* pd_config) {
  PD_CONFIG_GET(static_cast<PD_Cstr*>(nullptr), pd::capi::NewCstr(pd::capi::Summary(c)));
}

}  // extern "C"
