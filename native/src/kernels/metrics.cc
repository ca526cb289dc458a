// The metrics of a classifier head: top_k (v1) and top_k_v2 over the last axis (largest first;
// equal values keep their order, so the lower index comes first, as Paddle's CPU kernel gives),
// and accuracy: the share of rows whose label is among their top-k indices.
#include <algorithm>
#include <numeric>
#include <vector>

#include "kernels/kernel_util.h"
#include "kernels/register.h"

namespace pd {
namespace {

int64_t TopK(const OpContext& ctx, const Tensor& x) {
  const int64_t k = ctx.HasInput("K") ? static_cast<int64_t>(ScalarInput(ctx, "K"))
                                      : ctx.op().GetInt("k", 1);
  PD_CHECK(x.rank() >= 1 && k >= 1 && k <= x.dims().back(), ctx.op().type(), ": k ", k,
           " must be in [1, ", x.rank() ? x.dims().back() : 0, "] for X ", DimsToString(x.dims()));
  if (ctx.op().type() == "top_k_v2") {
    const int64_t axis = ctx.op().GetInt("axis", -1);
    PD_CHECK(axis == -1 || axis == x.rank() - 1, "top_k_v2: only the last axis is supported");
    PD_CHECK(ctx.op().GetBool("largest", true) && ctx.op().GetBool("sorted", true),
             "top_k_v2: only largest=true, sorted=true is supported");
  }
  return k;
}

void TopKInferShape(OpContext& ctx) {
  const Tensor& x = InputOfType(ctx, "X", DType::kFP32);
  Dims out = x.dims();
  out.back() = TopK(ctx, x);
  ctx.Out("Out")->Resize(out);
  ctx.Out("Indices")->Resize(out);
  ShareLoD(ctx, "X", "Out");
  ShareLoD(ctx, "X", "Indices");
}

void TopKKernel(OpContext& ctx) {
  const Tensor& x = ctx.In("X");
  const int64_t k = TopK(ctx, x), n = x.dims().back(), rows = n ? x.numel() / n : 0;
  const float* p = x.data<float>();
  float* out = ctx.Out("Out")->mutable_data<float>();
  int64_t* idx = ctx.Out("Indices")->mutable_data<int64_t>();
  std::vector<int64_t> order(static_cast<size_t>(n));
  for (int64_t r = 0; r < rows; ++r) {
    const float* row = p + r * n;
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [row](int64_t a, int64_t b) { return row[a] > row[b]; });
    for (int64_t j = 0; j < k; ++j) {
      out[r * k + j] = row[order[j]];
      idx[r * k + j] = order[j];
    }
  }
}

void AccuracyInferShape(OpContext& ctx) {
  const Tensor& idx = InputOfType(ctx, "Indices", DType::kInt64);
  const Tensor& label = InputWithData(ctx, "Label");
  PD_CHECK(idx.rank() == 2 && label.numel() == idx.dim(0), "accuracy: Indices ",
           DimsToString(idx.dims()), " must be [N, k] with one label per row, Label is ",
           DimsToString(label.dims()));
  ctx.Out("Accuracy")->Resize({});
  if (ctx.HasOutput("Correct")) ctx.Out("Correct")->Resize({});
  if (ctx.HasOutput("Total")) ctx.Out("Total")->Resize({});
}

void AccuracyKernel(OpContext& ctx) {
  const Tensor& idx = ctx.In("Indices");
  const Tensor& label = ctx.In("Label");
  const std::vector<int64_t> labels = IntListInput(ctx, label, "Label");
  const int64_t rows = idx.dim(0), k = idx.dim(1);
  const int64_t* ip = idx.data<int64_t>();
  int32_t correct = 0;
  for (int64_t r = 0; r < rows; ++r)
    correct += std::find(ip + r * k, ip + (r + 1) * k, labels[r]) != ip + (r + 1) * k;
  ctx.Out("Accuracy")->mutable_data<float>()[0] =
      rows ? static_cast<float>(correct) / static_cast<float>(rows) : 0.0f;
  if (ctx.HasOutput("Correct")) ctx.Out("Correct")->mutable_data<int32_t>()[0] = correct;
  if (ctx.HasOutput("Total"))
    ctx.Out("Total")->mutable_data<int32_t>()[0] = static_cast<int32_t>(rows);
}

}  // namespace

void RegisterMetricKernels(OpRegistry& r) {
  for (const char* type : {"top_k", "top_k_v2"}) {
    r.Add(type, TopKInferShape, "X");
    r.AddKernel(type, DeviceType::kCPU, DType::kFP32, TopKKernel);
  }
  r.Add("accuracy", AccuracyInferShape, "Indices");
  r.AddKernel("accuracy", DeviceType::kCPU, DType::kInt64, AccuracyKernel);
}

}  // namespace pd
