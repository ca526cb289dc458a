// libFuzzer target: the real LAC program with arbitrary bytes as its combined parameter file.
// When the parameters load, one short sentence is run so that the kernels see the fuzzed weights.
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>

#include "fuzz_inputs.h"

namespace {
std::string g_program;
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
  if (!pd::fuzz::FuzzParams(g_program, data, size)) __builtin_trap();
  return 0;
}
