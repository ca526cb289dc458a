// conv2d, depthwise_conv2d and conv2d_transpose against naive loops: padding forms, strides,
// dilations, groups, NHWC, Bias, plan reuse across shapes and weight updates.
#include <gtest/gtest.h>

#include <thread>

#include "test_util.h"

namespace pd::test {
namespace {

struct Geo {
  int64_t n, c, h, w, m, kh, kw, groups = 1;
  int64_t sh = 1, sw = 1, dh = 1, dw = 1, pt = 0, pb = 0, pl = 0, pr = 0;
  int64_t Oh() const { return (h + pt + pb - (dh * (kh - 1) + 1)) / sh + 1; }
  int64_t Ow() const { return (w + pl + pr - (dw * (kw - 1) + 1)) / sw + 1; }
};

// x NCHW, f [m, c/groups, kh, kw]; out NCHW.
std::vector<float> NaiveConv(const std::vector<float>& x, const std::vector<float>& f,
                             const Geo& g) {
  const int64_t oh = g.Oh(), ow = g.Ow(), cg = g.c / g.groups, mg = g.m / g.groups;
  std::vector<float> y(static_cast<size_t>(g.n * g.m * oh * ow), 0.0f);
  for (int64_t n = 0; n < g.n; ++n)
    for (int64_t m = 0; m < g.m; ++m)
      for (int64_t i = 0; i < oh; ++i)
        for (int64_t j = 0; j < ow; ++j) {
          double s = 0;
          for (int64_t ci = 0; ci < cg; ++ci)
            for (int64_t a = 0; a < g.kh; ++a)
              for (int64_t b = 0; b < g.kw; ++b) {
                const int64_t ih = i * g.sh - g.pt + a * g.dh, iw = j * g.sw - g.pl + b * g.dw;
                if (ih < 0 || ih >= g.h || iw < 0 || iw >= g.w) continue;
                const int64_t c = (m / mg) * cg + ci;
                s += x[((n * g.c + c) * g.h + ih) * g.w + iw] *
                     f[((m * cg + ci) * g.kh + a) * g.kw + b];
              }
          y[((n * g.m + m) * oh + i) * ow + j] = static_cast<float>(s);
        }
  return y;
}

// x NCHW [n, c, h, w], f [c, m/groups, kh, kw]; every input cell scatters into [oh, ow].
std::vector<float> NaiveConvTranspose(const std::vector<float>& x, const std::vector<float>& f,
                                      const Geo& g, int64_t oh, int64_t ow) {
  const int64_t cg = g.c / g.groups, mg = g.m / g.groups;
  std::vector<double> y(static_cast<size_t>(g.n * g.m * oh * ow), 0.0);
  for (int64_t n = 0; n < g.n; ++n)
    for (int64_t c = 0; c < g.c; ++c)
      for (int64_t i = 0; i < g.h; ++i)
        for (int64_t j = 0; j < g.w; ++j)
          for (int64_t mo = 0; mo < mg; ++mo)
            for (int64_t a = 0; a < g.kh; ++a)
              for (int64_t b = 0; b < g.kw; ++b) {
                const int64_t o = i * g.sh - g.pt + a * g.dh, p = j * g.sw - g.pl + b * g.dw;
                if (o < 0 || o >= oh || p < 0 || p >= ow) continue;
                const int64_t m = (c / cg) * mg + mo;
                y[((n * g.m + m) * oh + o) * ow + p] += x[((n * g.c + c) * g.h + i) * g.w + j] *
                                                        f[((c * mg + mo) * g.kh + a) * g.kw + b];
              }
  return std::vector<float>(y.begin(), y.end());
}

// [n, c, h, w] <-> [n, h, w, c].
std::vector<float> ToNHWC(const std::vector<float>& v, int64_t n, int64_t c, int64_t h, int64_t w) {
  std::vector<float> out(v.size());
  for (int64_t a = 0; a < n; ++a)
    for (int64_t b = 0; b < c; ++b)
      for (int64_t p = 0; p < h * w; ++p) out[(a * h * w + p) * c + b] = v[(a * c + b) * h * w + p];
  return out;
}

OpBuilder ConvOp(const std::string& type, const Geo& g) {
  OpBuilder op(type);
  op.In("Input", {"x"})
      .In("Filter", {"f"})
      .Out("Output", {"y"})
      .Ints("strides", {int32_t(g.sh), int32_t(g.sw)})
      .Ints("dilations", {int32_t(g.dh), int32_t(g.dw)})
      .Ints("paddings", {int32_t(g.pt), int32_t(g.pb), int32_t(g.pl), int32_t(g.pr)})
      .Int("groups", static_cast<int32_t>(g.groups));
  return op;
}

void CheckConv(const Geo& g, uint32_t seed) {
  Scope s;
  auto x = RandomFloats(g.n * g.c * g.h * g.w, seed);
  auto f = RandomFloats(g.m * (g.c / g.groups) * g.kh * g.kw, seed + 1);
  SetTensor(&s, "x", {g.n, g.c, g.h, g.w}, x);
  SetTensor(&s, "f", {g.m, g.c / g.groups, g.kh, g.kw}, f);
  RunOp(ConvOp("conv2d", g), &s);
  EXPECT_EQ(Get(s, "y").dims(), (Dims{g.n, g.m, g.Oh(), g.Ow()}));
  ExpectNear(GetTensor<float>(s, "y"), NaiveConv(x, f, g), 1e-5f);
}

TEST(Conv2d, Basic3x3Pad1) { CheckConv({2, 3, 6, 7, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1}, 1); }

TEST(Conv2d, StridedDilatedAsymmetricPadding) {
  CheckConv({1, 4, 9, 8, 5, 3, 2, 1, 2, 1, 2, 3, 1, 2, 0, 1}, 2);
}

TEST(Conv2d, GroupsAndDepthwiseWithMultiplier) {
  CheckConv({1, 6, 5, 5, 4, 3, 3, 2, 1, 1, 1, 1, 1, 1, 1, 1}, 3);
  CheckConv({2, 4, 6, 6, 8, 3, 3, 4, 2, 2, 1, 1, 1, 1, 1, 1}, 4);
}

TEST(Conv2d, DepthwiseOpTypeAndTwoValuePaddings) {
  Scope s;
  const Geo g{1, 3, 5, 5, 3, 3, 3, 3, 1, 1, 1, 1, 2, 2, 1, 1};
  auto x = RandomFloats(75, 5), f = RandomFloats(27, 6);
  SetTensor(&s, "x", {1, 3, 5, 5}, x);
  SetTensor(&s, "f", {3, 1, 3, 3}, f);
  RunOp(OpBuilder("depthwise_conv2d")
            .In("Input", {"x"})
            .In("Filter", {"f"})
            .Out("Output", {"y"})
            .Ints("paddings", {2, 1})
            .Int("groups", 3),
        &s);
  ExpectNear(GetTensor<float>(s, "y"), NaiveConv(x, f, g), 1e-5f);
}

TEST(Conv2d, SamePaddingForcesDilationOne) {
  Scope s;
  SetTensor(&s, "x", {1, 2, 7, 8}, RandomFloats(112, 7));
  auto f = RandomFloats(3 * 2 * 3 * 3, 8);
  SetTensor(&s, "f", {3, 2, 3, 3}, f);
  RunOp(OpBuilder("conv2d")
            .In("Input", {"x"})
            .In("Filter", {"f"})
            .Out("Output", {"y"})
            .Ints("strides", {2, 2})
            .Ints("dilations", {3, 3})
            .Ints("paddings", {5, 5})
            .String("padding_algorithm", "SAME"),
        &s);
  // out = ceil(in / 2); pad sums 2 (h: (4-1)*2+3-7) and 1 (w: (4-1)*2+3-8): [1,1] and [0,1].
  EXPECT_EQ(Get(s, "y").dims(), (Dims{1, 3, 4, 4}));
  const Geo g{1, 2, 7, 8, 3, 3, 3, 1, 2, 2, 1, 1, 1, 1, 0, 1};
  ExpectNear(GetTensor<float>(s, "y"), NaiveConv(GetTensor<float>(s, "x"), f, g), 1e-5f);
}

TEST(Conv2d, ValidIgnoresPaddings) {
  Scope s;
  SetTensor(&s, "x", {1, 1, 4, 4}, RandomFloats(16, 9));
  SetTensor(&s, "f", {1, 1, 3, 3}, RandomFloats(9, 10));
  RunOp(OpBuilder("conv2d")
            .In("Input", {"x"})
            .In("Filter", {"f"})
            .Out("Output", {"y"})
            .Ints("paddings", {1, 1})
            .String("padding_algorithm", "VALID"),
        &s);
  EXPECT_EQ(Get(s, "y").dims(), (Dims{1, 1, 2, 2}));
}

TEST(Conv2d, NHWCAndBias) {
  const Geo g{2, 3, 5, 4, 4, 3, 3, 1, 2, 1, 1, 1, 1, 1, 1, 1};
  Scope s;
  auto x = RandomFloats(2 * 3 * 5 * 4, 11), f = RandomFloats(4 * 3 * 9, 12);
  std::vector<float> bias{0.5f, -1.0f, 2.0f, 0.25f};
  SetTensor(&s, "x", {2, 5, 4, 3}, ToNHWC(x, 2, 3, 5, 4));
  SetTensor(&s, "f", {4, 3, 3, 3}, f);
  SetTensor(&s, "b", {4}, bias);
  RunOp(ConvOp("conv2d", g).In("Bias", {"b"}).String("data_format", "NHWC"), &s);
  EXPECT_EQ(Get(s, "y").dims(), (Dims{2, g.Oh(), g.Ow(), 4}));
  auto want = NaiveConv(x, f, g);
  for (size_t i = 0; i < want.size(); ++i) want[i] += bias[(i / (g.Oh() * g.Ow())) % 4];
  ExpectNear(GetTensor<float>(s, "y"), ToNHWC(want, 2, 4, g.Oh(), g.Ow()), 1e-5f);
}

TEST(Conv2d, NewBatchSizeAndUpdatedFilterAreHonoured) {
  const Geo g1{1, 3, 5, 5, 2, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1};
  Geo g2 = g1;
  g2.n = 3;
  Scope s;
  auto f = RandomFloats(2 * 3 * 9, 13);
  SetTensor(&s, "f", {2, 3, 3, 3}, f);
  proto::ProgramDesc prog;
  auto* block = prog.add_blocks();
  block->set_idx(0);
  block->set_parent_idx(-1);
  *block->add_ops() = ConvOp("conv2d", g1).desc();
  Executor exec(Program::Parse(prog.SerializeAsString(), "test"), &s, ExecConfig{});
  for (const Geo& g : {g1, g2, g1}) {
    auto x = RandomFloats(g.n * 75, 14 + static_cast<uint32_t>(g.n));
    SetTensor(&s, "x", {g.n, 3, 5, 5}, x);
    exec.Run();
    ExpectNear(GetTensor<float>(s, "y"), NaiveConv(x, f, g), 1e-5f);
  }
  // The filter lives in the run's own scope, as in training: an in-place update is seen.
  float* fp = s.FindLocal("f")->data_mut<float>();
  for (size_t i = 0; i < f.size(); ++i) fp[i] = f[i] = -2.0f * f[i];
  exec.Run();
  ExpectNear(GetTensor<float>(s, "y"), NaiveConv(GetTensor<float>(s, "x"), f, g1), 1e-5f);
}

// A predictor's layout: weights in a parent scope shared by clones, each running its own executor
// on its own thread.
TEST(Conv2d, ClonesShareParentWeightsAcrossThreads) {
  const Geo g{2, 8, 9, 9, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1};
  auto weights = std::make_shared<Scope>();
  auto f = RandomFloats(16 * 8 * 9, 31);
  SetTensor(weights.get(), "f", {16, 8, 3, 3}, f);
  proto::ProgramDesc prog;
  auto* block = prog.add_blocks();
  block->set_idx(0);
  block->set_parent_idx(-1);
  *block->add_ops() = ConvOp("conv2d", g).desc();
  auto program = Program::Parse(prog.SerializeAsString(), "test");
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&, t] {
      Scope run(weights);
      Executor exec(program, &run, ExecConfig{t + 1});
      for (int i = 0; i < 3; ++i) {
        auto x = RandomFloats(2 * 8 * 81, 40 + 10 * t + i);
        SetTensor(&run, "x", {2, 8, 9, 9}, x);
        exec.Run();
        ExpectNear(GetTensor<float>(run, "y"), NaiveConv(x, f, g), 1e-5f);
      }
    });
  }
  for (auto& th : threads) th.join();
}

