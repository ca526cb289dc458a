// bfloat16 activations on the GPU (cuda/layout.h, ExecConfig::gpu_bf16_activations): a bfloat16
// convolution leaves its output in bfloat16, batch norm reads it so and writes its own output in
// bfloat16 (rounded, as autocast's batch norm does), and the readers of that (the next
// convolution, relu's gradient, the residual add, pooling) read it as it is, the add and the
// pooling writing bfloat16 in turn; every other reader gets it widened. Checked against the same
// step with the switch off, where everything between ops is float32:
// - a convolution's output is the same bit for bit (cuDNN rounded it either way, and a
//   bfloat16 convolution reads its input rounded to bfloat16 either way);
// - a batch norm's output is the float32 one rounded to bfloat16, exactly (RoundToBf16, the
//   CPU's rounding, as the reference);
// - the residual add sums those rounded values and rounds the sum, exactly; max pooling picks
//   from those, and the global average pool (float32 out) averages them;
// - the loss and the gradients, which follow from the rounded values, stay close;
// - and with the switch on the tensors really were bfloat16, else the check compares the
//   float32 path with itself.
// And a ShuffleNet unit's concat, channel shuffle and split move bfloat16 activations and their
// gradients as they are stored (MovesBf16ValuesAsTheyAre).
// "Exactly" is bit for bit on the host CUDA backend, whose cuDNN has one algorithm. On a GPU the
// two executors may each pick another (cudnnFind times them), summing in another order: there a
// value may fall on the other side of a bfloat16 rounding, so up to 1 % of them (one of a
// short vector) may be one bfloat16 step off.
//
// GPU only: run with GOHUB_TEST_GPU=<id> (ctest runs it on the host CUDA backend, the device
// check script on a real GPU); the CPU-only test list leaves it out (CMakeLists.txt).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "framework/executor.h"
#include "kernels/bf16.h"
#include "gpu_test_net.h"
#include "test_util.h"

namespace pd::test {
namespace {

// Fills scope and runs one training step of program on GPU gpu, its activations between ops in
// bfloat16 or not.
void RunStep(const std::shared_ptr<const Program>& program, int gpu, bool bf16_activations,
             Scope* scope) {
  Fill(scope);
  ExecConfig config;
  config.place = Place{DeviceType::kGPU, gpu};
  config.gpu_bf16 = true;
  config.gpu_bf16_activations = bf16_activations;
  Executor exec(program, scope, config);
  exec.Run();
}

// Whether name is stored in bfloat16 (the layout bit 2 of cuda/layout.h) is want; a bfloat16
// one takes half a float32 tensor's memory.
void ExpectBf16(Scope& scope, const std::string& name, bool want, bool switch_on) {
  const Tensor* t = scope.FindLocal(name);
  ASSERT_NE(t, nullptr) << name;
  const bool bf16 = (t->layout() & 2) != 0;
  EXPECT_EQ(bf16, want) << name << " with the switch " << switch_on;
  if (bf16) {
    EXPECT_EQ(t->capacity(), static_cast<size_t>(t->numel()) * 2) << name;
  }
}

std::vector<float> Values(Scope& scope, const std::string& name) {
  const Tensor* t = scope.FindLocal(name);
  if (t == nullptr || !t->initialized()) {
    ADD_FAILURE() << name << " was not computed";
    return {};
  }
  Tensor host;
  const Tensor& h = PlainOnHost(*t, &host);  // widened, if it stayed bfloat16
  return std::vector<float>(h.data<float>(), h.data<float>() + h.numel());
}

std::vector<float> Rounded(std::vector<float> v) {
  RoundToBf16(v.data(), v.size());
  return v;
}

// got equals want bit for bit but for at most 1 % of the values (one of a short vector), each
// within one bfloat16 step (see the top of the file).
void ExpectSameValues(const std::vector<float>& got, const std::vector<float>& want,
                      const std::string& name) {
  ASSERT_EQ(got.size(), want.size()) << name;
  size_t differ = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    if (got[i] == want[i] || (std::isnan(got[i]) && std::isnan(want[i]))) continue;
    ++differ;
    EXPECT_LE(std::fabs(got[i] - want[i]),
              std::ldexp(std::max(std::fabs(got[i]), std::fabs(want[i])), -7))
        << name << "[" << i << "]: " << got[i] << " against " << want[i];
  }
  EXPECT_LE(differ, std::max<size_t>(got.size() / 100, 1)) << name << ": " << differ << " of " << got.size()
                                      << " values differ";
}

// ‖a − b‖ / ‖b‖.
double RelL2(const std::vector<float>& a, const std::vector<float>& b) {
  double d = 0, n = 0;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    d += (double{a[i]} - b[i]) * (double{a[i]} - b[i]);
    n += double{b[i]} * b[i];
  }
  return a.size() == b.size() && n > 0 ? std::sqrt(d / n) : INFINITY;
}

