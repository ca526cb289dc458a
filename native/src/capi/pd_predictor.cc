// PD_Predictor functions and PD_GetVersion.
#include "pd_predictor.h"

#include <memory>
#include <string>

#include "capi/convert.h"
#include "capi/guard.h"
#include "capi/handles.h"
#include "framework/cuda_backend.h"
#include "pd_ext.h"
#include "pd_types.h"

using pd::capi::Guard;
using pd::capi::GuardVoid;
using pd::capi::Pred;

extern "C" {

// The predictor takes the config over (__pd_take): it is freed here on every path, so the
// caller must neither use nor destroy it after this call.
PD_Predictor* PD_PredictorCreate(PD_Config* pd_config) {
  std::unique_ptr<PD_Config> config(pd_config);
  return Guard(__func__, static_cast<PD_Predictor*>(nullptr), [&] {
    PD_CHECK(config != nullptr, "the config is NULL");
    PD_CHECK(config->valid, "the config was marked invalid (PD_ConfigSetInvalid)");
    auto predictor = std::make_unique<PD_Predictor>();
    config->options.passes = std::move(config->passes);
    predictor->impl = pd::Predictor::Create(std::move(config->options));
    return predictor.release();
  });
}

PD_Predictor* PD_PredictorClone(PD_Predictor* pd_predictor) {
  return Guard(__func__, static_cast<PD_Predictor*>(nullptr), [&] {
    auto clone = std::make_unique<PD_Predictor>();
    clone->impl = Pred(pd_predictor).Clone();
    return clone.release();
  });
}

PD_OneDimArrayCstr* PD_PredictorGetInputNames(PD_Predictor* pd_predictor) {
  return Guard(__func__, static_cast<PD_OneDimArrayCstr*>(nullptr),
               [&] { return pd::capi::NewCstrArray(Pred(pd_predictor).input_names()); });
}

PD_OneDimArrayCstr* PD_PredictorGetOutputNames(PD_Predictor* pd_predictor) {
  return Guard(__func__, static_cast<PD_OneDimArrayCstr*>(nullptr),
               [&] { return pd::capi::NewCstrArray(Pred(pd_predictor).output_names()); });
}

PD_IOInfos* PD_PredictorGetInputInfos(PD_Predictor* pd_predictor) {
  return Guard(__func__, static_cast<PD_IOInfos*>(nullptr),
               [&] { return pd::capi::NewIOInfos(Pred(pd_predictor).input_infos()); });
}

PD_IOInfos* PD_PredictorGetOutputInfos(PD_Predictor* pd_predictor) {
  return Guard(__func__, static_cast<PD_IOInfos*>(nullptr),
               [&] { return pd::capi::NewIOInfos(Pred(pd_predictor).output_infos()); });
}

size_t PD_PredictorGetInputNum(PD_Predictor* pd_predictor) {
  return Guard(__func__, size_t{0}, [&] { return Pred(pd_predictor).input_names().size(); });
}

size_t PD_PredictorGetOutputNum(PD_Predictor* pd_predictor) {
  return Guard(__func__, size_t{0}, [&] { return Pred(pd_predictor).output_names().size(); });
}

PD_Tensor* PD_PredictorGetInputHandle(PD_Predictor* pd_predictor, const char* name) {
  return Guard(__func__, static_cast<PD_Tensor*>(nullptr), [&] {
    pd::Predictor& p = Pred(pd_predictor);
    std::string n = pd::capi::Str(name, "the input name");
    return new PD_Tensor{&p, p.Input(n), n};
  });
}

PD_Tensor* PD_PredictorGetOutputHandle(PD_Predictor* pd_predictor, const char* name) {
  return Guard(__func__, static_cast<PD_Tensor*>(nullptr), [&] {
    pd::Predictor& p = Pred(pd_predictor);
    std::string n = pd::capi::Str(name, "the output name");
    return new PD_Tensor{&p, p.Output(n), n};
  });
}

PD_Bool PD_PredictorRun(PD_Predictor* pd_predictor) {
  return Guard(__func__, PD_Bool{FALSE}, [&] {
    Pred(pd_predictor).Run();
    return PD_Bool{TRUE};
  });
}

void PD_PredictorClearIntermediateTensor(PD_Predictor* pd_predictor) {
  GuardVoid(__func__, [&] { Pred(pd_predictor).ClearIntermediateTensor(); });
}

uint64_t PD_PredictorTryShrinkMemory(PD_Predictor* pd_predictor) {
  return Guard(__func__, uint64_t{0}, [&] { return Pred(pd_predictor).TryShrinkMemory(); });
}

void PD_PredictorDestroy(PD_Predictor* pd_predictor) { delete pd_predictor; }

const char* PD_GetVersion(void) {
  // Paddle's layout, so tools that parse it keep working, while saying which library this is.
  return "version: 2.6.0\n"
         "commit: gohub-native\n"
         "branch: gohub-native";
}

const char* PD_GpuInfo(void) {
  static const std::string info = pd::CudaBackendInfo();
  return info.c_str();
}

}  // extern "C"
