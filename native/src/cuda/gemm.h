// The GPU's matrix products on cuBLAS, shared by mul, matmul, matmul_v2 and fc (blas.cc) and
// their gradients (blas_grad.cc): row-major operands in float32, or in bfloat16 where training's
// mixed precision marks the op (kernels/bf16_attr.h), the results float32, summed in float32.
// cuBLAS is column-major: a row-major C = op(A)·op(B) is computed as Cᵀ = op(B)ᵀ·op(A)ᵀ.
#pragma once

#include <cstdint>
#include <vector>

#include "cuda/op_util.h"

namespace pd::cuda {

// A row-major operand of a GEMM: op(M) is M, or Mᵀ when trans; ld is M's row stride. p points
// at float32 values, or at bfloat16 ones when bf16.
struct Operand {
  const void* p;
  int64_t ld;
  bool trans;
  bool bf16 = false;
};

// C_i [m, n] = alpha · op(A_i) · op(B_i) for each i, A_i at a.p + a_off[i] elements, B_i at
// b.p + b_off[i], C_i at c + i·m·n, all row-major; a sum over nothing (k == 0) is zeros. a and b
// are both float32 or both bfloat16.
void Gemms(CudaContext& cu, int64_t m, int64_t n, int64_t k, float alpha, Operand a,
           const std::vector<int64_t>& a_off, Operand b, const std::vector<int64_t>& b_off,
           float* c);

// Whether a product op runs in bfloat16: marked so where the executor honours the marks
// (ExecConfig::gpu_bf16: training's AMP, never a predictor), as the convolutions do.
bool ProductRunsBf16(const OpContext& ctx, const CudaContext& cu);

// The float32 tensor t as a product reads it: its own data, or with bf16 a copy rounded to
// bfloat16 in scratch (which must outlive the products queued on it; freed, it goes back to
// the pool in stream order).
const void* ProductData(const Tensor& t, bool bf16, const CudaContext& cu, Tensor* scratch);

}  // namespace pd::cuda
