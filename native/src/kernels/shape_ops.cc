// Ops that change only the shape: reshape(2), flatten(2), flatten_contiguous_range,
// squeeze(2), unsqueeze(2) — Out views X's buffer, no copy — and shape (X's dims as int32).
// The "2" variants also output XShape: [0] + X.dims, metadata for the grad op, without data.
#include <algorithm>
#include <cstdint>
#include <vector>

#include "framework/op_registry.h"
#include "kernels/kernel_util.h"
#include "kernels/register.h"

namespace pd {
namespace {

// The ops' axes attributes count back from the end when negative.
int64_t NormAxis(const OpContext& ctx, int64_t axis, int64_t rank, const char* what) {
  const int64_t a = axis < 0 ? axis + rank : axis;
  PD_CHECK(a >= 0 && a < rank, ctx.op().type(), ": ", what, " ", axis,
           " is out of range for rank ", rank);
  return a;
}

void SetXShape(OpContext& ctx, const Dims& x_dims) {
  if (!ctx.HasOutput("XShape")) return;
  Dims xs{0};
  xs.insert(xs.end(), x_dims.begin(), x_dims.end());
  ctx.Out("XShape")->Resize(std::move(xs));
}

// Sets Out's dims to out (and XShape's); the kernel then makes Out a view of X.
void SetViewShape(OpContext& ctx, Dims out) {
  const Tensor& x = ctx.In("X");
  PD_CHECK(Numel(out) == x.numel(), ctx.op().type(), ": cannot view ", DimsToString(x.dims()),
           " (", x.numel(), " elements) as ", DimsToString(out));
  const Dims x_dims = x.dims();  // Out may be X itself
  ctx.Out("Out")->Resize(std::move(out));
  SetXShape(ctx, x_dims);
  ShareLoD(ctx, "X", "Out");
}

void ViewKernel(OpContext& ctx) {
  Tensor* out = ctx.Out("Out");
  const Dims dims = out->dims();
  const LoD lod = out->lod();
  out->ShareDataWith(ctx.In("X"));
  out->Resize(dims);
  out->set_lod(lod);
}

// reshape: the target comes from ShapeTensor (one-element tensors), else Shape (a 1-D
// tensor), else the shape attribute. 0 copies X's dim at that index, -1 (at most one) takes
// what is left.
void ReshapeInferShape(OpContext& ctx) {
  const Tensor& x = InputWithData(ctx, "X");
  std::vector<int64_t> shape;
  if (ctx.HasInput("ShapeTensor")) {
    for (const Tensor* t : ctx.Ins("ShapeTensor")) {
      const auto v = IntListInput(ctx, *t, "ShapeTensor");
      PD_CHECK(v.size() == 1, ctx.op().type(), ": each ShapeTensor must hold one value");
      shape.push_back(v[0]);
    }
  } else if (ctx.HasInput("Shape")) {
    shape = IntListInput(ctx, ctx.In("Shape"), "Shape");
  } else {
    shape = ctx.op().GetInts("shape", {});
  }
  Dims out(shape.size());
  int infer = -1;
  int64_t known = 1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      PD_CHECK(infer < 0, ctx.op().type(), ": shape ", DimsToString(shape),
               " has more than one -1");
      infer = static_cast<int>(i);
      continue;
    }
    if (shape[i] == 0) {
      PD_CHECK(static_cast<int>(i) < x.rank(), ctx.op().type(), ": shape ", DimsToString(shape),
               " copies dim ", i, " (0) of X ", DimsToString(x.dims()), ", which has no such dim");
      out[i] = x.dim(static_cast<int>(i));
    } else {
      PD_CHECK(shape[i] > 0, ctx.op().type(), ": shape ", DimsToString(shape),
               " has the invalid value ", shape[i]);
      out[i] = shape[i];
    }
    known *= out[i];
  }
  if (infer >= 0) {
    PD_CHECK(known > 0 && x.numel() % known == 0, ctx.op().type(), ": cannot reshape X ",
             DimsToString(x.dims()), " to ", DimsToString(shape));
    out[infer] = x.numel() / known;
  }
  SetViewShape(ctx, std::move(out));
}

// flatten / flatten2: [prod(dims[:axis]), prod(dims[axis:])], axis in [0, rank].
void FlattenInferShape(OpContext& ctx) {
  const Tensor& x = InputWithData(ctx, "X");
  const int64_t axis = ctx.op().GetInt("axis", 1);
  PD_CHECK(axis >= 0 && axis <= x.rank(), ctx.op().type(), ": axis ", axis,
           " is out of range [0, ", x.rank(), "]");
  SetViewShape(ctx, {DimProduct(x.dims(), 0, axis), DimProduct(x.dims(), axis, x.rank())});
}

