// The initialisers of a startup program: uniform_random, gaussian_random and
// truncated_gaussian_random, with Paddle's attributes (shape, dtype, seed; min/max, diag_num/
// diag_step/diag_val; mean/std; a/b, the truncation bounds in the output's units).
//
// Paddle's CPU kernels (phi/kernels/cpu/{uniform,gaussian,truncated_gaussian_random}_kernel.cc)
// draw from a std::mt19937_64 seeded with the op's seed (a fresh engine per run, so a nonzero
// seed gives the same values every time) through libstdc++'s distributions, and Paddle's wheels
// are built with GCC against libstdc++, as we are. So the same engine and the same
// distributions reproduce Paddle's values exactly (checked by the op cases):
// - uniform: std::uniform_real_distribution<T>(min, max), one draw per element, in order;
// - gaussian: std::normal_distribution<T>(mean, std) (libstdc++'s polar method, which keeps
//   the second value of each pair for the next element);
// - truncated gaussian: u from std::uniform_real_distribution<T>(FLT_MIN, 1), then the inverse
//   normal CDF of Φ(α) + (Φ(β) − Φ(α))·u, computed as √2·erfinv(2p − 1) in T with the rational
//   approximation and the float/double mix of Paddle's code (truncated_normal.h), clamped to
//   [a, b]. The arithmetic below keeps that mix, so float results match bit for bit.
// Seed 0 means what it means in Paddle: no fixed seed; the values come from one process-wide
// engine seeded from std::random_device, and differ between runs.
#include <algorithm>
#include <cmath>
#include <limits>
#include <mutex>
#include <random>

#include "kernels/kernel_util.h"
#include "kernels/register.h"

namespace pd {
namespace {

// The engine of an op run: a fresh one for a fixed seed, else the shared one (held locked for
// the whole fill, so concurrent runs do not interleave their draws).
class Engine {
 public:
  explicit Engine(int64_t seed) : lock_(SharedMutex(), std::defer_lock) {
    if (seed != 0) {
      own_.seed(static_cast<std::mt19937_64::result_type>(seed));
      engine_ = &own_;
    } else {
      lock_.lock();
      engine_ = &Shared();
    }
  }
  std::mt19937_64& get() { return *engine_; }

