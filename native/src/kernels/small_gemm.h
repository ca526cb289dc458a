// Products too small for a BLAS call to pay off: a recurrent step multiplies a few rows of
// hidden state by the same weight matrix, and a BLAS GEMM would repack that matrix on every
// step. Here the matrix is packed once and each step runs a register-tiled loop over it.
// Single-threaded on purpose: one step is far too little work to pay for waking threads.
#pragma once

#include <cstdint>
#include <vector>

namespace pd {

// A constant right-hand matrix [k, n] copied into column panels of up to 32 columns, each
// panel's k rows contiguous. Read in place, a row-major matrix whose rows are a power-of-two
// bytes apart maps a tile's column slice onto a few cache sets and falls out of L1 between
// row blocks; a panel streams.
class PackedMatrix {
 public:
  static constexpr int64_t kPanel = 32;

  void Pack(int64_t k, int64_t n, const float* a, int64_t lda);
  int64_t k() const { return k_; }
  int64_t n() const { return n_; }
  // Panel q covers columns [q*kPanel, q*kPanel + width) and starts at q*kPanel*k.
  const float* panel(int64_t q) const { return data_.data() + q * kPanel * k_; }

 private:
  std::vector<float> data_;
  int64_t k_ = 0, n_ = 0;
};

// y[m,n] += x[m,k] · A[k,n] for a packed A.
void AddRowsTimesPacked(int64_t m, const float* x, int64_t ldx, const PackedMatrix& a, float* y,
                        int64_t ldy);

}  // namespace pd
