// The products behind mul_grad, fc_grad and matmul_v2_grad, read back from the gradient op's
// inputs and checked against Out@GRAD. Shared by the CPU kernels (math_grad.cc,
// matmul_grad.cc) and the CUDA backend's (cuda/blas_grad.cc), so both check the same shapes
// and compute the same products.
#pragma once

#include <cstdint>
#include <vector>

#include "framework/op_registry.h"

namespace pd {

// mul_grad and fc_grad: X (fc: Input) flattened to [m, k] as the forward did, Y (fc: W) to
// [k, n], Out@GRAD holding m·n values. dX = dOut · Yᵀ and dY = Xᵀ · dOut.
struct FlatGradShape {
  int64_t m, k, n;
};

FlatGradShape MulGradShape(const OpContext& ctx);
// Also refuses what fc_grad does not compute: an activation other than relu, padded weights.
FlatGradShape FcGradShape(const OpContext& ctx);

// matmul_v2_grad: A = op(X) [m, k] and B = op(Y) [k, n] per output batch index. A 1-D X is a
// row [1, k], a 1-D Y a column [k, 1], as in the forward; batch dims broadcast numpy-style.
struct MatmulV2GradPlan {
  bool trans_x = false, trans_y = false;
  int64_t m = 0, k = 0, n = 0;
  int64_t x_rows = 0, x_cols = 0, y_rows = 0, y_cols = 0;  // the stored matrices
  // The output's batch dims (right-aligned broadcast), and each side's aligned to them, 1
  // where it has none: a side's gradient sums over the dims where it is 1 and the output not.
  Dims batch, x_batch, y_batch;
  int64_t count = 1;  // output batch indices
  // Per output batch index (row-major), the element offset of X's and Y's matrix.
  std::vector<int64_t> x_offsets, y_offsets;

  int64_t x_matrix() const { return x_rows * x_cols; }
  int64_t y_matrix() const { return y_rows * y_cols; }
};

MatmulV2GradPlan PlanMatmulV2Grad(const OpContext& ctx);

}  // namespace pd