 private:
  static std::mutex& SharedMutex() {
    static std::mutex m;
    return m;
  }
  static std::mt19937_64& Shared() {
    static std::mt19937_64 e{std::random_device{}()};
    return e;
  }
  std::unique_lock<std::mutex> lock_;
  std::mt19937_64 own_;
  std::mt19937_64* engine_ = nullptr;
};

void RejectShapeTensors(const OpContext& ctx) {
  PD_CHECK(!ctx.HasInput("ShapeTensor") && !ctx.HasInput("ShapeTensorList"), ctx.op().type(),
           ": a shape from tensors (ShapeTensor, ShapeTensorList) is not supported");
}

void RandomInferShape(OpContext& ctx) {
  RejectShapeTensors(ctx);
  const Dims dims = ctx.op().GetInts("shape", {});
  for (int64_t d : dims)
    PD_CHECK(d >= 0, ctx.op().type(), ": shape ", DimsToString(dims), " has a negative size");
  ctx.Out("Out")->Resize(dims);
}

// Calls fill.template operator()<T>(data, n, engine) for the op's dtype (Paddle's VarType code:
// 5 FP32, 6 FP64).
template <typename Fill>
void ForDType(OpContext& ctx, Fill&& fill) {
  Tensor* out = ctx.Out("Out");
  Engine engine(ctx.op().GetInt("seed", 0));
  switch (ctx.op().GetInt("dtype", 5)) {
    case 5:
      return fill(out->mutable_data<float>(), out->numel(), engine.get());
    case 6:
      return fill(out->mutable_data<double>(), out->numel(), engine.get());
    default:
      Fail(ctx.op().type(), ": dtype ", ctx.op().GetInt("dtype", 5),
           " is not supported (float32 and float64 are)");
  }
}

void UniformKernel(OpContext& ctx) {
  const OpView& op = ctx.op();
  const float lo = op.GetFloat("min", -1.0f), hi = op.GetFloat("max", 1.0f);
  const int64_t diag_num = op.GetInt("diag_num", 0), diag_step = op.GetInt("diag_step", 0);
  const float diag_val = op.GetFloat("diag_val", 1.0f);
  ForDType(ctx, [&](auto* data, int64_t n, std::mt19937_64& e) {
    using T = std::remove_pointer_t<decltype(data)>;
    std::uniform_real_distribution<T> dist(static_cast<T>(lo), static_cast<T>(hi));
    for (int64_t i = 0; i < n; ++i) data[i] = dist(e);
    // diag_num values set to diag_val, every diag_step + 1 elements: a (partial) identity
    // over a flattened matrix with diag_step + 1 columns.
    for (int64_t i = 0; i < diag_num; ++i) {
      const int64_t pos = i * diag_step + i;
      PD_CHECK(pos < n, "uniform_random: diagonal element ", pos, " is outside the ", n,
               " values");
      data[pos] = static_cast<T>(diag_val);
    }
  });
}

void GaussianKernel(OpContext& ctx) {
  const float mean = ctx.op().GetFloat("mean", 0.0f), std = ctx.op().GetFloat("std", 1.0f);
  ForDType(ctx, [&](auto* data, int64_t n, std::mt19937_64& e) {
    using T = std::remove_pointer_t<decltype(data)>;
    std::normal_distribution<T> dist(static_cast<T>(mean), static_cast<T>(std));
    for (int64_t i = 0; i < n; ++i) data[i] = dist(e);
  });
}

// Horner's rule over c[0] + c[1]·r + ... + c[7]·r^7 in T, highest power first.
template <typename T>
T Poly(const double (&c)[8], T r) {
  T acc = static_cast<T>(c[7]);
  for (int i = 6; i >= 0; --i) acc = acc * r + static_cast<T>(c[i]);
  return acc;
}

// erfinv(x) by Wichura's rational approximations (Applied Statistics algorithm AS 241, PPND16,
// rescaled from the normal quantile to erfinv): a central one for |x| <= 0.85 and two tail ones
// in r = sqrt(ln 2 − ln(1 − |x|)). The coefficients are stored in T; the expressions that mix
// in double literals are evaluated in double and rounded to T, as Paddle's are.
template <typename T>
T Erfinv(T x) {
  if (x < -1 || x > 1) return std::numeric_limits<T>::quiet_NaN();
  if (x == 1) return std::numeric_limits<T>::infinity();
  if (x == -1) return -std::numeric_limits<T>::infinity();
  static constexpr double kA[8] = {1.1975323115670912564578e0, 4.7072688112383978012285e1,
                                   6.9706266534389598238465e2, 4.8548868893843886794648e3,
                                   1.6235862515167575384252e4, 2.3782041382114385731252e4,
                                   1.1819493347062294404278e4, 8.8709406962545514830200e2};
  static constexpr double kB[8] = {1.0000000000000000000e0, 4.2313330701600911252e1,
                                   6.8718700749205790830e2, 5.3941960214247511077e3,
                                   2.1213794301586595867e4, 3.9307895800092710610e4,
                                   2.8729085735721942674e4, 5.2264952788528545610e3};
  static constexpr double kC[8] = {1.42343711074968357734e0, 4.63033784615654529590e0,
                                   5.76949722146069140550e0, 3.64784832476320460504e0,
                                   1.27045825245236838258e0, 2.41780725177450611770e-1,
                                   2.27238449892691845833e-2, 7.74545014278341407640e-4};
  static constexpr double kD[8] = {1.4142135623730950488016887e0, 2.9036514445419946173133295e0,
                                   2.3707661626024532365971225e0, 9.7547832001787427186894837e-1,
                                   2.0945065210512749128288442e-1, 2.1494160384252876777097297e-2,
                                   7.7441459065157709165577218e-4, 1.4859850019840355905497876e-9};
  static constexpr double kE[8] = {6.65790464350110377720e0, 5.46378491116411436990e0,
                                   1.78482653991729133580e0, 2.96560571828504891230e-1,
                                   2.65321895265761230930e-2, 1.24266094738807843860e-3,
                                   2.71155556874348757815e-5, 2.01033439929228813265e-7};
  static constexpr double kF[8] = {1.414213562373095048801689e0, 8.482908416595164588112026e-1,
                                   1.936480946950659106176712e-1, 2.103693768272068968719679e-2,
                                   1.112800997078859844711555e-3, 2.611088405080593625138020e-5,
                                   2.010321207683943062279931e-7, 2.891024605872965461538222e-15};
  const T abs_x = std::abs(x);
  if (abs_x <= 0.85) {
    const T r = static_cast<T>(0.180625 - 0.25 * x * x);
    return x * Poly(kA, r) / Poly(kB, r);
  }
  const T ln2 = static_cast<T>(6.931471805599453094172321214581e-1);
  T r = static_cast<T>(std::sqrt(ln2 - std::log(1.0 - abs_x)));
  T num, den;
  if (r <= 5.0) {
    r = static_cast<T>(r - 1.6);
    num = Poly(kC, r);
    den = Poly(kD, r);
  } else {
    r = static_cast<T>(r - 5.0);
    num = Poly(kE, r);
    den = Poly(kF, r);
  }
  return x < 0 ? -num / den : num / den;
}

void TruncatedGaussianKernel(OpContext& ctx) {
  const OpView& op = ctx.op();
  const float mean = op.GetFloat("mean", 0.0f), std = op.GetFloat("std", 1.0f);
  const float a = op.GetFloat("a", -2.0f), b = op.GetFloat("b", 2.0f);
  PD_CHECK(std > 0.0f && a < b, "truncated_gaussian_random: needs std > 0 and a < b, got std ",
           std, ", a ", a, ", b ", b);
  ForDType(ctx, [&](auto* data, int64_t n, std::mt19937_64& e) {
    using T = std::remove_pointer_t<decltype(data)>;
    const T tm = mean, ts = std, ta = a, tb = b;
    // Φ(z) = (1 + erf(z / √2)) / 2, in double and rounded to T.
    auto cdf = [](T z) { return static_cast<T>((1.0 + std::erf(z / std::sqrt(2.0))) / 2.0); };
    const T a_cdf = cdf((ta - tm) / ts), b_cdf = cdf((tb - tm) / ts);
    std::uniform_real_distribution<T> dist(std::numeric_limits<float>::min(), 1.0);
    for (int64_t i = 0; i < n; ++i) {
      const T p = a_cdf + (b_cdf - a_cdf) * dist(e);
      const T v = static_cast<T>(std::sqrt(2.0) * Erfinv<T>(2 * p - 1) * ts + tm);
      data[i] = std::clamp(v, ta, tb);
    }
  });
}

}  // namespace

void RegisterRandomKernels(OpRegistry& r) {
  r.Add("uniform_random", RandomInferShape, "");
  r.AddKernel("uniform_random", DeviceType::kCPU, DType::kUndefined, UniformKernel);
  r.Add("gaussian_random", RandomInferShape, "");
  r.AddKernel("gaussian_random", DeviceType::kCPU, DType::kUndefined, GaussianKernel);
  r.Add("truncated_gaussian_random", RandomInferShape, "");
  r.AddKernel("truncated_gaussian_random", DeviceType::kCPU, DType::kUndefined,
              TruncatedGaussianKernel);
}

}  // namespace pd
