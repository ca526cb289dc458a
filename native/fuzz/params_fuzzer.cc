// libFuzzer target: the real LAC program with arbitrary bytes as its combined parameter file.
// When the parameters load, one short sentence is run so that the kernels see the fuzzed weights.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>

#include "pd_ext.h"
#include "pd_inference_api.h"

namespace {
std::string g_program;

void RunOnce(PD_Predictor* predictor) {
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
}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  const char* shared = std::getenv("GOHUB_SHARED");
  std::string path = std::string(shared ? shared : "../shared") + "/models/lac_seg/model/__model__";
  std::ifstream in(path, std::ios::binary);
  g_program.assign(std::istreambuf_iterator<char>(in), {});
  if (g_program.empty()) std::abort();  // the fuzzer needs the real program
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  PD_Config* cfg = PD_ConfigCreate();
  PD_ConfigSetModelBuffer(cfg, g_program.data(), g_program.size(),
                          reinterpret_cast<const char*>(data), size);
  PD_Predictor* predictor = PD_PredictorCreate(cfg);  // consumes cfg
  if (predictor == nullptr) {
    if (PD_GetLastError()[0] == '\0') __builtin_trap();
    return 0;
  }
  RunOnce(predictor);
  PD_PredictorDestroy(predictor);
  return 0;
}
