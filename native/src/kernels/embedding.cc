// Embedding lookups: lookup_table (Ids int64 with a trailing dim of 1) and lookup_table_v2
// (Ids int64 or int32 of any shape). Out row i is row Ids[i] of the float32 table W, or zeros
// where Ids[i] == padding_idx.
#include <cstring>

#include "framework/op_registry.h"
#include "kernels/kernel_util.h"
#include "kernels/register.h"

namespace pd {
namespace {

constexpr int64_t kNoPadding = -1;

void LookupInferShape(OpContext& ctx, bool v2) {
  const std::string& op = ctx.op().type();
  CheckNotInPlace(ctx, "Out", {"Ids", "W"});
  const Tensor& w = InputWithData(ctx, "W");
  const Tensor& ids = InputWithData(ctx, "Ids");
  PD_CHECK(w.rank() == 2, op, ": the table W must have rank 2, got ", DimsToString(w.dims()));
  const Dims& id_dims = ids.dims();
  Dims out = id_dims;
  if (v2) {
    PD_CHECK(ids.dtype() == DType::kInt64 || ids.dtype() == DType::kInt32, op,
             ": Ids must be int64 or int32, got ", DTypeName(ids.dtype()));
  } else {
    PD_CHECK(ids.dtype() == DType::kInt64, op, ": Ids must be int64, got ", DTypeName(ids.dtype()));
    PD_CHECK(!id_dims.empty() && id_dims.back() == 1, op,
             ": the last dim of Ids must be 1, got shape ", DimsToString(id_dims));
    out.pop_back();
  }
  out.push_back(w.dim(1));
  ctx.Out("Out")->Resize(std::move(out));
  ShareLoD(ctx, "Ids", "Out");
}

void LookupV1InferShape(OpContext& ctx) { LookupInferShape(ctx, false); }
void LookupV2InferShape(OpContext& ctx) { LookupInferShape(ctx, true); }

template <typename Id>
void Gather(const OpContext& ctx, const Id* ids, int64_t n, const float* table, int64_t rows,
            int64_t width, float* out) {
  const int64_t padding = ctx.op().GetInt("padding_idx", kNoPadding);
  const size_t row_bytes = static_cast<size_t>(width) * sizeof(float);
  for (int64_t i = 0; i < n; ++i) {
    const int64_t id = ids[i];
    float* dst = out + i * width;
    if (padding != kNoPadding && id == padding) {
      std::memset(dst, 0, row_bytes);
      continue;
    }
    PD_CHECK(id >= 0 && id < rows, ctx.op().type(), ": id ", id, " at position ", i,
             " of Ids is out of range; the table W has ", rows, " rows (valid ids 0..", rows - 1,
             ")");
    std::memcpy(dst, table + id * width, row_bytes);
  }
}

void LookupKernel(OpContext& ctx) {
  const Tensor& w = ctx.In("W");
  const Tensor& ids = ctx.In("Ids");
  float* out = ctx.Out("Out")->mutable_data<float>();
  const float* table = w.data<float>();
  if (ids.dtype() == DType::kInt32) {
    Gather(ctx, ids.data<int32_t>(), ids.numel(), table, w.dim(0), w.dim(1), out);
  } else {
    Gather(ctx, ids.data<int64_t>(), ids.numel(), table, w.dim(0), w.dim(1), out);
  }
}

}  // namespace

void RegisterEmbeddingKernels(OpRegistry& r) {
  r.Add("lookup_table", LookupV1InferShape, "W");
  r.AddKernel("lookup_table", DeviceType::kCPU, DType::kFP32, LookupKernel);
  r.Add("lookup_table_v2", LookupV2InferShape, "W");
  r.AddKernel("lookup_table_v2", DeviceType::kCPU, DType::kFP32, LookupKernel);
}

}  // namespace pd
