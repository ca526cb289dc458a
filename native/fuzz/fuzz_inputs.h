// What the fuzzers do with one input, shared with the C++ test that replays the inputs they
// found (native/tests/fuzz_regressions). Each returns false when a failure carried no message.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "io/lite_model.h"
#include "pd_ext.h"
#include "pd_inference_api.h"

namespace pd::fuzz {

// Runs the LAC-shaped input "words" (3 ids, one sequence) through a freshly loaded predictor.
inline void RunOnce(PD_Predictor* predictor) {
  PD_OneDimArrayCstr* inputs = PD_PredictorGetInputNames(predictor);
  if (inputs == nullptr || inputs->size == 0) {
    PD_OneDimArrayCstrDestroy(inputs);
    return;
  }
  PD_Tensor* input = PD_PredictorGetInputHandle(predictor, inputs->data[0]);
  PD_OneDimArrayCstrDestroy(inputs);
  int32_t shape[2] = {3, 1};
  int64_t ids[3] = {1, 2, 3};
  PD_TensorReshape(input, 2, shape);
  PD_TensorCopyFromCpuInt64(input, ids);
  size_t offsets[2] = {0, 3};
  PD_OneDimArraySize level{2, offsets};
  PD_OneDimArraySize* levels[1] = {&level};
  PD_TwoDimArraySize lod{1, levels};
  PD_TensorSetLod(input, &lod);
  PD_PredictorRun(predictor);
  PD_TensorDestroy(input);
}

// Loads program (with params, possibly empty) from memory; runs it once when it loads.
inline bool LoadAndRun(const char* program, size_t program_size, const char* params,
                       size_t params_size) {
  PD_Config* cfg = PD_ConfigCreate();
  PD_ConfigSetModelBuffer(cfg, program, program_size, params, params_size);
  PD_Predictor* predictor = PD_PredictorCreate(cfg);  // consumes cfg
  if (predictor == nullptr) return PD_GetLastError()[0] != '\0';
  RunOnce(predictor);
  PD_PredictorDestroy(predictor);
  return true;
}

// Arbitrary bytes as a program file, with no parameters.
inline bool FuzzProgram(const uint8_t* data, size_t size) {
  return LoadAndRun(reinterpret_cast<const char*>(data), size, "", 0);
}

// A fixed real program with arbitrary bytes as its combined parameter file.
inline bool FuzzParams(const std::string& program, const uint8_t* data, size_t size) {
  return LoadAndRun(program.data(), program.size(), reinterpret_cast<const char*>(data), size);
}

// Arbitrary bytes as a Paddle-Lite model: straight into the .nb parsers (whatever the header
// says), then as a model buffer through the C API, which runs the model when it loads.
inline bool FuzzLite(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  try {
    pd::LoadLiteModel(bytes, "fuzz input");
  } catch (const pd::Error& e) {
    if (e.what()[0] == '\0') return false;
  }
  try {
    pd::ParseNaiveProgram(bytes, "fuzz input");
  } catch (const pd::Error& e) {
    if (e.what()[0] == '\0') return false;
  }
  return LoadAndRun(bytes.data(), size, "", 0);
}

}  // namespace pd::fuzz
