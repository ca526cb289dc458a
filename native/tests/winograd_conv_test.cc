// Winograd F(4x4, 3x3) convolutions (kernels/winograd.h): the kernel against a direct
// convolution summed in double, over partial tiles, paddings, channel counts that leave a
// narrower last column block, several tile blocks and threads, and each post-op; and the conv2d
// op and its gradients on the Winograd path against the same ops on oneDNN's direct kernels, and
// the filter gradient against its definition.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "kernels/winograd.h"
#include "test_util.h"

namespace pd::test {
namespace {

struct Geometry {
  const char* name;
  int64_t n, h, w, c, k, pad_top, pad_bottom, pad_left, pad_right;
};

const Geometry kGeometries[] = {
    {"one tile block", 1, 8, 8, 16, 16, 1, 1, 1, 1},
    {"partial tiles", 2, 13, 17, 32, 48, 1, 1, 1, 1},
    {"last column block of 16", 3, 10, 10, 64, 80, 1, 1, 1, 1},
    {"no padding", 1, 9, 11, 16, 32, 0, 0, 0, 0},
    {"padding 2", 1, 7, 7, 16, 16, 2, 2, 2, 2},
    {"uneven padding", 2, 9, 8, 16, 16, 0, 2, 2, 1},
    {"many tile blocks", 2, 44, 40, 16, 16, 1, 1, 1, 1},
    {"wide channels", 1, 12, 12, 256, 128, 1, 1, 1, 1},
};

WinogradShape ShapeOf(const Geometry& g) {
  return {g.n, g.h, g.w, g.c, g.k, g.pad_top, g.pad_left,
          g.h + g.pad_top + g.pad_bottom - 2, g.w + g.pad_left + g.pad_right - 2};
}

template <typename T>
T MaxAbs(const std::vector<T>& v) {
  T m = 0;
  for (T x : v) m = std::max(m, std::abs(x));
  return m;
}

// Expects got within tol times the largest magnitude of want, the exact result.
void ExpectCloseToExact(const std::vector<float>& got, const std::vector<double>& want,
                        double tol) {
  double max_diff = 0;
  for (size_t i = 0; i < want.size(); ++i)
    max_diff = std::max(max_diff, std::abs(want[i] - got[i]));
  EXPECT_LE(max_diff, tol * MaxAbs(want)) << "max |want| " << MaxAbs(want);
}

// The convolution by its definition, in double: src [n, h, w, c], filter [k, c, 3, 3], result
// [n, out_h, out_w, k] with the post-ops.
std::vector<double> Direct(const WinogradShape& s, const std::vector<float>& src,
                           const std::vector<float>& filter, const std::vector<float>& bias,
                           const std::vector<float>& residual, const WinogradPostOps& post) {
  std::vector<double> out(static_cast<size_t>(s.n * s.out_h * s.out_w * s.k));
  for (int64_t n = 0; n < s.n; ++n)
    for (int64_t oy = 0; oy < s.out_h; ++oy)
      for (int64_t ox = 0; ox < s.out_w; ++ox)
        for (int64_t k = 0; k < s.k; ++k) {
          double sum = post.bias ? bias[k] : 0.0;
          for (int64_t ky = 0; ky < 3; ++ky)
            for (int64_t kx = 0; kx < 3; ++kx) {
              const int64_t y = oy + ky - s.pad_top, x = ox + kx - s.pad_left;
              if (y < 0 || y >= s.h || x < 0 || x >= s.w) continue;
              for (int64_t c = 0; c < s.c; ++c)
                sum += double(src[((n * s.h + y) * s.w + x) * s.c + c]) *
                       filter[((k * s.c + c) * 3 + ky) * 3 + kx];
            }
          const size_t i = static_cast<size_t>(((n * s.out_h + oy) * s.out_w + ox) * s.k + k);
          if (post.residual) sum += residual[i];
          out[i] = post.relu ? std::max(sum, 0.0) : sum;
        }
  return out;
}

// Winograd's transforms cost a few roundings of the largest partial sums: the error is held
// to 2e-5 of the output's largest magnitude (a wrong transform is off by the whole output).
void CheckKernel(VectorIsa isa, const Geometry& g, const WinogradPostOps& post, int threads) {
  SCOPED_TRACE(std::string(VectorIsaName(isa)) + ", " + g.name + ", threads " +
               std::to_string(threads) + ", bias " +
               std::to_string(post.bias) + ", residual " + std::to_string(post.residual) +
               ", relu " + std::to_string(post.relu));
  const WinogradShape s = ShapeOf(g);
  const std::vector<float> src = RandomFloats(g.n * g.h * g.w * g.c, 3);
  const std::vector<float> filter = RandomFloats(g.k * g.c * 9, 4, -0.3f, 0.3f);
  const std::vector<float> bias = RandomFloats(g.k, 5);
  const std::vector<float> residual = RandomFloats(s.n * s.out_h * s.out_w * s.k, 6);
  WinogradConv conv(s, isa);
  conv.SetFilter(filter.data(), threads);
  std::vector<float> out = residual;  // the residual is added to what the output holds
  std::vector<float> scratch(conv.ScratchFloats(threads));
  conv.Run(src.data(), bias.data(), out.data(), post, threads, scratch.data());
  ExpectCloseToExact(out, Direct(s, src, filter, bias, residual, post), 2e-5);
}

// The instruction sets the kernels have and this CPU runs (none before AVX2: then the library
// never chooses Winograd, which WinogradRuns checks).
std::vector<VectorIsa> Isas() {
  std::vector<VectorIsa> isas;
  for (VectorIsa isa : {VectorIsa::kAvx2, VectorIsa::kAvx512})
    if (VectorIsaRuns(isa)) isas.push_back(isa);
  return isas;
}

TEST(WinogradKernel, RunsWhereTheCpuHasAvx2) {
  EXPECT_EQ(WinogradRuns(16, 16), !Isas().empty());
  EXPECT_EQ(WinogradIsa(), Isas().empty() ? VectorIsa::kScalar : Isas().back());
}

TEST(WinogradKernel, MatchesTheDirectConvolution) {
  for (VectorIsa isa : Isas())
    for (const Geometry& g : kGeometries) CheckKernel(isa, g, {true, false, true}, 1);
}

TEST(WinogradKernel, EachPostOp) {
  for (VectorIsa isa : Isas())
    for (const WinogradPostOps& post :
         {WinogradPostOps{false, false, false}, WinogradPostOps{true, false, false},
          WinogradPostOps{false, true, false}, WinogradPostOps{true, true, true}})
      CheckKernel(isa, kGeometries[1], post, 1);
}

TEST(WinogradKernel, Threads) {
  for (VectorIsa isa : Isas()) {
    for (const Geometry& g : kGeometries) CheckKernel(isa, g, {true, true, true}, 2);
    CheckKernel(isa, kGeometries[0], {true, false, true}, 3);  // more threads than tiles
  }
}

// The filter gradient by its definition, in double: dfilter [k, c, 3, 3] from src [n, h, w, c]
// and dy [n, out_h, out_w, k].
std::vector<double> DirectFilterGrad(const WinogradShape& s, const std::vector<float>& src,
                                     const std::vector<float>& dy) {
  std::vector<double> df(static_cast<size_t>(s.k * s.c * 9), 0.0);
  for (int64_t n = 0; n < s.n; ++n)
    for (int64_t oy = 0; oy < s.out_h; ++oy)
      for (int64_t ox = 0; ox < s.out_w; ++ox)
        for (int64_t ky = 0; ky < 3; ++ky)
          for (int64_t kx = 0; kx < 3; ++kx) {
            const int64_t y = oy + ky - s.pad_top, x = ox + kx - s.pad_left;
            if (y < 0 || y >= s.h || x < 0 || x >= s.w) continue;
            const float* in = &src[static_cast<size_t>(((n * s.h + y) * s.w + x) * s.c)];
            const float* g = &dy[static_cast<size_t>(((n * s.out_h + oy) * s.out_w + ox) * s.k)];
            for (int64_t k = 0; k < s.k; ++k)
              for (int64_t c = 0; c < s.c; ++c)
                df[static_cast<size_t>(((k * s.c + c) * 3 + ky) * 3 + kx)] += double(g[k]) * in[c];
          }
  return df;
}

// The filter gradient sums over every output pixel of the batch: the error is held to 5e-5 of
// its largest magnitude.
void CheckFilterGrad(VectorIsa isa, const Geometry& g, int threads) {
  SCOPED_TRACE(std::string(VectorIsaName(isa)) + ", " + g.name + ", threads " +
               std::to_string(threads));
  const WinogradShape s = ShapeOf(g);
  const std::vector<float> src = RandomFloats(g.n * g.h * g.w * g.c, 21);
  const std::vector<float> dy = RandomFloats(s.n * s.out_h * s.out_w * s.k, 22);
  std::vector<float> scratch(WinogradFilterGradScratchFloats(s));
  std::vector<float> df(s.k * s.c * 9, -7.0f);  // overwritten
  WinogradFilterGrad(s, src.data(), dy.data(), df.data(), threads, scratch.data(), isa);
  ExpectCloseToExact(df, DirectFilterGrad(s, src, dy), 5e-5);
}

TEST(WinogradKernel, FilterGradMatchesItsDefinition) {
  for (VectorIsa isa : Isas()) {
    for (const Geometry& g : kGeometries) CheckFilterGrad(isa, g, 1);
    CheckFilterGrad(isa, kGeometries[6], 2);
    CheckFilterGrad(isa, kGeometries[2], 3);
  }
}

TEST(WinogradRuns, NeedsChannelsInVectors) {
  EXPECT_FALSE(WinogradRuns(24, 16));
  EXPECT_FALSE(WinogradRuns(16, 8));
}

// ResNet-50's 7x7 stage at batch 1 (4 tiles, 512 channels) reads the transformed filter for
// too little work: it stays on the direct kernel; its 56x56 stage goes to Winograd. At batch 8
// the 7x7 stage pays on AVX-512, not on AVX2 (its 38 MB transformed filter).
TEST(WinogradPays, ManyTilesPerThread) {
  SetWinogradChoice(WinogradChoice::kAuto);  // whatever GOHUB_CONV_WINOGRAD says
  for (VectorIsa isa : {VectorIsa::kAvx2, VectorIsa::kAvx512}) {
    SCOPED_TRACE(VectorIsaName(isa));
    EXPECT_FALSE(WinogradPays({1, 7, 7, 512, 512, 1, 1, 7, 7}, 1, isa));
    EXPECT_EQ(WinogradPays({8, 7, 7, 512, 512, 1, 1, 7, 7}, 2, isa), isa == VectorIsa::kAvx512);
    EXPECT_TRUE(WinogradPays({1, 56, 56, 64, 64, 1, 1, 56, 56}, 2, isa));
    EXPECT_TRUE(WinogradPays({1, 14, 14, 256, 256, 1, 1, 14, 14}, 2, isa));
  }
}

// The conv2d op (NCHW tensors, a fused relu, bias and residual) on the Winograd path (on this
// CPU's widest instruction set) against the same op on oneDNN's direct kernel. Where Winograd
// does not run, asking for it must change nothing.
class WinogradOp : public ::testing::TestWithParam<int> {
 protected:
  void TearDown() override { SetWinogradChoice(WinogradChoice::kAuto); }
};

std::vector<float> RunConv(WinogradChoice choice, int threads) {
  SetWinogradChoice(choice);
  Scope s;
  const int64_t n = 2, c = 32, h = 14, w = 15, k = 48;
  SetTensor(&s, "x", {n, c, h, w}, RandomFloats(n * c * h * w, 7));
  SetTensor(&s, "f", {k, c, 3, 3}, RandomFloats(k * c * 9, 8, -0.3f, 0.3f));
  SetTensor(&s, "b", {k}, RandomFloats(k, 9));
  SetTensor(&s, "r", {n, k, h, w}, RandomFloats(n * k * h * w, 10));
  OpBuilder op("conv2d");
  op.In("Input", {"x"})
      .In("Filter", {"f"})
      .In("Bias", {"b"})
      .In("ResidualData", {"r"})
      .Out("Output", {"y"})
      .Ints("strides", {1, 1})
      .Ints("paddings", {1, 1})
      .String("fuse_activation", "relu");
  RunOp(op, &s, threads);
  return GetTensor<float>(s, "y");
}

TEST_P(WinogradOp, MatchesTheDirectKernel) {
  const std::vector<float> winograd = RunConv(WinogradChoice::kAlways, GetParam());
  const std::vector<float> direct = RunConv(WinogradChoice::kNever, GetParam());
  ExpectNear(winograd, direct, 2e-5f * MaxAbs(direct));
  // The two paths sum differently: equal bits mean Winograd did not run.
  if (WinogradRuns(16, 16))
    EXPECT_NE(winograd, direct);
  else
    EXPECT_EQ(winograd, direct);
}

// conv2d_grad: Input@GRAD and Filter@GRAD on the Winograd path against oneDNN's backward_data
// and backward_weights.
struct Grads {
  std::vector<float> dx, df;
};

Grads RunConvGrad(WinogradChoice choice, int threads, int32_t pad) {
  SetWinogradChoice(choice);
  Scope s;
  const int64_t n = 2, c = 48, h = 13, w = 12, k = 32;
  const int64_t oh = h + 2 * pad - 2, ow = w + 2 * pad - 2;
  SetTensor(&s, "x", {n, c, h, w}, RandomFloats(n * c * h * w, 11));
  SetTensor(&s, "f", {k, c, 3, 3}, RandomFloats(k * c * 9, 12, -0.3f, 0.3f));
  SetTensor(&s, "dy", {n, k, oh, ow}, RandomFloats(n * k * oh * ow, 13));
  OpBuilder op("conv2d_grad");
  op.In("Input", {"x"})
      .In("Filter", {"f"})
      .In("Output@GRAD", {"dy"})
      .Out("Input@GRAD", {"dx"})
      .Out("Filter@GRAD", {"df"})
      .Ints("strides", {1, 1})
      .Ints("paddings", {pad, pad});
  RunOp(op, &s, threads);
  return {GetTensor<float>(s, "dx"), GetTensor<float>(s, "df")};
}

TEST_P(WinogradOp, GradsMatchTheDirectKernels) {
  for (int32_t pad : {0, 1, 2}) {
    SCOPED_TRACE("padding " + std::to_string(pad));
    const Grads winograd = RunConvGrad(WinogradChoice::kAlways, GetParam(), pad);
    const Grads direct = RunConvGrad(WinogradChoice::kNever, GetParam(), pad);
    ExpectNear(winograd.dx, direct.dx, 2e-5f * MaxAbs(direct.dx));
    ExpectNear(winograd.df, direct.df, 5e-5f * MaxAbs(direct.df));
    if (WinogradRuns(16, 16)) {
      EXPECT_NE(winograd.dx, direct.dx);
      EXPECT_NE(winograd.df, direct.df);
    } else {
      EXPECT_EQ(winograd.dx, direct.dx);
      EXPECT_EQ(winograd.df, direct.df);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Threads, WinogradOp, ::testing::Values(1, 2));

}  // namespace
}  // namespace pd::test