TEST(Conv2d, Errors) {
  Scope s;
  SetTensor(&s, "x", {1, 4, 5, 5}, RandomFloats(100, 1));
  SetTensor(&s, "f", {2, 3, 3, 3}, RandomFloats(54, 2));
  const Geo g{1, 4, 5, 5, 2, 3, 3};
  ExpectError([&] { RunOp(ConvOp("conv2d", g), &s); }, {"conv2d", "does not match 4 input"});
  SetTensor(&s, "f", {2, 4, 3, 3}, RandomFloats(72, 2));
  ExpectError([&] { RunOp(ConvOp("conv2d", g).String("padding_algorithm", "FULL"), &s); },
              {"unknown padding_algorithm 'FULL'"});
  Geo grouped = g;
  grouped.groups = 3;
  ExpectError([&] { RunOp(ConvOp("conv2d", grouped), &s); }, {"groups 3 does not divide"});
  SetTensor(&s, "f7", {2, 4, 7, 3}, RandomFloats(168, 3));
  ExpectError(
      [&] {
        RunOp(OpBuilder("conv2d").In("Input", {"x"}).In("Filter", {"f7"}).Out("Output", {"y"}), &s);
      },
      {"larger than the padded input"});
}

void CheckTranspose(const Geo& g, int64_t oh, int64_t ow, OpBuilder op, uint32_t seed) {
  Scope s;
  auto x = RandomFloats(g.n * g.c * g.h * g.w, seed);
  auto f = RandomFloats(g.c * (g.m / g.groups) * g.kh * g.kw, seed + 1);
  SetTensor(&s, "x", {g.n, g.c, g.h, g.w}, x);
  SetTensor(&s, "f", {g.c, g.m / g.groups, g.kh, g.kw}, f);
  RunOp(op, &s);
  EXPECT_EQ(Get(s, "y").dims(), (Dims{g.n, g.m, oh, ow}));
  ExpectNear(GetTensor<float>(s, "y"), NaiveConvTranspose(x, f, g, oh, ow), 1e-5f);
}

