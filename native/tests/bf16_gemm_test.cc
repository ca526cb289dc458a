// bfloat16 matrix products (kernels/bf16.h): mul, matmul and matmul_v2 marked mkldnn_data_type =
// "bfloat16", and the gradients of mul and matmul_v2, must give what the float32 ops give on
// their inputs rounded to bfloat16 (the same GEMMs on the same values: equal bit for bit), and
// differ from the float32 ops on the inputs as they are, so that the rounding is seen to happen.
// On the GPU (GpuBf16Products: cuBLAS's bfloat16 GEMMs, cuda/gemm.h) the same ops give the CPU's
// bfloat16 results where the executor honours the marks, up to the order of the float32 sums,
// and float32's where it does not. GPU only: run with GOHUB_TEST_GPU=<id> (ctest runs it on the
// host CUDA backend, the device check script on a real GPU); the CPU-only test list leaves it
// out (CMakeLists.txt).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "framework/executor.h"
#include "kernels/bf16.h"
#include "test_util.h"

namespace pd::test {
namespace {

std::vector<float> Rounded(std::vector<float> v) {
  RoundToBf16(v.data(), v.size());
  return v;
}

float MaxAbsDiff(const std::vector<float>& a, const std::vector<float>& b) {
  float d = 0;
  for (size_t i = 0; i < a.size(); ++i) d = std::max(d, std::abs(a[i] - b[i]));
  return d;
}

// One product op with its inputs' dims and, where it has a gradient, the gradient op.
struct Case {
  const char* name;
  std::string type;
  Dims x, y, out;
  void (*attrs)(OpBuilder&);
  bool has_grad;
};

const Case kCases[] = {
    {"mul flattening X", "mul", {4, 3, 5}, {15, 6}, {4, 6},
     [](OpBuilder& op) { op.Int("x_num_col_dims", 1).Int("y_num_col_dims", 1); }, true},
    {"matmul transposed X with alpha", "matmul", {5, 4}, {5, 6}, {4, 6},
     [](OpBuilder& op) { op.Bool("transpose_X", true).Float("alpha", 0.5f); }, false},
    {"matmul_v2 batched, Y broadcast and transposed", "matmul_v2", {2, 3, 4, 5}, {6, 5},
     {2, 3, 4, 6}, [](OpBuilder& op) { op.Bool("trans_y", true); }, true},
};

OpBuilder Forward(const Case& c, bool bf16) {
  OpBuilder op(c.type);
  op.In("X", {"x"}).In("Y", {"y"}).Out("Out", {"out"});
  c.attrs(op);
  if (bf16) op.String("mkldnn_data_type", "bfloat16");
  return op;
}

OpBuilder Backward(const Case& c, bool bf16) {
  const OpBuilder fwd = Forward(c, bf16);
  OpBuilder op(c.type + "_grad");
  op.In("X", {"x"})
      .In("Y", {"y"})
      .In("Out@GRAD", {"dout"})
      .Out("X@GRAD", {"dx"})
      .Out("Y@GRAD", {"dy"})
      .AttrsOf(fwd);
  return op;
}

struct Values {
  std::vector<float> x, y, dout;
};

struct Results {
  std::vector<float> out, dx, dy;
};

// The case's op marked bf16 or not (and its gradient) on config's place.
Results RunProduct(const Case& c, const Values& v, bool bf16, const ExecConfig& config = {}) {
  Scope s;
  SetTensor(&s, "x", c.x, v.x);
  SetTensor(&s, "y", c.y, v.y);
  SetTensor(&s, "dout", c.out, v.dout);
  std::vector<OpBuilder> ops{Forward(c, bf16)};
  if (c.has_grad) ops.push_back(Backward(c, bf16));
  Executor(ProgramOf(ops), &s, config).Run();
  Results r{HostValues(*s.FindLocal("out")), {}, {}};
  if (c.has_grad) {
    r.dx = HostValues(*s.FindLocal("dx"));
    r.dy = HostValues(*s.FindLocal("dy"));
  }
  return r;
}

Values Inputs(const Case& c) {
  return {RandomFloats(Numel(c.x), 7), RandomFloats(Numel(c.y), 8),
          RandomFloats(Numel(c.out), 9)};
}

TEST(Bf16Gemm, MatchesFloat32OnRoundedInputs) {
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.name);
    const Values v = Inputs(c);
    const Results got = RunProduct(c, v, true);
    const Results want = RunProduct(c, {Rounded(v.x), Rounded(v.y), Rounded(v.dout)}, false);
    const Results exact = RunProduct(c, v, false);
    EXPECT_EQ(got.out, want.out);
    EXPECT_GT(MaxAbsDiff(got.out, exact.out), 1e-4f);
    if (!c.has_grad) continue;
    EXPECT_EQ(got.dx, want.dx);
    EXPECT_EQ(got.dy, want.dy);
    EXPECT_GT(MaxAbsDiff(got.dx, exact.dx), 1e-4f);
    EXPECT_GT(MaxAbsDiff(got.dy, exact.dy), 1e-4f);
  }
}

// The mark rounds copies: the op's inputs keep their float32 values (master weights stay exact).
TEST(Bf16Gemm, LeavesItsInputsAsTheyAre) {
  const Case& c = kCases[0];
  const std::vector<float> x = RandomFloats(Numel(c.x), 3);
  const std::vector<float> y = RandomFloats(Numel(c.y), 4);
  ASSERT_NE(Rounded(x), x);
  Scope s;
  SetTensor(&s, "x", c.x, x);
  SetTensor(&s, "y", c.y, y);
  RunOp(Forward(c, true), &s, 1);
  EXPECT_EQ(GetTensor<float>(s, "x"), x);
  EXPECT_EQ(GetTensor<float>(s, "y"), y);
}

// got within a float32 rounding of the sums of want (both summing the same products).
void ExpectSums(const std::vector<float>& got, const std::vector<float>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i)
    EXPECT_NEAR(got[i], want[i], 1e-5f * (1.0f + std::abs(want[i]))) << "[" << i << "]";
}

TEST(GpuBf16Products, MatchTheCpuWhereMarksAreHonoured) {
  const int gpu = TestGpu();
  if (gpu < 0) GTEST_SKIP() << "GOHUB_TEST_GPU is not set";
  ExecConfig config;
  config.place = Place{DeviceType::kGPU, gpu};
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.name);
    const Values v = Inputs(c);
    const Results cpu_bf16 = RunProduct(c, v, true), cpu_fp32 = RunProduct(c, v, false);
    config.gpu_bf16 = true;
    const Results gpu_bf16 = RunProduct(c, v, true, config);
    config.gpu_bf16 = false;  // a predictor's GPU: marks are not honoured
    const Results gpu_fp32 = RunProduct(c, v, true, config);
    ExpectSums(gpu_bf16.out, cpu_bf16.out);
    ExpectSums(gpu_fp32.out, cpu_fp32.out);
    EXPECT_GT(MaxAbsDiff(gpu_bf16.out, gpu_fp32.out), 1e-4f);
    if (!c.has_grad) continue;
    ExpectSums(gpu_bf16.dx, cpu_bf16.dx);
    ExpectSums(gpu_bf16.dy, cpu_bf16.dy);
    ExpectSums(gpu_fp32.dx, cpu_fp32.dx);
    ExpectSums(gpu_fp32.dy, cpu_fp32.dy);
  }
}

}  // namespace
}  // namespace pd::test
