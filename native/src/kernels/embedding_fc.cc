// fused_embedding_fc: lookup_table followed by an fc on the rows it gathered, as the
// embedding_fc_fuse_pass makes it (passes/embedding_fc_fuse.cc). Each id's output row is
// W[id] · FcW + Bias, the same for every occurrence of the id, so with constant weights a row
// is computed the first time its id appears and then copied: a recurrent tagger's input
// projection (LAC's) becomes a table lookup. Ids equal to padding_idx give Bias, as the
// zero row of the lookup would.
//
// The cache is an uninitialised vocabulary-sized table, so only the pages of ids actually met
// become resident memory.
#include <algorithm>
#include <cstring>
#include <memory>
#include <vector>

#include "framework/op_registry.h"
#include "kernels/kernel_util.h"
#include "kernels/register.h"
#include "kernels/small_gemm.h"

namespace pd {
namespace {

constexpr int64_t kNoPadding = -1;

void EmbeddingFcInferShape(OpContext& ctx) {
  CheckNotInPlace(ctx, "Out", {"Ids", "W", "FcW", "Bias"});
  const Tensor& ids = InputWithData(ctx, "Ids");
  const Tensor& w = InputOfType(ctx, "W", DType::kFP32);
  const Tensor& fc_w = InputOfType(ctx, "FcW", DType::kFP32);
  PD_CHECK(ids.dtype() == DType::kInt64 || ids.dtype() == DType::kInt32,
           "fused_embedding_fc: Ids must be int64 or int32, got ", DTypeName(ids.dtype()));
  PD_CHECK(w.rank() == 2 && fc_w.rank() == 2 && fc_w.dim(0) == w.dim(1),
           "fused_embedding_fc: W ", DimsToString(w.dims()), " and FcW ",
           DimsToString(fc_w.dims()), " must be [V, E] and [E, N]");
  if (ctx.HasInput("Bias")) {
    PD_CHECK(InputOfType(ctx, "Bias", DType::kFP32).numel() == fc_w.dim(1),
             "fused_embedding_fc: Bias must have ", fc_w.dim(1), " values");
  }
  // lookup_table's Ids end in a dim of 1 that its output drops; lookup_table_v2's do not.
  Dims out = ids.dims();
  if (ctx.op().GetBool("ids_trailing_one", true)) {
    PD_CHECK(!out.empty() && out.back() == 1, "fused_embedding_fc: the last dim of Ids must be ",
             "1, got shape ", DimsToString(out));
    out.pop_back();
  }
  out.push_back(fc_w.dim(1));
  ctx.Out("Out")->Resize(std::move(out));
  ShareLoD(ctx, "Ids", "Out");
}

struct EmbeddingFcState : KernelState {
  PackedMatrix fc_w;
  // The contents of W, FcW and Bias that fc_w and rows were made from.
  WeightCache w_seen, fc_w_seen, bias_seen;
  std::unique_ptr<float[]> rows;  // [V, N], row id valid where known[id]
  std::vector<bool> known;
};

// out[n] = bias + w_row · fc_w.
void ProjectRow(const float* w_row, const PackedMatrix& fc_w, const float* bias, float* out) {
  if (bias != nullptr) {
    std::copy(bias, bias + fc_w.n(), out);
  } else {
    std::fill(out, out + fc_w.n(), 0.0f);
  }
  AddRowsTimesPacked(1, w_row, fc_w.k(), fc_w, out, fc_w.n());
}

template <typename Id>
void Project(OpContext& ctx, const Id* ids, int64_t count, float* out) {
  const Tensor& w = ctx.In("W");
  const float* table = w.data<float>();
  const float* bias = ctx.HasInput("Bias") ? ctx.In("Bias").data<float>() : nullptr;
  const int64_t vocab = w.dim(0), width = w.dim(1);
  const int64_t padding = ctx.op().GetInt("padding_idx", kNoPadding);
  EmbeddingFcState& s = ctx.State<EmbeddingFcState>();
  const Tensor& fc_w = ctx.In("FcW");
  // Every operand is checked (no short-circuit), so each cache remembers the current stamp.
  const bool w_changed = s.w_seen.Changed(w);
  const bool fc_w_changed = s.fc_w_seen.Changed(fc_w);
  const bool bias_changed = bias != nullptr && s.bias_seen.Changed(ctx.In("Bias"));
  if (fc_w_changed) s.fc_w.Pack(fc_w.dim(0), fc_w.dim(1), fc_w.data<float>(), fc_w.dim(1));
  const int64_t n = s.fc_w.n();
  // Projected rows are kept until an operand changes (a training step, or new weights).
  if (w_changed || fc_w_changed || bias_changed || s.known.empty()) {
    s.rows.reset(new float[static_cast<size_t>(vocab * n)]);
    s.known.assign(static_cast<size_t>(vocab), false);
  }
  const std::vector<float> zeros(static_cast<size_t>(width), 0.0f);
  for (int64_t i = 0; i < count; ++i) {
    const int64_t id = ids[i];
    float* dst = out + i * n;
    if (padding != kNoPadding && id == padding) {
      ProjectRow(zeros.data(), s.fc_w, bias, dst);
      continue;
    }
    PD_CHECK(id >= 0 && id < vocab, "fused_embedding_fc: id ", id, " at position ", i,
             " of Ids is out of range; the table W has ", vocab, " rows (valid ids 0..",
             vocab - 1, ")");
    float* row = s.rows.get() + id * n;
    if (!s.known[static_cast<size_t>(id)]) {
      ProjectRow(table + id * width, s.fc_w, bias, row);
      s.known[static_cast<size_t>(id)] = true;
    }
    std::memcpy(dst, row, static_cast<size_t>(n) * sizeof(float));
  }
}

void EmbeddingFcKernel(OpContext& ctx) {
  const Tensor& ids = ctx.In("Ids");
  float* out = ctx.Out("Out")->mutable_data<float>();
  if (ids.dtype() == DType::kInt32) {
    Project(ctx, ids.data<int32_t>(), ids.numel(), out);
  } else {
    Project(ctx, ids.data<int64_t>(), ids.numel(), out);
  }
}

}  // namespace

void RegisterEmbeddingFcKernels(OpRegistry& r) {
  r.Add("fused_embedding_fc", EmbeddingFcInferShape, "W");
  r.AddKernel("fused_embedding_fc", DeviceType::kCPU, DType::kFP32, EmbeddingFcKernel);
}

}  // namespace pd
