// Losses and the reductions that end a training program, with their gradients:
// softmax_with_cross_entropy (hard labels over the last axis, Paddle's numerically stable form
// and ignore_index), cross_entropy2 over probabilities (PaddleHub 1.x's classifier loss), mean
// and reduce_mean over all elements.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "kernels/kernel_util.h"
#include "kernels/loss_rows.h"
#include "kernels/register.h"

namespace pd {
namespace {

// ---- softmax_with_cross_entropy: Logits [.., C], Label [.., 1] int64 -> Softmax, Loss [.., 1]

int64_t LabelAt(const Tensor& label, int64_t i) {
  return label.dtype() == DType::kInt64 ? label.data<int64_t>()[i]
                                        : static_cast<int64_t>(label.data<int32_t>()[i]);
}

void SwceInferShape(OpContext& ctx) {
  const Tensor& logits = InputOfType(ctx, "Logits", DType::kFP32);
  const Tensor& label = InputWithData(ctx, "Label");
  const LossRows r = SoftmaxCrossEntropyRows(ctx, logits);
  PD_CHECK(label.numel() == r.rows, "softmax_with_cross_entropy: Label ",
           DimsToString(label.dims()), " must hold one class per row of Logits ",
           DimsToString(logits.dims()));
  ctx.Out("Softmax")->Resize(logits.dims());
  Dims loss = logits.dims();
  loss.back() = 1;
  ctx.Out("Loss")->Resize(loss);
  ShareLoD(ctx, "Logits", "Loss");
}

void SwceKernel(OpContext& ctx) {
  const Tensor& logits = ctx.In("Logits");
  const Tensor& label = ctx.In("Label");
  PD_CHECK(label.dtype() == DType::kInt64 || label.dtype() == DType::kInt32,
           "softmax_with_cross_entropy: Label must be int64 or int32");
  const LossRows r = SoftmaxCrossEntropyRows(ctx, logits);
  const int64_t ignore = ctx.op().GetInt("ignore_index", -100);
  const float* x = logits.data<float>();
  float* sm = ctx.Out("Softmax")->mutable_data<float>();
  float* loss = ctx.Out("Loss")->mutable_data<float>();
  for (int64_t i = 0; i < r.rows; ++i) {
    const float* xi = x + i * r.classes;
    float* si = sm + i * r.classes;
    const float mx = *std::max_element(xi, xi + r.classes);
    double sum = 0;
    for (int64_t j = 0; j < r.classes; ++j) sum += std::exp(static_cast<double>(xi[j] - mx));
    const double log_sum = std::log(sum);
    for (int64_t j = 0; j < r.classes; ++j)
      si[j] = static_cast<float>(std::exp(static_cast<double>(xi[j] - mx) - log_sum));
    const int64_t t = LabelAt(label, i);
    if (t == ignore) {
      loss[i] = 0.0f;
      continue;
    }
    PD_CHECK(t >= 0 && t < r.classes, "softmax_with_cross_entropy: label ", t, " of row ", i,
             " is outside [0, ", r.classes, ")");
    loss[i] = static_cast<float>(log_sum - static_cast<double>(xi[t] - mx));
  }
}

void SwceGradMaker(GradOpBuilder& g) {
  g.Add("softmax_with_cross_entropy_grad")
      .In("Label", g.Input("Label"))
      .In("Softmax", g.Output("Softmax"))
      .In("Loss@GRAD", g.OutputGrad("Loss"))
      .Out("Logits@GRAD", g.InputGrad("Logits"));
}

void SwceGradInferShape(OpContext& ctx) {
  ctx.Out("Logits@GRAD")->Resize(InputWithData(ctx, "Softmax").dims());
}

// dLogits = (Softmax − onehot(Label)) · dLoss per row; 0 on ignored rows.
void SwceGradKernel(OpContext& ctx) {
  const Tensor& sm = InputOfType(ctx, "Softmax", DType::kFP32);
  const Tensor& label = ctx.In("Label");
  const float* dloss = InputOfType(ctx, "Loss@GRAD", DType::kFP32).data<float>();
  const LossRows r = SoftmaxCrossEntropyRows(ctx, sm);
  const int64_t ignore = ctx.op().GetInt("ignore_index", -100);
  const float* s = sm.data<float>();
  float* dx = ctx.Out("Logits@GRAD")->mutable_data<float>();
  for (int64_t i = 0; i < r.rows; ++i) {
    const int64_t t = LabelAt(label, i);
    float* di = dx + i * r.classes;
    if (t == ignore) {
      std::fill(di, di + r.classes, 0.0f);
      continue;
    }
    for (int64_t j = 0; j < r.classes; ++j) di[j] = (s[i * r.classes + j] - (j == t)) * dloss[i];
  }
}

// ---- cross_entropy2: X holds probabilities [.., C], Label [.., 1] -> Y = −log X[label] [.., 1],
// MatchX = X[label] (what the gradient reads), XShape; rows with ignore_index get 0 for both.

void CrossEntropy2InferShape(OpContext& ctx) {
  const Tensor& x = InputOfType(ctx, "X", DType::kFP32);
  const Tensor& label = InputWithData(ctx, "Label");
  PD_CHECK(x.rank() >= 1 && label.numel() * x.dims().back() == x.numel(), "cross_entropy2: Label ",
           DimsToString(label.dims()), " must hold one class per row of X ", DimsToString(x.dims()));
  Dims y = x.dims();
  y.back() = 1;
  ctx.Out("Y")->Resize(y);
  ShareLoD(ctx, "X", "Y");
  if (ctx.HasOutput("MatchX")) ctx.Out("MatchX")->Resize(y);
  if (ctx.HasOutput("XShape")) {
    Dims xshape{0};
    xshape.insert(xshape.end(), x.dims().begin(), x.dims().end());
    ctx.Out("XShape")->Resize(xshape);
  }
}

void CrossEntropy2Kernel(OpContext& ctx) {
  const Tensor& x = ctx.In("X");
  const Tensor& label = ctx.In("Label");
  const int64_t c = x.dims().back(), rows = c ? x.numel() / c : 0;
  const int64_t ignore = ctx.op().GetInt("ignore_index", -100);
  const float* p = x.data<float>();
  float* y = ctx.Out("Y")->mutable_data<float>();
  std::vector<float> match(static_cast<size_t>(rows), 0.0f);
  for (int64_t i = 0; i < rows; ++i) {
    const int64_t t = LabelAt(label, i);
    if (t == ignore) {
      y[i] = 0.0f;
      continue;
    }
    PD_CHECK(t >= 0 && t < c, "cross_entropy2: label ", t, " of row ", i, " is outside [0, ", c,
             ")");
    match[i] = p[i * c + t];
    // −log 0 is +inf; Paddle clamps it to the largest finite float (TolerableValue).
    const float v = -std::log(match[i]);
    y[i] = std::isinf(v) ? std::numeric_limits<float>::max() : v;
  }
  if (ctx.HasOutput("MatchX")) {
    float* m = ctx.Out("MatchX")->mutable_data<float>();
    std::copy(match.begin(), match.end(), m);
  }
}

void CrossEntropy2GradMaker(GradOpBuilder& g) {
  g.Add("cross_entropy_grad2")
      .In("Label", g.Input("Label"))
      .In("MatchX", g.Output("MatchX"))
      .In("XShape", g.Output("XShape"))
      .In("Y@GRAD", g.OutputGrad("Y"))
      .Out("X@GRAD", g.InputGrad("X"));
}

// X's dims are XShape's without its leading 0.
void CrossEntropyGrad2InferShape(OpContext& ctx) {
  const Dims& xshape = ctx.In("XShape").dims();
  PD_CHECK(xshape.size() >= 2 && xshape[0] == 0, "cross_entropy_grad2: XShape ",
           DimsToString(xshape), " is not [0, X's dims...]");
  ctx.Out("X@GRAD")->Resize(Dims(xshape.begin() + 1, xshape.end()));
}

// dX[row, label] = −dY[row] / MatchX[row]; every other element, and ignored rows, 0.
void CrossEntropyGrad2Kernel(OpContext& ctx) {
  const Tensor& label = ctx.In("Label");
  const float* match = InputOfType(ctx, "MatchX", DType::kFP32).data<float>();
  const float* dy = InputOfType(ctx, "Y@GRAD", DType::kFP32).data<float>();
  Tensor* dx_t = ctx.Out("X@GRAD");
  const int64_t c = dx_t->dims().back(), rows = c ? dx_t->numel() / c : 0;
  const int64_t ignore = ctx.op().GetInt("ignore_index", -100);
  float* dx = dx_t->mutable_data<float>();
  std::fill(dx, dx + dx_t->numel(), 0.0f);
  for (int64_t i = 0; i < rows; ++i) {
    const int64_t t = LabelAt(label, i);
    if (t != ignore) dx[i * c + t] = -dy[i] / match[i];
  }
}

// ---- mean and reduce_mean over all elements

bool ReducesAll(const OpContext& ctx) {
  if (ctx.op().type() == "mean") return true;
  if (ctx.op().GetBool("reduce_all", false)) return true;
  const auto dims = ctx.op().GetInts("dim", {});
  const int64_t rank = ctx.In("X").rank();
  if (static_cast<int64_t>(dims.size()) != rank) return false;
  std::vector<bool> seen(static_cast<size_t>(rank), false);
  for (int64_t d : dims) seen[static_cast<size_t>(d < 0 ? d + rank : d)] = true;
  return std::all_of(seen.begin(), seen.end(), [](bool b) { return b; });
}

void MeanInferShape(OpContext& ctx) {
  InputOfType(ctx, "X", DType::kFP32);
  PD_CHECK(ReducesAll(ctx), ctx.op().type(), ": only the mean over all elements is supported");
  // A 0-D result, as Paddle 3 gives (the loss of a training program); keep_dim keeps the rank.
  Dims out;
  if (ctx.op().type() == "reduce_mean" && ctx.op().GetBool("keep_dim", false))
    out.assign(ctx.In("X").dims().size(), 1);
  ctx.Out("Out")->Resize(out);
}

void MeanKernel(OpContext& ctx) {
  const Tensor& x = ctx.In("X");
  const float* p = x.data<float>();
  double sum = 0;
  for (int64_t i = 0; i < x.numel(); ++i) sum += p[i];
  ctx.Out("Out")->mutable_data<float>()[0] =
      static_cast<float>(x.numel() ? sum / static_cast<double>(x.numel()) : 0.0);
}

template <const char* kGradType>
void MeanGradMaker(GradOpBuilder& g) {
  g.Add(kGradType)
      .In("X", g.Input("X"))
      .In("Out@GRAD", g.OutputGrad("Out"))
      .Out("X@GRAD", g.InputGrad("X"));
}
constexpr char kMeanGrad[] = "mean_grad";
constexpr char kReduceMeanGrad[] = "reduce_mean_grad";

void MeanGradInferShape(OpContext& ctx) {
  ctx.Out("X@GRAD")->Resize(InputWithData(ctx, "X").dims());
  ShareLoD(ctx, "X", "X@GRAD");
}

// dX = dOut / numel(X) everywhere.
void MeanGradKernel(OpContext& ctx) {
  const Tensor& x = ctx.In("X");
  const float g = InputOfType(ctx, "Out@GRAD", DType::kFP32).data<float>()[0] /
                  static_cast<float>(std::max<int64_t>(x.numel(), 1));
  float* dx = ctx.Out("X@GRAD")->mutable_data<float>();
  std::fill(dx, dx + x.numel(), g);
}

}  // namespace

void RegisterLossKernels(OpRegistry& r) {
  r.Add("softmax_with_cross_entropy", SwceInferShape, "Logits");
  r.AddKernel("softmax_with_cross_entropy", DeviceType::kCPU, DType::kFP32, SwceKernel);
  r.SetGradMaker("softmax_with_cross_entropy", SwceGradMaker);
  r.Add("softmax_with_cross_entropy_grad", SwceGradInferShape, "Softmax");
  r.AddKernel("softmax_with_cross_entropy_grad", DeviceType::kCPU, DType::kFP32, SwceGradKernel);

  r.Add("cross_entropy2", CrossEntropy2InferShape, "X");
  r.AddKernel("cross_entropy2", DeviceType::kCPU, DType::kFP32, CrossEntropy2Kernel);
  r.SetGradMaker("cross_entropy2", CrossEntropy2GradMaker);
  r.Add("cross_entropy_grad2", CrossEntropyGrad2InferShape, "Y@GRAD");
  r.AddKernel("cross_entropy_grad2", DeviceType::kCPU, DType::kFP32, CrossEntropyGrad2Kernel);

  r.Add("mean", MeanInferShape, "X");
  r.AddKernel("mean", DeviceType::kCPU, DType::kFP32, MeanKernel);
  r.SetGradMaker("mean", MeanGradMaker<kMeanGrad>);
  r.Add("reduce_mean", MeanInferShape, "X");
  r.AddKernel("reduce_mean", DeviceType::kCPU, DType::kFP32, MeanKernel);
  r.SetGradMaker("reduce_mean", MeanGradMaker<kReduceMeanGrad>);
  for (const char* type : {"mean_grad", "reduce_mean_grad"}) {
    r.Add(type, MeanGradInferShape, "Out@GRAD");
    r.AddKernel(type, DeviceType::kCPU, DType::kFP32, MeanGradKernel);
  }
}

}  // namespace pd