TEST(Conv2dTranspose, Stride2NoPadding) {
  const Geo g{1, 3, 4, 5, 2, 2, 2, 1, 2, 2};
  CheckTranspose(g, 8, 10, ConvOp("conv2d_transpose", g), 21);
}

TEST(Conv2dTranspose, GroupsDilationsPaddings) {
  const Geo g{2, 4, 4, 3, 6, 3, 3, 2, 2, 1, 2, 1, 1, 0, 2, 1};
  // (in-1)*s - pads + d*(k-1) + 1: h = 3*2-1+5 = 10, w = 2*1-3+3 = 2.
  CheckTranspose(g, 10, 2, ConvOp("conv2d_transpose", g), 22);
}

TEST(Conv2dTranspose, OutputPaddingAndOutputSize) {
  const Geo g{1, 2, 3, 3, 3, 3, 3, 1, 2, 2, 1, 1, 1, 1, 1, 1};
  CheckTranspose(g, 6, 5, ConvOp("conv2d_transpose", g).Ints("output_padding", {1, 0}), 23);
  CheckTranspose(g, 5, 6, ConvOp("conv2d_transpose", g).Ints("output_size", {5, 6}), 24);
  Scope s;
  SetTensor(&s, "x", {1, 2, 3, 3}, RandomFloats(18, 1));
  SetTensor(&s, "f", {2, 3, 3, 3}, RandomFloats(54, 2));
  ExpectError(
      [&] {
        RunOp(ConvOp("conv2d_transpose", g).Ints("output_size", {7, 5}), &s);
      },
      {"output_size 7 must be in [5, 7)"});
}

}  // namespace
}  // namespace pd::test
