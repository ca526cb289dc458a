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
  // Panel q covers columns [q*kPanel, q*kPanel + width) and starts q*kPanel*k floats after
  // panel 0.
  const float* panel(int64_t q) const { return data_.data() + start_ + q * kPanel * k_; }

 private:
  // Panel 0 starts start_ floats into data_, on a 64-byte cache line, so every panel and every
  // row of a whole panel (128 bytes) does too: a 64-byte AVX-512 load that straddles two lines
  // costs two, and unaligned, one row times LAC's weights ran 1.7 times slower. (A copy keeps
  // start_: it reads right but may lose the alignment.)
  static constexpr int64_t kAlignFloats = 16;
  std::vector<float> data_;
  int64_t start_ = 0;
  int64_t k_ = 0, n_ = 0;
};

// y[m,n] += x[m,k] · A[k,n] for a packed A, on the widest instruction set the CPU has.
void AddRowsTimesPacked(int64_t m, const float* x, int64_t ldx, const PackedMatrix& a, float* y,
                        int64_t ldy);

// The instruction sets AddRowsTimesPacked chooses between. Every one reads the same packing,
// so a test can run each on one PackedMatrix.
enum class SmallGemmPath { kScalar, kAvx2, kAvx512 };

// Whether this build has the path and this CPU can run it.
bool SmallGemmPathRuns(SmallGemmPath path);

// AddRowsTimesPacked on the given path, which must run here; for tests that compare the paths.
void AddRowsTimesPackedOn(SmallGemmPath path, int64_t m, const float* x, int64_t ldx,
                          const PackedMatrix& a, float* y, int64_t ldy);

}  // namespace pd