TEST(GpuBf16Activations, BatchNormsReadAndWriteBf16WithTheRoundingAutocastHas) {
  const int gpu = TestGpu();
  if (gpu < 0) GTEST_SKIP() << "GOHUB_TEST_GPU is not set";
  std::map<std::string, std::string> grads;
  const auto program = TrainingProgram(&grads);
  ASSERT_EQ(grads.size(), 9u);  // w1..w3, scale1..3, bias1..3
  ASSERT_TRUE(std::any_of(program->ops().begin(), program->ops().end(),
                          [](const auto& op) { return op.type() == "sum"; }))
      << "r1's two gradients are summed";

  std::map<bool, Scope> scopes;
  for (const bool on : {false, true}) {
    Scope& scope = scopes[on];
    RunStep(program, gpu, on, &scope);
    // r1 is bn1's fused-relu output, s the add's; g (1x1) is float32 either way.
    for (const char* name : {"c1", "r1", "c2", "b2", "c3", "b3", "s", "p", "g"})
      ExpectBf16(scope, name, on && std::string(name) != "g", on);
    // A gradient is stored as the gradient it comes from, but for a bfloat16 convolution's
    // data gradient, which cuDNN writes in bfloat16: from the loss down to c2@GRAD and c3@GRAD
    // float32, from the two convolutions' data gradients on (their sum r1@GRAD, then c1@GRAD
    // through bn1's) bfloat16.
    for (const char* name : {"s@GRAD", "c2@GRAD", "c3@GRAD", "r1@GRAD", "c1@GRAD"})
      ExpectBf16(scope, name,
                 on && (std::string(name) == "r1@GRAD" || std::string(name) == "c1@GRAD"), on);
  }
  Scope& off = scopes[false];
  Scope& on = scopes[true];
  for (const char* name : {"c1", "c2", "c3", "saved_mean1", "saved_var1", "mean2", "var2",
                           "saved_mean3"})
    ExpectSameValues(Values(on, name), Values(off, name), name);
  for (const char* name : {"r1", "b2", "b3"})
    ExpectSameValues(Values(on, name), Rounded(Values(off, name)), name);
  // s = relu(b2 + b3) over the rounded values, one float32 add each, rounded.
  const std::vector<float> b2 = Rounded(Values(off, "b2")), b3 = Rounded(Values(off, "b3"));
  std::vector<float> s(b2.size());
  for (size_t i = 0; i < s.size(); ++i) s[i] = std::max(b2[i] + b3[i], 0.0f);
  s = Rounded(s);
  ExpectSameValues(Values(on, "s"), s, "s");
  // p: the 2x2 maxima of s (values of s, so exact); g: the means of p's 3x3 planes.
  constexpr int64_t kHalf = kSide / 2;
  std::vector<float> p(kBatch * kOut * kHalf * kHalf), g(kBatch * kOut);
  for (int64_t plane = 0; plane < kBatch * kOut; ++plane) {
    for (int64_t i = 0; i < kHalf; ++i)
      for (int64_t j = 0; j < kHalf; ++j) {
        const float* q = &s[(plane * kSide + 2 * i) * kSide + 2 * j];
        p[(plane * kHalf + i) * kHalf + j] = std::max({q[0], q[1], q[kSide], q[kSide + 1]});
      }
    double sum = 0;
    for (int64_t k = 0; k < kHalf * kHalf; ++k) sum += p[plane * kHalf * kHalf + k];
    g[plane] = static_cast<float>(sum / (kHalf * kHalf));
  }
  ExpectSameValues(Values(on, "p"), p, "p");
  EXPECT_LT(RelL2(Values(on, "g"), g), 1e-6);
  // The rest follows from values rounded to bfloat16 (8 bits): close, not equal.
  std::vector<std::string> names = {"loss", "s@GRAD", "r1@GRAD", "c1@GRAD", "c2@GRAD",
                                    "c3@GRAD"};
  for (const auto& [param, grad] : grads) names.push_back(grad);
  for (const std::string& name : names) {
    const std::vector<float> want = Values(off, name);
    EXPECT_FALSE(want.empty()) << name;
    EXPECT_LT(RelL2(Values(on, name), want), 2e-2) << name;
  }
}

// A ShuffleNet unit's skeleton: r1 = relu(bn1(conv(x, w1))), b2 = bn2(conv(r1, w2)),
// k = concat(r1, b2), h = shuffle_channel(k, 2), h1, h2 = split(h), b3 = bn3(conv(h1, w3)),
// b4 = bn4(conv(h2, w4)), s = b3 + b4, loss = mean(global_avg_pool(s)).
std::shared_ptr<const Program> UnitProgram(std::map<std::string, std::string>* grads) {
  Net net;
  net.Stem();
  for (const char* v : {"k", "h", "h1", "h2", "s", "g", "loss"}) net.Declare(v);
  net.Add(OpBuilder("concat").In("X", {"r1", "b2"}).Out("Out", {"k"}).Int("axis", 1));
  net.Add(OpBuilder("shuffle_channel").In("X", {"k"}).Out("Out", {"h"}).Int("group", 2));
  net.Add(OpBuilder("split").In("X", {"h"}).Out("Out", {"h1", "h2"}).Int("axis", 1).Int("num", 2));
  net.Conv("h1", "w3", "c3");
  net.Norm("c3", "b3", "3");
  net.Conv("h2", "w4", "c4");
  net.Norm("c4", "b4", "4");
  net.Add(OpBuilder("elementwise_add").In("X", {"b3"}).In("Y", {"b4"}).Out("Out", {"s"})
              .Int("axis", -1));
  net.Add(OpBuilder("pool2d").In("X", {"s"}).Out("Out", {"g"}).String("pooling_type", "avg")
              .Ints("ksize", {1, 1}).Bool("global_pooling", true));
  net.Add(OpBuilder("mean").In("X", {"g"}).Out("Out", {"loss"}));
  return net.Train(grads);
}

