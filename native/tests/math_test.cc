// mul, matmul, matmul_v2, elementwise_add and scale against hand values and naive loops.
#include <gtest/gtest.h>

#include "test_util.h"

namespace pd::test {
namespace {

// C[m,n] = op(A) op(B) with A stored [m,k] (or [k,m] when ta) and B [k,n] (or [n,k] when tb).
std::vector<float> NaiveGemm(const float* a, const float* b, int64_t m, int64_t k, int64_t n,
                             bool ta = false, bool tb = false, float alpha = 1.0f) {
  std::vector<float> c(static_cast<size_t>(m * n), 0.0f);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      double s = 0;
      for (int64_t p = 0; p < k; ++p)
        s += a[ta ? p * m + i : i * k + p] * b[tb ? j * k + p : p * n + j];
      c[i * n + j] = alpha * static_cast<float>(s);
    }
  return c;
}

void Append(std::vector<float>& dst, const std::vector<float>& src) {
  dst.insert(dst.end(), src.begin(), src.end());
}

// ---- mul

TEST(Mul, TwoByThreeTimesThreeByTwoKeepsLoD) {
  Scope s;
  SetTensor<float>(&s, "x", {2, 3}, {1, 2, 3, 4, 5, 6}, {{0, 1, 2}});
  SetTensor<float>(&s, "y", {3, 2}, {1, 0, 0, 1, 1, 1});
  RunOp(OpBuilder("mul").In("X", {"x"}).In("Y", {"y"}).Out("Out", {"o"}), &s);
  EXPECT_EQ(Get(s, "o").dims(), (Dims{2, 2}));
  EXPECT_EQ(GetTensor<float>(s, "o"), (std::vector<float>{4, 5, 10, 11}));
  EXPECT_EQ(Get(s, "o").lod(), (LoD{{0, 1, 2}}));
}

TEST(Mul, FlattensByNumColDims) {
  Scope s;
  auto x = RandomFloats(2 * 2 * 3, 1), y = RandomFloats(3 * 2 * 2, 2);
  SetTensor(&s, "x", {2, 2, 3}, x);
  SetTensor(&s, "y", {3, 2, 2}, y);
  RunOp(OpBuilder("mul").In("X", {"x"}).In("Y", {"y"}).Out("Out", {"o"}).Int("x_num_col_dims", 2),
        &s);
  EXPECT_EQ(Get(s, "o").dims(), (Dims{2, 2, 2, 2}));
  ExpectNear(GetTensor<float>(s, "o"), NaiveGemm(x.data(), y.data(), 4, 3, 4));

  auto x2 = RandomFloats(2 * 6, 3);
  SetTensor(&s, "x2", {2, 6}, x2);
  RunOp(OpBuilder("mul").In("X", {"x2"}).In("Y", {"y"}).Out("Out", {"o2"}).Int("y_num_col_dims", 2),
        &s);
  EXPECT_EQ(Get(s, "o2").dims(), (Dims{2, 2}));
  ExpectNear(GetTensor<float>(s, "o2"), NaiveGemm(x2.data(), y.data(), 2, 6, 2));
}

TEST(Mul, Errors) {
  Scope s;
  SetTensor<float>(&s, "x", {2, 3}, RandomFloats(6, 1));
  SetTensor<float>(&s, "y", {4, 2}, RandomFloats(8, 2));
  ExpectError([&] { RunOp(OpBuilder("mul").In("X", {"x"}).In("Y", {"y"}).Out("Out", {"o"}), &s); },
              {"mul", "[2, 3]", "[4, 2]", "inner sizes differ"});
  ExpectError(
      [&] {
        RunOp(OpBuilder("mul")
                  .In("X", {"x"})
                  .In("Y", {"y"})
                  .Out("Out", {"o"})
                  .Int("x_num_col_dims", 2),
              &s);
      },
      {"x_num_col_dims is 2"});
  ExpectError([&] { RunOp(OpBuilder("mul").In("X", {"x"}).In("Y", {"y"}).Out("Out", {"x"}), &s); },
              {"must not be the same variable"});
  ExpectError(
      [&] { RunOp(OpBuilder("mul").In("X", {"x"}).In("Y", {"unfed"}).Out("Out", {"o"}), &s); },
      {"input Y (unfed) has no data"});
}

// ---- matmul (v1)

struct MatmulCase {
  Dims x, y;
  bool tx, ty;
  Dims out;
};

TEST(Matmul, ShapesTransposesAlphaAndBatches) {
  // Expected values: the naive GEMM per batch, with Paddle's v1 vector and batch rules.
  const std::vector<MatmulCase> cases = {
      {{2, 3}, {3, 4}, false, false, {2, 4}},
      {{3, 2}, {3, 4}, true, false, {2, 4}},
      {{2, 3}, {4, 3}, false, true, {2, 4}},
      {{3, 2}, {4, 3}, true, true, {2, 4}},
      {{2, 2, 3}, {3, 4}, false, false, {2, 2, 4}},  // folded into one GEMM
      {{2, 3, 2}, {3, 4}, true, false, {2, 2, 4}},   // not foldable
      {{2, 2, 3}, {2, 3, 4}, false, false, {2, 2, 4}},
      {{2, 3}, {2, 3, 4}, false, false, {2, 2, 4}},  // X broadcast over Y's batch
      {{3}, {3}, false, false, {1}},
      {{3}, {3, 4}, false, false, {4}},
      {{2, 2, 3}, {3}, false, false, {2, 2}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(DimsToString(c.x) + " x " + DimsToString(c.y));
    Scope s;
    auto x = RandomFloats(Numel(c.x), 7), y = RandomFloats(Numel(c.y), 8);
    SetTensor(&s, "x", c.x, x);
    SetTensor(&s, "y", c.y, y);
    RunOp(OpBuilder("matmul")
              .In("X", {"x"})
              .In("Y", {"y"})
              .Out("Out", {"o"})
              .Bool("transpose_X", c.tx)
              .Bool("transpose_Y", c.ty)
              .Float("alpha", 0.5f),
          &s);
    EXPECT_EQ(Get(s, "o").dims(), c.out);
    // Stored matrices: a vector X is a row, a vector Y a column.
    const Dims xm = c.x.size() == 1 ? Dims{1, c.x[0]} : c.x;
    const Dims ym = c.y.size() == 1 ? Dims{c.y[0], 1} : c.y;
    const int64_t xr = xm[xm.size() - 2], xc = xm.back(), yr = ym[ym.size() - 2], yc = ym.back();
    const int64_t m = c.tx ? xc : xr, k = c.tx ? xr : xc, n = c.ty ? yr : yc;
    const int64_t xb = Numel(xm) / (xr * xc), yb = Numel(ym) / (yr * yc);
    std::vector<float> want;
    for (int64_t b = 0; b < std::max(xb, yb); ++b) {
      Append(want, NaiveGemm(x.data() + (xb > 1 ? b : 0) * xr * xc,
                             y.data() + (yb > 1 ? b : 0) * yr * yc, m, k, n, c.tx, c.ty, 0.5f));
    }
    ExpectNear(GetTensor<float>(s, "o"), want);
  }
}

TEST(Matmul, Errors) {
  Scope s;
  SetTensor<float>(&s, "x", {2, 3}, RandomFloats(6, 1));
  SetTensor<float>(&s, "y", {2, 3}, RandomFloats(6, 2));
  ExpectError(
      [&] { RunOp(OpBuilder("matmul").In("X", {"x"}).In("Y", {"y"}).Out("Out", {"o"}), &s); },
      {"matmul", "do not multiply", "3 columns against 2 rows"});
  SetTensor<float>(&s, "bx", {2, 2, 3}, RandomFloats(12, 1));
  SetTensor<float>(&s, "by", {3, 3, 2}, RandomFloats(18, 2));
  ExpectError(
      [&] { RunOp(OpBuilder("matmul").In("X", {"bx"}).In("Y", {"by"}).Out("Out", {"o"}), &s); },
      {"batch 2", "batch 3"});
}

// ---- matmul_v2

TEST(MatmulV2, BroadcastsBatchDims) {
  Scope s;
  auto x = RandomFloats(2 * 1 * 2 * 3, 3), y = RandomFloats(3 * 3 * 2, 4);
  SetTensor(&s, "x", {2, 1, 2, 3}, x);
  SetTensor(&s, "y", {3, 3, 2}, y);
  RunOp(OpBuilder("matmul_v2").In("X", {"x"}).In("Y", {"y"}).Out("Out", {"o"}), &s);
  EXPECT_EQ(Get(s, "o").dims(), (Dims{2, 3, 2, 2}));
  std::vector<float> want;
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 3; ++j)
      Append(want, NaiveGemm(x.data() + i * 6, y.data() + j * 6, 2, 3, 2));
  ExpectNear(GetTensor<float>(s, "o"), want);
}

TEST(MatmulV2, TransposesAndFoldedBatch) {
  Scope s;
  auto x = RandomFloats(2 * 3 * 2, 5), y = RandomFloats(4 * 3, 6);
  SetTensor(&s, "x", {2, 3, 2}, x);
  SetTensor(&s, "y", {4, 3}, y);
  RunOp(OpBuilder("matmul_v2")
            .In("X", {"x"})
            .In("Y", {"y"})
            .Out("Out", {"o"})
            .Bool("trans_x", true)
            .Bool("trans_y", true),
        &s);
  EXPECT_EQ(Get(s, "o").dims(), (Dims{2, 2, 4}));
  std::vector<float> want;
  for (int b = 0; b < 2; ++b)
    Append(want, NaiveGemm(x.data() + b * 6, y.data(), 2, 3, 4, true, true));
  ExpectNear(GetTensor<float>(s, "o"), want);

  auto x2 = RandomFloats(2 * 2 * 3, 7), y2 = RandomFloats(3 * 4, 8);
  SetTensor(&s, "x2", {2, 2, 3}, x2);
  SetTensor(&s, "y2", {3, 4}, y2);
  RunOp(OpBuilder("matmul_v2").In("X", {"x2"}).In("Y", {"y2"}).Out("Out", {"o2"}), &s);
  EXPECT_EQ(Get(s, "o2").dims(), (Dims{2, 2, 4}));
  ExpectNear(GetTensor<float>(s, "o2"), NaiveGemm(x2.data(), y2.data(), 4, 3, 4));
}

TEST(MatmulV2, VectorsDropTheirDim) {
  Scope s;
  SetTensor<float>(&s, "a", {3}, {1, 2, 3});
  SetTensor<float>(&s, "b", {3}, {4, 5, 6});
  // A vector's transpose flag is ignored.
  RunOp(OpBuilder("matmul_v2")
            .In("X", {"a"})
            .In("Y", {"b"})
            .Out("Out", {"dot"})
            .Bool("trans_x", true),
        &s);
  EXPECT_EQ(Get(s, "dot").dims(), Dims{});
  EXPECT_EQ(GetTensor<float>(s, "dot"), std::vector<float>{32});

  auto y = RandomFloats(2 * 3 * 4, 9);
  SetTensor(&s, "y", {2, 3, 4}, y);
  RunOp(OpBuilder("matmul_v2").In("X", {"a"}).In("Y", {"y"}).Out("Out", {"vy"}), &s);
  EXPECT_EQ(Get(s, "vy").dims(), (Dims{2, 4}));
  std::vector<float> want;
  const std::vector<float> a = {1, 2, 3};
  for (int b = 0; b < 2; ++b) Append(want, NaiveGemm(a.data(), y.data() + b * 12, 1, 3, 4));
  ExpectNear(GetTensor<float>(s, "vy"), want);

  auto x = RandomFloats(2 * 4 * 3, 10);
  SetTensor(&s, "x", {2, 4, 3}, x);
  RunOp(OpBuilder("matmul_v2").In("X", {"x"}).In("Y", {"b"}).Out("Out", {"xv"}), &s);
  EXPECT_EQ(Get(s, "xv").dims(), (Dims{2, 4}));
  const std::vector<float> b = {4, 5, 6};
  ExpectNear(GetTensor<float>(s, "xv"), NaiveGemm(x.data(), b.data(), 8, 3, 1));
}

TEST(MatmulV2, Errors) {
  Scope s;
  SetTensor<float>(&s, "x", {2, 2, 3}, RandomFloats(12, 1));
  SetTensor<float>(&s, "y", {3, 3, 2}, RandomFloats(18, 2));
  ExpectError(
      [&] { RunOp(OpBuilder("matmul_v2").In("X", {"x"}).In("Y", {"y"}).Out("Out", {"o"}), &s); },
      {"matmul_v2", "do not broadcast", "2 vs 3"});
  SetTensor<float>(&s, "z", {4, 2}, RandomFloats(8, 2));
  ExpectError(
      [&] { RunOp(OpBuilder("matmul_v2").In("X", {"x"}).In("Y", {"z"}).Out("Out", {"o"}), &s); },
      {"do not multiply"});
}

// ---- elementwise_add

// Numpy broadcasting over already aligned (equal-rank) shapes, as an independent reference.
template <typename T>
std::vector<T> BroadcastAdd(const std::vector<T>& x, const Dims& xa, const std::vector<T>& y,
                            const Dims& ya, Dims* out_dims) {
  Dims out(xa.size());
  for (size_t i = 0; i < xa.size(); ++i) out[i] = std::max(xa[i], ya[i]);
  *out_dims = out;
  std::vector<T> r(static_cast<size_t>(Numel(out)));
  for (int64_t flat = 0; flat < Numel(out); ++flat) {
    int64_t rem = flat, xi = 0, yi = 0, xs = 1, ys = 1;
    for (size_t d = out.size(); d-- > 0;) {
      const int64_t idx = rem % out[d];
      rem /= out[d];
      if (xa[d] != 1) xi += idx * xs;
      if (ya[d] != 1) yi += idx * ys;
      xs *= xa[d];
      ys *= ya[d];
    }
    r[flat] = x[xi] + y[yi];
  }
  return r;
}

struct AddCase {
  Dims x, y;
  int axis;
  Dims xa, ya;  // the shapes Paddle's rule aligns them to
};

TEST(ElementwiseAdd, PaddleAxisBroadcasting) {
  const std::vector<AddCase> cases = {
      {{5, 288}, {288}, 1, {5, 288}, {1, 288}},    // the LAC fc bias
      {{2, 3, 4}, {4}, -1, {2, 3, 4}, {1, 1, 4}},  // axis -1: trailing alignment
      {{2, 3, 4}, {2}, 0, {2, 3, 4}, {2, 1, 1}},
      {{2, 3, 4}, {3}, 1, {2, 3, 4}, {1, 3, 1}},
      {{2, 3, 4}, {2, 3}, -2, {2, 3, 4}, {2, 3, 1}},  // axis < -1: rank difference + axis + 1
      {{2, 3, 4}, {4, 1}, 2, {2, 3, 4}, {1, 1, 4}},   // Y's trailing 1 trimmed to fit
      {{2, 3, 4}, {3, 1}, 1, {2, 3, 4}, {1, 3, 1}},
      {{2, 1, 4}, {1, 3, 1}, -1, {2, 1, 4}, {1, 3, 1}},  // equal ranks: numpy
      {{4}, {2, 3, 4}, -1, {1, 1, 4}, {2, 3, 4}},        // X is the smaller one
      {{2, 3}, {1}, -1, {2, 3}, {1, 1}},                 // scalar-like Y, trimmed to nothing
      {{3, 4}, {3, 4}, -1, {3, 4}, {3, 4}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(DimsToString(c.x) + " + " + DimsToString(c.y) + " axis " + std::to_string(c.axis));
    Scope s;
    auto x = RandomFloats(Numel(c.x), 11), y = RandomFloats(Numel(c.y), 12);
    SetTensor(&s, "x", c.x, x, {{0, static_cast<size_t>(c.x[0])}});
    SetTensor(&s, "y", c.y, y);
    RunOp(OpBuilder("elementwise_add")
              .In("X", {"x"})
              .In("Y", {"y"})
              .Out("Out", {"o"})
              .Int("axis", c.axis),
          &s);
    Dims want_dims;
    auto want = BroadcastAdd(x, c.xa, y, c.ya, &want_dims);
    EXPECT_EQ(Get(s, "o").dims(), want_dims);
    EXPECT_EQ(GetTensor<float>(s, "o"), want);  // additions are exact per element
    EXPECT_EQ(Get(s, "o").lod(), (LoD{{0, static_cast<size_t>(c.x[0])}}));
  }
}

TEST(ElementwiseAdd, IntegerTypes) {
  Scope s;
  SetTensor<int64_t>(&s, "x", {2, 3}, {1, 2, 3, 4, 5, 6});
  SetTensor<int64_t>(&s, "y", {3}, {10, 20, 30});
  RunOp(OpBuilder("elementwise_add").In("X", {"x"}).In("Y", {"y"}).Out("Out", {"o"}), &s);
  EXPECT_EQ(GetTensor<int64_t>(s, "o"), (std::vector<int64_t>{11, 22, 33, 14, 25, 36}));

  SetTensor<int32_t>(&s, "a", {2, 2}, {1, 2, 3, 4});
  SetTensor<int32_t>(&s, "b", {2}, {-1, 1});
  RunOp(OpBuilder("elementwise_add").In("X", {"a"}).In("Y", {"b"}).Out("Out", {"c"}).Int("axis", 0),
        &s);
  EXPECT_EQ(Get(s, "c").dtype(), DType::kInt32);
  EXPECT_EQ(GetTensor<int32_t>(s, "c"), (std::vector<int32_t>{0, 1, 4, 5}));
}

TEST(ElementwiseAdd, InPlaceIntoTheFullOperand) {
  Scope s;
  SetTensor<float>(&s, "x", {2, 2}, {1, 2, 3, 4});
  SetTensor<float>(&s, "y", {2}, {10, 20});
  RunOp(OpBuilder("elementwise_add").In("X", {"x"}).In("Y", {"y"}).Out("Out", {"x"}), &s);
  EXPECT_EQ(GetTensor<float>(s, "x"), (std::vector<float>{11, 22, 13, 24}));
  ExpectError(
      [&] {
        RunOp(OpBuilder("elementwise_add").In("X", {"x"}).In("Y", {"y"}).Out("Out", {"y"}), &s);
      },
      {"in-place output must have the broadcast shape [2, 2]"});
}

TEST(ElementwiseAdd, Errors) {
  Scope s;
  SetTensor<float>(&s, "x", {2, 3}, RandomFloats(6, 1));
  SetTensor<float>(&s, "y", {4}, RandomFloats(4, 2));
  ExpectError(
      [&] {
        RunOp(OpBuilder("elementwise_add").In("X", {"x"}).In("Y", {"y"}).Out("Out", {"o"}), &s);
      },
      {"elementwise_add", "[2, 3]", "[4]", "do not broadcast", "3 against 4"});
  // Equal ranks broadcast numpy-style whatever the axis; no trimming then.
  SetTensor<float>(&s, "col", {3, 1}, RandomFloats(3, 2));
  ExpectError(
      [&] {
        RunOp(OpBuilder("elementwise_add")
                  .In("X", {"x"})
                  .In("Y", {"col"})
                  .Out("Out", {"o"})
                  .Int("axis", 1),
              &s);
      },
      {"do not broadcast: 2 against 3 at output dim 0"});
  SetTensor<float>(&s, "z", {3}, RandomFloats(3, 2));
  ExpectError(
      [&] {
        RunOp(OpBuilder("elementwise_add")
                  .In("X", {"x"})
                  .In("Y", {"z"})
                  .Out("Out", {"o"})
                  .Int("axis", 2),
              &s);
      },
      {"axis 2 cannot place Y [3] inside X [2, 3]"});
  SetTensor<int64_t>(&s, "i", {3}, {1, 2, 3});
  ExpectError(
      [&] {
        RunOp(OpBuilder("elementwise_add").In("X", {"x"}).In("Y", {"i"}).Out("Out", {"o"}), &s);
      },
      {"input Y is int64, expected float32"});
}

// ---- scale

TEST(Scale, FloatBiasBeforeAndAfter) {
  Scope s;
  SetTensor<float>(&s, "x", {2, 2}, {1, 2, 3, 4}, {{0, 2}});
  RunOp(OpBuilder("scale").In("X", {"x"}).Out("Out", {"a"}).Float("scale", 2).Float("bias", 1), &s);
  EXPECT_EQ(GetTensor<float>(s, "a"), (std::vector<float>{3, 5, 7, 9}));
  EXPECT_EQ(Get(s, "a").lod(), (LoD{{0, 2}}));
  RunOp(OpBuilder("scale")
            .In("X", {"x"})
            .Out("Out", {"b"})
            .Float("scale", 2)
            .Float("bias", 1)
            .Bool("bias_after_scale", false),
        &s);
  EXPECT_EQ(GetTensor<float>(s, "b"), (std::vector<float>{4, 6, 8, 10}));
}

TEST(Scale, KeepsInt64AsTheLacProgramNeeds) {
  // The LAC program ends with scale(1, 0) over crf_decoding's int64 path.
  Scope s;
  SetTensor<int64_t>(&s, "path", {3, 1}, {0, 3, 2}, {{0, 3}});
  RunOp(OpBuilder("scale")
            .In("X", {"path"})
            .Out("Out", {"o"})
            .Float("scale", 1)
            .Float("bias", 0)
            .Bool("bias_after_scale", true),
        &s);
  EXPECT_EQ(Get(s, "o").dtype(), DType::kInt64);
  EXPECT_EQ(Get(s, "o").dims(), (Dims{3, 1}));
  EXPECT_EQ(Get(s, "o").lod(), (LoD{{0, 3}}));
  EXPECT_EQ(GetTensor<int64_t>(s, "o"), (std::vector<int64_t>{0, 3, 2}));

  // Paddle converts scale and bias to the element type first: 1.5 becomes 1, 2.7 becomes 2.
  RunOp(OpBuilder("scale")
            .In("X", {"path"})
            .Out("Out", {"t"})
            .Float("scale", 1.5f)
            .Float("bias", 2.7f),
        &s);
  EXPECT_EQ(GetTensor<int64_t>(s, "t"), (std::vector<int64_t>{2, 5, 4}));

  SetTensor<int32_t>(&s, "i", {2}, {3, -4});
  RunOp(OpBuilder("scale").In("X", {"i"}).Out("Out", {"j"}).Float("scale", -2).Float("bias", 1),
        &s);
  EXPECT_EQ(Get(s, "j").dtype(), DType::kInt32);
  EXPECT_EQ(GetTensor<int32_t>(s, "j"), (std::vector<int32_t>{-5, 9}));
}

TEST(Scale, ScaleTensorOverridesTheAttribute) {
  Scope s;
  SetTensor<float>(&s, "x", {2}, {1, 2});
  SetTensor<float>(&s, "st", {1}, {3});
  RunOp(OpBuilder("scale")
            .In("X", {"x"})
            .In("ScaleTensor", {"st"})
            .Out("Out", {"o"})
            .Float("scale", 100),
        &s);
  EXPECT_EQ(GetTensor<float>(s, "o"), (std::vector<float>{3, 6}));
}

TEST(Scale, IdentitySharesButNeverAliasesLaterWrites) {
  // The identity shares X's buffer; a later write to X takes a fresh buffer, so the old output
  // keeps its values, and the next run sees the new input.
  Scope s;
  SetTensor<float>(&s, "x", {2}, {1, 2});
  auto op = OpBuilder("scale").In("X", {"x"}).Out("Out", {"o"});
  RunOp(op, &s);
  EXPECT_EQ(Get(s, "o").raw_data(), Get(s, "x").raw_data());
  SetTensor<float>(&s, "x", {2}, {5, 6});
  EXPECT_EQ(GetTensor<float>(s, "o"), (std::vector<float>{1, 2}));
  RunOp(op, &s);
  EXPECT_EQ(GetTensor<float>(s, "o"), (std::vector<float>{5, 6}));
}

}  // namespace
}  // namespace pd::test
