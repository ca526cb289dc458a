// The GEMMs behind mul, matmul, matmul_v2 and fc, from the op's attributes and input shapes:
// Paddle's flattening, transposes, vectors and batch broadcasting resolved to row-major GEMMs.
// Shared by the CPU kernels (math.cc) and the CUDA backend's, so both compute the same products.
#pragma once

#include <cstdint>
#include <vector>

#include "framework/op_registry.h"

namespace pd {

// One or more GEMMs C_i = alpha * op(A_i) * op(B_i), op(A) [m,k], op(B) [k,n], C_i at i*m*n.
struct GemmPlan {
  Dims out;
  int64_t m = 0, n = 0, k = 0;
  bool trans_a = false, trans_b = false;
  std::vector<int64_t> a_offsets{0}, b_offsets{0};  // element offsets of each A_i and B_i
};

// Per output batch index (row-major over out), the element offset of one side's matrix of
// `matrix` elements, its batch dims aligned to out's (1 where it is broadcast).
std::vector<int64_t> BatchOffsets(const Dims& out, const Dims& mine, int64_t matrix);

GemmPlan MulPlan(const OpContext& ctx);
GemmPlan MatmulPlan(const OpContext& ctx);
GemmPlan MatmulV2Plan(const OpContext& ctx);
GemmPlan FcPlan(const OpContext& ctx);

}  // namespace pd
