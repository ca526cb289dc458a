// What the opaque C handles are: plain structs owning or pointing at framework objects.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "framework/error.h"
#include "framework/predictor.h"
#include "pd_common.h"

struct PD_Config {
  pd::PredictorOptions options;  // model source, threads, ir/memory optim, use_gpu
  std::string opt_cache_dir;
  PD_PrecisionType gpu_precision = PD_PRECISION_FLOAT32;
  int32_t custom_device_id = 0;
  std::string custom_device_type;
  std::string shape_range_info_path;
  // The passes run when ir_optim is on, edited by Delete/Insert/AppendPass.
  std::vector<std::string> passes = pd::DefaultPassNames();
  bool fc_padding = true;
  bool ir_debug = false;
  bool glog_info_disabled = false;
  bool valid = true;
};

struct PD_Predictor {
  std::unique_ptr<pd::Predictor> impl;
};

// A handle on one variable of a predictor; the predictor owns the tensor.
struct PD_Tensor {
  pd::Predictor* owner;
  pd::Tensor* tensor;
  std::string name;
};

namespace pd::capi {

// Dereferences a handle argument, failing with a clear message when it is NULL.
template <typename T>
T& Deref(T* handle, const char* what) {
  PD_CHECK(handle != nullptr, what, " is NULL");
  return *handle;
}

inline PD_Config& Cfg(PD_Config* c) { return Deref(c, "the config"); }
inline pd::Predictor& Pred(PD_Predictor* p) {
  PD_CHECK(p != nullptr && p->impl != nullptr, "the predictor is NULL");
  return *p->impl;
}
inline PD_Tensor& Tens(PD_Tensor* t) { return Deref(t, "the tensor"); }

// A C string argument that must not be NULL.
inline std::string Str(const char* s, const char* what) {
  PD_CHECK(s != nullptr, what, " is NULL");
  return s;
}

}  // namespace pd::capi