// [N, C, plane] channels concatenated, shuffled, cut: as the ops define them, on the host.
using Planes = std::vector<float>;
Planes Concat(const Planes& a, const Planes& b, int64_t n) {
  Planes out;
  const size_t ai = a.size() / n, bi = b.size() / n;
  for (int64_t i = 0; i < n; ++i) {
    out.insert(out.end(), a.begin() + i * ai, a.begin() + (i + 1) * ai);
    out.insert(out.end(), b.begin() + i * bi, b.begin() + (i + 1) * bi);
  }
  return out;
}
Planes Half(const Planes& v, int64_t n, int which) {
  Planes out;
  const size_t per = v.size() / n / 2;
  for (int64_t i = 0; i < n; ++i) {
    const auto from = v.begin() + (2 * i + which) * per;
    out.insert(out.end(), from, from + per);
  }
  return out;
}
// Out channel a * group + b is in channel b * per + a.
Planes Shuffle(const Planes& v, int64_t n, int64_t channels, int64_t group) {
  Planes out(v.size());
  const int64_t plane = v.size() / n / channels, per = channels / group;
  for (int64_t i = 0; i < n; ++i)
    for (int64_t c = 0; c < channels; ++c) {
      const int64_t from = (c % group) * per + c / group;
      std::copy_n(v.begin() + (i * channels + from) * plane, plane,
                  out.begin() + (i * channels + c) * plane);
    }
  return out;
}

TEST(GpuBf16Activations, MovesBf16ValuesAsTheyAre) {
  const int gpu = TestGpu();
  if (gpu < 0) GTEST_SKIP() << "GOHUB_TEST_GPU is not set";
  std::map<std::string, std::string> grads;
  const auto program = UnitProgram(&grads);
  std::map<bool, Scope> scopes;
  for (const bool on : {false, true}) {
    Scope& scope = scopes[on];
    RunStep(program, gpu, on, &scope);
    // The moves' outputs and, from the two convolutions' data gradients up, their gradients
    // stay bfloat16.
    for (const char* name : {"k", "h", "h1", "h2", "h1@GRAD", "h2@GRAD", "h@GRAD", "k@GRAD",
                             "b2@GRAD"})
      ExpectBf16(scope, name, on, on);
  }
  Scope& off = scopes[false];
  Scope& on = scopes[true];
  // Moved unchanged: forward, the float32 path's values rounded to bfloat16 (batch norm rounds
  // its output, the moves keep it); the convolutions that read the split's halves as they are
  // give what the float32 path's give (they round their input either way).
  const Planes k = Concat(Rounded(Values(off, "r1")), Rounded(Values(off, "b2")), kBatch);
  ExpectSameValues(Values(on, "k"), k, "k");
  const Planes h = Shuffle(k, kBatch, 2 * kOut, 2);
  ExpectSameValues(Values(on, "h"), h, "h");
  ExpectSameValues(Values(on, "h1"), Half(h, kBatch, 0), "h1");
  ExpectSameValues(Values(on, "h2"), Half(h, kBatch, 1), "h2");
  for (const char* name : {"c3", "c4"}) ExpectSameValues(Values(on, name), Values(off, name), name);
  // Backward, within the bfloat16 run: split's gradient joins the halves' gradients, the
  // shuffle's moves them back, concat's cuts them.
  const Planes dh = Concat(Values(on, "h1@GRAD"), Values(on, "h2@GRAD"), kBatch);
  ExpectSameValues(Values(on, "h@GRAD"), dh, "h@GRAD");
  const Planes dk = Shuffle(dh, kBatch, 2 * kOut, kOut);  // per = 2 groups of kOut undo it
  ExpectSameValues(Values(on, "k@GRAD"), dk, "k@GRAD");
  ExpectSameValues(Values(on, "b2@GRAD"), Half(dk, kBatch, 1), "b2@GRAD");
  // The rest follows from values rounded to bfloat16: close, not equal.
  std::vector<std::string> names = {"loss", "r1@GRAD", "c1@GRAD"};
  for (const auto& [param, grad] : grads) names.push_back(grad);
  for (const std::string& name : names) {
    const std::vector<float> want = Values(off, name);
    EXPECT_FALSE(want.empty()) << name;
    EXPECT_LT(RelL2(Values(on, name), want), 2e-2) << name;
  }
}

}  // namespace
}  // namespace pd::test
