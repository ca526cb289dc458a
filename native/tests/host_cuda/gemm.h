// The host CUDA's GEMM engine (cublas.cc), which cuBLAS's products and cuDNN's convolutions
// (cudnn.cc, as implicit GEMMs) run on.
#pragma once

#include <cstdint>

namespace hostcuda {

// One operand of HostSgemm: writes element (outer0 + o, depth0 + d) to dst[d * width + o] for
// o < count and d < depth (the engine zeroes the rest of each panel). The left operand's outer
// index is the row of C, the right operand's the column; depth runs along the sum.
using GemmPackFn = void (*)(const void* operand, int64_t outer0, int count, int width,
                            int64_t depth0, int depth, float* dst);
// C[i, j] = alpha · Σ_p A[i, p]·B[p, j] + beta · C[i, j] over i < m, j < n, C[i, j] at
// c[i * c_row_stride + j * c_col_stride]. beta 0 does not read C. Uses up to `threads` threads.
void HostSgemm(int64_t m, int64_t n, int64_t k, float alpha, GemmPackFn pack_a, const void* a,
               GemmPackFn pack_b, const void* b, float beta, float* c, int64_t c_row_stride,
               int64_t c_col_stride, int threads);
// The threads the emulation's arithmetic may use: the machine's.
int HostThreads();

}  // namespace hostcuda
