// transpose / transpose2: Out.dims[i] = X.dims[axis[i]], data moved (any element type).
// transpose2 also outputs XShape ([0] + X.dims, no data).
#include <cstdint>
#include <vector>

#include "framework/op_registry.h"
#include "kernels/kernel_util.h"
#include "kernels/register.h"
#include "kernels/strided_copy.h"

namespace pd {
namespace {

// The permutation, checked: every input dim exactly once (negative values count from the end).
std::vector<int> Perm(const OpContext& ctx, int rank) {
  const auto axis = ctx.op().GetInts("axis", {});
  PD_CHECK(static_cast<int>(axis.size()) == rank, ctx.op().type(), ": axis has ", axis.size(),
           " entries but X has rank ", rank);
  std::vector<int> perm(rank);
  std::vector<bool> seen(rank, false);
  for (int i = 0; i < rank; ++i) {
    const int64_t a = axis[i] < 0 ? axis[i] + rank : axis[i];
    PD_CHECK(a >= 0 && a < rank && !seen[a], ctx.op().type(), ": axis ",
             DimsToString(axis), " is not a permutation of ", rank, " dims");
    seen[a] = true;
    perm[i] = static_cast<int>(a);
  }
  return perm;
}

void TransposeInferShape(OpContext& ctx) {
  CheckNotInPlace(ctx, "Out", {"X"});
  const Tensor& x = InputWithData(ctx, "X");
  const std::vector<int> perm = Perm(ctx, x.rank());
  Dims out(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) out[i] = x.dim(perm[i]);
  ctx.Out("Out")->Resize(std::move(out));
  if (ctx.HasOutput("XShape")) {
    Dims xs{0};
    xs.insert(xs.end(), x.dims().begin(), x.dims().end());
    ctx.Out("XShape")->Resize(std::move(xs));
  }
  ShareLoD(ctx, "X", "Out");
}

void TransposeKernel(OpContext& ctx) {
  const Tensor& x = ctx.In("X");
  Tensor* out = ctx.Out("Out");
  const std::vector<int> perm = Perm(ctx, x.rank());
  std::vector<int64_t> in_stride(x.rank(), 1);
  for (int i = x.rank() - 1; i > 0; --i) in_stride[i - 1] = in_stride[i] * x.dim(i);
  StridedView v;
  for (int p : perm) {
    v.size.push_back(x.dim(p));
    v.stride.push_back(in_stride[p]);
  }
  void* dst = out->mutable_data(x.dtype());
  if (x.numel() > 0) StridedCopy(v, x.raw_data(), 0, dst, SizeOf(x.dtype()));
}

}  // namespace

void RegisterTransposeKernels(OpRegistry& r) {
  for (const char* type : {"transpose", "transpose2"}) {
    r.Add(type, TransposeInferShape, "");
    r.AddKernel(type, DeviceType::kCPU, DType::kUndefined, TransposeKernel);
  }
}

}  // namespace pd
