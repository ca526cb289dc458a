// libFuzzer target: arbitrary bytes as a Paddle-Lite model (model.nb or __model__.nb). Every
// input must load or fail with a message; the real .nb files are the seeds (scripts/fuzz.sh).
#include "fuzz_inputs.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (!pd::fuzz::FuzzLite(data, size)) __builtin_trap();  // a failure must say why
  return 0;
}