// flatten_contiguous_range: dims [start_axis, stop_axis] merged into one.
void FlattenRangeInferShape(OpContext& ctx) {
  const Tensor& x = InputWithData(ctx, "X");
  if (x.rank() == 0) {  // a scalar flattens to one element
    SetViewShape(ctx, {1});
    return;
  }
  const int64_t start = NormAxis(ctx, ctx.op().GetInt("start_axis", 1), x.rank(), "start_axis");
  const int64_t stop = NormAxis(ctx, ctx.op().GetInt("stop_axis", 1), x.rank(), "stop_axis");
  PD_CHECK(start <= stop, ctx.op().type(), ": start_axis ", start, " is after stop_axis ", stop);
  Dims out(x.dims().begin(), x.dims().begin() + start);
  out.push_back(DimProduct(x.dims(), start, stop + 1));
  out.insert(out.end(), x.dims().begin() + stop + 1, x.dims().end());
  SetViewShape(ctx, std::move(out));
}

// squeeze: drops the listed dims that are 1 (a listed dim that is not 1 stays, as in Paddle);
// no axes: drops every 1.
void SqueezeInferShape(OpContext& ctx) {
  const Tensor& x = InputWithData(ctx, "X");
  const auto axes = ctx.op().GetInts("axes", {});
  std::vector<bool> drop(x.rank(), false);
  for (int i = 0; i < x.rank(); ++i) drop[i] = axes.empty() && x.dim(i) == 1;
  for (int64_t a : axes) {
    const int64_t i = NormAxis(ctx, a, x.rank(), "axis");
    drop[i] = x.dim(static_cast<int>(i)) == 1;
  }
  Dims out;
  for (int i = 0; i < x.rank(); ++i)
    if (!drop[i]) out.push_back(x.dim(i));
  SetViewShape(ctx, std::move(out));
}

// unsqueeze: inserts 1s one axis after another, each axis counted in the shape that the
// previous insertions made (negative: from the end of that shape, -1 appends).
void UnsqueezeInferShape(OpContext& ctx) {
  const Tensor& x = InputWithData(ctx, "X");
  std::vector<int64_t> axes;
  if (ctx.HasInput("AxesTensorList")) {
    for (const Tensor* t : ctx.Ins("AxesTensorList")) {
      for (int64_t a : IntListInput(ctx, *t, "AxesTensorList")) axes.push_back(a);
    }
  } else if (ctx.HasInput("AxesTensor")) {
    axes = IntListInput(ctx, ctx.In("AxesTensor"), "AxesTensor");
  } else {
    axes = ctx.op().GetInts("axes", {});
  }
  Dims out = x.dims();
  for (int64_t a : axes) {
    const int64_t rank = static_cast<int64_t>(out.size());
    const int64_t at = a < 0 ? a + rank + 1 : a;
    PD_CHECK(at >= 0 && at <= rank, ctx.op().type(), ": axis ", a,
             " is out of range for inserting into rank ", rank);
    out.insert(out.begin() + at, 1);
  }
  SetViewShape(ctx, std::move(out));
}

void ShapeInferShape(OpContext& ctx) {
  const Tensor& x = ctx.In("Input");
  ctx.Out("Out")->Resize({x.rank()});
}

// Only the dims matter, so X needs no data (a declared but unfed input still has dims).
void ShapeKernel(OpContext& ctx) {
  const Dims& dims = ctx.In("Input").dims();
  int32_t* out = ctx.Out("Out")->mutable_data<int32_t>();
  for (size_t i = 0; i < dims.size(); ++i) out[i] = static_cast<int32_t>(dims[i]);
}

void AddView(OpRegistry& r, const char* type, InferShapeFn infer) {
  r.Add(type, infer, "");
  r.AddKernel(type, DeviceType::kCPU, DType::kUndefined, ViewKernel);
}

}  // namespace

void RegisterShapeKernels(OpRegistry& r) {
  AddView(r, "reshape", ReshapeInferShape);
  AddView(r, "reshape2", ReshapeInferShape);
  AddView(r, "flatten", FlattenInferShape);
  AddView(r, "flatten2", FlattenInferShape);
  AddView(r, "flatten_contiguous_range", FlattenRangeInferShape);
  AddView(r, "squeeze", SqueezeInferShape);
  AddView(r, "squeeze2", SqueezeInferShape);
  AddView(r, "unsqueeze", UnsqueezeInferShape);
  AddView(r, "unsqueeze2", UnsqueezeInferShape);
  r.Add("shape", ShapeInferShape, "");
  r.AddKernel("shape", DeviceType::kCPU, DType::kUndefined, ShapeKernel);
}

}  // namespace pd
