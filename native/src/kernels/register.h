// Every kernel family exposes one Register function; OpRegistry::Global calls them all.
// Explicit calls (rather than static registrars) keep kernels alive in static test binaries.
#pragma once

namespace pd {

class OpRegistry;

void RegisterMathKernels(OpRegistry& r);      // mul, matmul, matmul_v2, elementwise_add, scale
void RegisterEmbeddingKernels(OpRegistry& r); // lookup_table, lookup_table_v2
void RegisterRnnKernels(OpRegistry& r);       // gru
void RegisterCrfKernels(OpRegistry& r);       // crf_decoding
void RegisterTensorKernels(OpRegistry& r);    // concat

inline void RegisterAllKernels(OpRegistry& r) {
  RegisterMathKernels(r);
  RegisterEmbeddingKernels(r);
  RegisterRnnKernels(r);
  RegisterCrfKernels(r);
  RegisterTensorKernels(r);
}

}  // namespace pd
