// libFuzzer target: arbitrary bytes as a program file (no parameters), through the C API.
// Whatever the bytes, creating a predictor must either succeed or fail with a message.
#include <cstddef>
#include <cstdint>

#include "pd_ext.h"
#include "pd_inference_api.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  PD_Config* cfg = PD_ConfigCreate();
  PD_ConfigSetModelBuffer(cfg, reinterpret_cast<const char*>(data), size, "", 0);
  PD_Predictor* predictor = PD_PredictorCreate(cfg);  // consumes cfg
  if (predictor != nullptr) {
    PD_PredictorDestroy(predictor);
  } else if (PD_GetLastError()[0] == '\0') {
    __builtin_trap();  // a failure must always say why
  }
  return 0;
}
