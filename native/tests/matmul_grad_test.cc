// matmul_v2_grad (kernels/matmul_grad.cc) against a naive reference for every trans_x/trans_y
// combination, with batch dims broadcast on both sides and 1-D operands; and the same on the
// GPU's kernel (cuda/blas_grad.cc) where GOHUB_TEST_GPU names one. (The oracle cases in
// testdata/grads cover no transpose and trans_y against real Paddle.)
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "test_util.h"

namespace pd::test {
namespace {

std::vector<float> Fill(int64_t n, float phase) {
  std::vector<float> v(n);
  for (int64_t i = 0; i < n; ++i) v[i] = std::sin(phase + 0.7f * i);
  return v;
}

// Index of a row-major element of dims at multi-index idx.
int64_t At(const Dims& dims, const std::vector<int64_t>& idx) {
  int64_t o = 0;
  for (size_t i = 0; i < dims.size(); ++i) o = o * dims[i] + idx[i];
  return o;
}

// X [bx..., r, c] and Y likewise (rank >= 2 here; 1-D handled by the caller's reshape), out
// batch = broadcast. Returns dX, dY by summing over every output element's contributions.
void Reference(const Dims& xd, const std::vector<float>& x, const Dims& yd,
               const std::vector<float>& y, bool tx, bool ty, const std::vector<float>& dout,
               std::vector<float>* dx, std::vector<float>* dy) {
  const size_t xr = xd.size() - 2, yr = yd.size() - 2, r = std::max(xr, yr);
  Dims batch(r);
  for (size_t j = 0; j < r; ++j) {
    const int64_t xs = j + xr >= r ? xd[j + xr - r] : 1, ys = j + yr >= r ? yd[j + yr - r] : 1;
    batch[j] = std::max(xs, ys);
  }
  const int64_t m = tx ? xd[xr + 1] : xd[xr], k = tx ? xd[xr] : xd[xr + 1];
  const int64_t n = ty ? yd[yr] : yd[yr + 1];
  dx->assign(x.size(), 0.0f);
  dy->assign(y.size(), 0.0f);
  const int64_t count = Numel(batch);
  std::vector<int64_t> b(r, 0);
  for (int64_t bi = 0; bi < count; ++bi) {
    std::vector<int64_t> xi(xr + 2), yi(yr + 2);
    for (size_t j = 0; j < xr; ++j) xi[j] = xd[j] == 1 ? 0 : b[j + r - xr];
    for (size_t j = 0; j < yr; ++j) yi[j] = yd[j] == 1 ? 0 : b[j + r - yr];
    for (int64_t i = 0; i < m; ++i)
      for (int64_t jn = 0; jn < n; ++jn) {
        const float g = dout[(bi * m + i) * n + jn];
        for (int64_t kk = 0; kk < k; ++kk) {
          xi[xr] = tx ? kk : i;
          xi[xr + 1] = tx ? i : kk;
          yi[yr] = ty ? jn : kk;
          yi[yr + 1] = ty ? kk : jn;
          const int64_t xo = At(xd, xi), yo = At(yd, yi);
          (*dx)[xo] += g * y[yo];
          (*dy)[yo] += g * x[xo];
        }
      }
    for (size_t j = r; j-- > 0;) {
      if (++b[j] < batch[j]) break;
      b[j] = 0;
    }
  }
}

void Check(const ExecConfig& config, const Dims& xd, const Dims& yd, bool tx, bool ty,
           const Dims& out_dims, const Dims& ref_xd, const Dims& ref_yd) {
  SCOPED_TRACE("X " + DimsToString(xd) + " Y " + DimsToString(yd) + " trans_x " +
               std::to_string(tx) + " trans_y " + std::to_string(ty));
  const auto x = Fill(Numel(xd), 0.3f), y = Fill(Numel(yd), 1.1f);
  const auto dout = Fill(Numel(out_dims), 2.0f);
  Scope s;
  SetTensor(&s, "x", xd, x);
  SetTensor(&s, "y", yd, y);
  SetTensor(&s, "dout", out_dims, dout);
  const OpBuilder op = OpBuilder("matmul_v2_grad")
                           .In("X", {"x"})
                           .In("Y", {"y"})
                           .In("Out@GRAD", {"dout"})
                           .Out("X@GRAD", {"dx"})
                           .Out("Y@GRAD", {"dy"})
                           .Bool("trans_x", tx)
                           .Bool("trans_y", ty)
                           // Padding: without it the block is 123 bytes, and a program
                           // starting "\n{" is taken for PIR JSON by Program::Parse.
                           .String("note", "matmul_v2_grad test");
  Executor(ProgramOf({op}), &s, config).Run();
  std::vector<float> want_dx, want_dy;
  Reference(ref_xd, x, ref_yd, y, tx, ty, dout, &want_dx, &want_dy);
  EXPECT_EQ(Get(s, "dx").dims(), xd);
  EXPECT_EQ(Get(s, "dy").dims(), yd);
  const auto dx = HostValues(Get(s, "dx")), dy = HostValues(Get(s, "dy"));
  ASSERT_EQ(dx.size(), want_dx.size());
  ASSERT_EQ(dy.size(), want_dy.size());
  for (size_t i = 0; i < dx.size(); ++i) EXPECT_NEAR(dx[i], want_dx[i], 1e-5) << "dX " << i;
  for (size_t i = 0; i < dy.size(); ++i) EXPECT_NEAR(dy[i], want_dy[i], 1e-5) << "dY " << i;
}

void EveryTransposeWithBroadcastBatches(const ExecConfig& config) {
  for (bool tx : {false, true})
    for (bool ty : {false, true}) {
      // m = 3, k = 4, n = 5; X batch [2, 1], Y batch [3]: out batch [2, 3].
      const Dims xd = tx ? Dims{2, 1, 4, 3} : Dims{2, 1, 3, 4};
      const Dims yd = ty ? Dims{3, 5, 4} : Dims{3, 4, 5};
      Check(config, xd, yd, tx, ty, {2, 3, 3, 5}, xd, yd);
      // Y without batch dims, shared by every batch of X.
      const Dims y2 = ty ? Dims{5, 4} : Dims{4, 5};
      const Dims x2 = tx ? Dims{2, 4, 3} : Dims{2, 3, 4};
      Check(config, x2, y2, tx, ty, {2, 3, 5}, x2, y2);
    }
}

void OneDimensionalOperands(const ExecConfig& config) {
  // x [4] is a row [1, 4]; y [4] a column [4, 1].
  Check(config, {4}, {2, 4, 5}, false, false, {2, 5}, {1, 4}, {2, 4, 5});
  Check(config, {2, 3, 4}, {4}, false, false, {2, 3}, {2, 3, 4}, {4, 1});
  Check(config, {4}, {4}, false, false, {}, {1, 4}, {4, 1});
}

TEST(MatmulV2Grad, EveryTransposeWithBroadcastBatches) { EveryTransposeWithBroadcastBatches({}); }

TEST(MatmulV2Grad, OneDimensionalOperands) { OneDimensionalOperands({}); }

TEST(GpuMatmulV2Grad, MatchesTheReference) {
  const int gpu = TestGpu();
  if (gpu < 0) GTEST_SKIP() << "GOHUB_TEST_GPU is not set";
  ExecConfig config;
  config.place = Place{DeviceType::kGPU, gpu};
  EveryTransposeWithBroadcastBatches(config);
  OneDimensionalOperands(config);
}

}  // namespace
}  // namespace pd::test
