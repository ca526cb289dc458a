// softmax along any axis: exp(x − max) / Σ exp(x − max), as Paddle computes it.
#include <algorithm>
#include <vector>

#include "kernels/kernel_util.h"
#include "kernels/register.h"
#include "kernels/vec_math.h"

namespace pd {
namespace {

int SoftmaxAxis(const OpContext& ctx, const Tensor& x) {
  int64_t axis = ctx.op().GetInt("axis", -1);
  const int64_t rank = std::max(x.rank(), 1);
  PD_CHECK(axis >= -rank && axis < rank, "softmax: axis ", axis, " is out of range for ",
           DimsToString(x.dims()));
  return static_cast<int>(axis < 0 ? axis + rank : axis);
}

void SoftmaxInferShape(OpContext& ctx) {
  const Tensor& x = InputOfType(ctx, "X", DType::kFP32);
  SoftmaxAxis(ctx, x);
  ctx.Out("Out")->Resize(x.dims());
  ShareLoD(ctx, "X", "Out");
}

// x viewed as [outer, n, inner] with n along the axis; Out may be X itself.
void SoftmaxKernel(OpContext& ctx) {
  const Tensor& x = ctx.In("X");
  if (x.numel() == 0) return;
  const int axis = SoftmaxAxis(ctx, x);
  const Dims& d = x.dims();
  const int64_t n = d.empty() ? 1 : d[axis];
  const int64_t inner = DimProduct(d, axis + 1, d.size()), outer = x.numel() / (n * inner);
  const float* in = x.data<float>();
  float* out = ctx.Out("Out")->mutable_data<float>();
  std::vector<float> mx(inner), sum(inner);
  for (int64_t o = 0; o < outer; ++o) {
    const float* xo = in + o * n * inner;
    float* yo = out + o * n * inner;
    std::copy(xo, xo + inner, mx.begin());
    for (int64_t j = 1; j < n; ++j)
      for (int64_t i = 0; i < inner; ++i) mx[i] = std::max(mx[i], xo[j * inner + i]);
    std::fill(sum.begin(), sum.end(), 0.0f);
    for (int64_t j = 0; j < n; ++j)
      for (int64_t i = 0; i < inner; ++i) {
        const float e = ExpF(xo[j * inner + i] - mx[i]);
        yo[j * inner + i] = e;
        sum[i] += e;
      }
    for (int64_t j = 0; j < n; ++j)
      for (int64_t i = 0; i < inner; ++i) yo[j * inner + i] /= sum[i];
  }
}

}  // namespace

void RegisterSoftmaxKernels(OpRegistry& r) {
  r.Add("softmax", SoftmaxInferShape, "X");
  r.AddKernel("softmax", DeviceType::kCPU, DType::kFP32, SoftmaxKernel);
}

}  // namespace pd
