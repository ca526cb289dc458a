// slice: a box of Input along the listed axes, [start, end) per axis, copied out (any element
// type). Negative starts/ends count from the end; both are then clamped into [0, dim].
// decrease_axis removes those (size-1) dims from Out; removing all of them leaves a 0-D tensor.
#include <algorithm>
#include <cstdint>
#include <vector>

#include "framework/op_registry.h"
#include "kernels/kernel_util.h"
#include "kernels/register.h"
#include "kernels/strided_copy.h"

namespace pd {
namespace {

// starts or ends: from the list of one-element tensors, else the 1-D tensor, else the attr.
std::vector<int64_t> Bounds(const OpContext& ctx, const char* list_slot, const char* tensor_slot,
                            const char* attr) {
  if (ctx.HasInput(list_slot)) {
    std::vector<int64_t> v;
    for (const Tensor* t : ctx.Ins(list_slot)) {
      const auto one = IntListInput(ctx, *t, list_slot);
      PD_CHECK(one.size() == 1, "slice: each ", list_slot, " tensor must hold one value");
      v.push_back(one[0]);
    }
    return v;
  }
  if (ctx.HasInput(tensor_slot)) return IntListInput(ctx, ctx.In(tensor_slot), tensor_slot);
  return ctx.op().GetInts(attr, {});
}

struct SliceBox {
  Dims start, size;  // per input dim
  Dims out;          // Out's dims after decrease_axis
};

SliceBox PlanSlice(const OpContext& ctx) {
  const Dims& in = ctx.In("Input").dims();
  const int rank = static_cast<int>(in.size());
  const auto axes = ctx.op().GetInts("axes", {});
  const auto starts = Bounds(ctx, "StartsTensorList", "StartsTensor", "starts");
  const auto ends = Bounds(ctx, "EndsTensorList", "EndsTensor", "ends");
  PD_CHECK(starts.size() == axes.size() && ends.size() == axes.size(), "slice: ", axes.size(),
           " axes but ", starts.size(), " starts and ", ends.size(), " ends");
  SliceBox b;
  b.start.assign(rank, 0);
  b.size = in;
  for (size_t i = 0; i < axes.size(); ++i) {
    const int64_t a = axes[i] < 0 ? axes[i] + rank : axes[i];
    PD_CHECK(a >= 0 && a < rank, "slice: axis ", axes[i], " is out of range for Input ",
             DimsToString(in));
    const int64_t dim = in[a];
    int64_t s = starts[i] < 0 ? starts[i] + dim : starts[i];
    int64_t e = ends[i] < 0 ? ends[i] + dim : ends[i];
    s = std::clamp<int64_t>(s, 0, dim);
    e = std::clamp<int64_t>(e, 0, dim);
    PD_CHECK(e >= s, "slice: along axis ", a, " (size ", dim, ") the end ", ends[i],
             " comes before the start ", starts[i]);
    b.start[a] = s;
    b.size[a] = e - s;
  }
  std::vector<bool> drop(rank, false);
  for (int64_t d : ctx.op().GetInts("decrease_axis", {})) {
    const int64_t a = d < 0 ? d + rank : d;
    PD_CHECK(a >= 0 && a < rank && b.size[a] == 1, "slice: decrease_axis ", d,
             " must name a dim of size 1 in the slice ", DimsToString(b.size));
    drop[a] = true;
  }
  for (int i = 0; i < rank; ++i)
    if (!drop[i]) b.out.push_back(b.size[i]);
  return b;
}

void SliceInferShape(OpContext& ctx) {
  CheckNotInPlace(ctx, "Out", {"Input"});
  InputWithData(ctx, "Input");
  ctx.Out("Out")->Resize(PlanSlice(ctx).out);
  ShareLoD(ctx, "Input", "Out");
}

void SliceKernel(OpContext& ctx) {
  const Tensor& x = ctx.In("Input");
  const SliceBox b = PlanSlice(ctx);
  StridedView v;
  v.size = b.size;
  v.stride.assign(x.rank(), 1);
  for (int i = x.rank() - 1; i > 0; --i) v.stride[i - 1] = v.stride[i] * x.dim(i);
  int64_t offset = 0;
  for (int i = 0; i < x.rank(); ++i) offset += b.start[i] * v.stride[i];
  void* dst = ctx.Out("Out")->mutable_data(x.dtype());
  StridedCopy(v, x.raw_data(), offset, dst, SizeOf(x.dtype()));
}

}  // namespace

void RegisterSliceKernels(OpRegistry& r) {
  r.Add("slice", SliceInferShape, "");
  r.AddKernel("slice", DeviceType::kCPU, DType::kUndefined, SliceKernel);
}

}  // namespace pd
