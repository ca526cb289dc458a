// libFuzzer target: arbitrary bytes as a program file (no parameters), through the C API.
// Whatever the bytes, creating a predictor must either succeed or fail with a message.
#include "fuzz_inputs.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (!pd::fuzz::FuzzProgram(data, size)) __builtin_trap();  // a failure must say why
  return 0;
}
