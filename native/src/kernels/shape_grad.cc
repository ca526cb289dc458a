// Gradients of the shape ops, as Paddle 3.3.1's legacy grad makers write them:
// - reshape2_grad, flatten2_grad, flatten_contiguous_range_grad (XShape, Out@GRAD → X@GRAD):
//   dOut's data unchanged, shaped as X was; X's dims are XShape's minus its leading 0 (XShape has
//   dims only, no data);
// - transpose2_grad (XShape, Out@GRAD; axis): dOut moved back by the inverse permutation;
// - concat_grad (X, AxisTensor, Out@GRAD → X@GRAD list): dOut cut along the axis; an input
//   without a gradient keeps its place in the list as "@EMPTY@" and is skipped;
// - split's gradient is a `concat` of the pieces' gradients along split's axis, a piece that got
//   no gradient first zero-filled by `fill_any_like` (value 0, dtype -1: X's type), which this
//   file also provides;
// - shuffle_channel_grad (Out@GRAD; group): the inverse shuffle, i.e. a shuffle with C / group
//   groups.
#include <cstring>
#include <vector>

#include "framework/op_registry.h"
#include "kernels/kernel_util.h"
#include "kernels/layout_rules.h"
#include "kernels/parallel.h"
#include "kernels/register.h"
#include "kernels/shuffle_channel.h"
#include "kernels/strided_copy.h"

namespace pd {
namespace {

const char kEmptyVarName[] = "@EMPTY@";

// reshape2 / flatten2 / flatten_contiguous_range / transpose2: the grad op reads XShape (the
// forward's second output) instead of X.
void XShapeGradMaker(GradOpBuilder& g) {
  g.Add(g.forward().type() + "_grad")
      .In("XShape", g.Output("XShape"))
      .In("Out@GRAD", g.OutputGrad("Out"))
      .Out("X@GRAD", g.InputGrad("X"));
}

// X's dims from XShape ([0] + X.dims): only the dims are read, XShape holds no data.
Dims XDimsFromXShape(const OpContext& ctx) {
  const Dims& xs = ctx.In("XShape").dims();
  PD_CHECK(!xs.empty(), ctx.op().type(), ": XShape (", ctx.op().Inputs("XShape").at(0),
           ") has no dims; the forward op must set them to [0] + X's dims");
  return Dims(xs.begin() + 1, xs.end());
}

void ReshapeGradInferShape(OpContext& ctx) {
  const Dims x_dims = XDimsFromXShape(ctx);
  const Tensor& dout = InputWithData(ctx, "Out@GRAD");
  PD_CHECK(Numel(x_dims) == dout.numel(), ctx.op().type(), ": Out@GRAD ",
           DimsToString(dout.dims()), " does not hold the ", Numel(x_dims), " values of X ",
           DimsToString(x_dims));
  ctx.Out("X@GRAD")->Resize(x_dims);
}

// dX views dOut's buffer, shaped as X was, as the forward's Out views X. A kernel that later
// writes into either (sum accumulating in place) takes a fresh buffer while it is shared
// (Tensor::mutable_data), so the view is never written through.
void ReshapeGradKernel(OpContext& ctx) {
  Tensor* dx = ctx.Out("X@GRAD");
  const Dims dims = dx->dims();
  dx->ShareDataWith(InputWithData(ctx, "Out@GRAD"));
  dx->Resize(dims);
}

// transpose2's permutation, checked against X's rank.
std::vector<int> TransposePerm(const OpContext& ctx, int rank) {
  const auto axis = ctx.op().GetInts("axis", {});
  PD_CHECK(static_cast<int>(axis.size()) == rank, ctx.op().type(), ": axis has ", axis.size(),
           " entries but X has rank ", rank);
  std::vector<int> perm(rank);
  std::vector<bool> seen(rank, false);
  for (int i = 0; i < rank; ++i) {
    const int64_t a = axis[i] < 0 ? axis[i] + rank : axis[i];
    PD_CHECK(a >= 0 && a < rank && !seen[a], ctx.op().type(), ": axis ", DimsToString(axis),
             " is not a permutation of ", rank, " dims");
    seen[a] = true;
    perm[i] = static_cast<int>(a);
  }
  return perm;
}

void TransposeGradInferShape(OpContext& ctx) {
  CheckNotInPlace(ctx, "X@GRAD", {"Out@GRAD"});
  const Dims x_dims = XDimsFromXShape(ctx);
  const Tensor& dout = InputWithData(ctx, "Out@GRAD");
  const std::vector<int> perm = TransposePerm(ctx, static_cast<int>(x_dims.size()));
  bool ok = dout.rank() == static_cast<int>(x_dims.size());
  for (size_t i = 0; ok && i < perm.size(); ++i)
    ok = dout.dim(static_cast<int>(i)) == x_dims[perm[i]];
  PD_CHECK(ok, ctx.op().type(), ": Out@GRAD ", DimsToString(dout.dims()), " is not X ",
           DimsToString(x_dims), " permuted by ", DimsToString(ctx.op().GetInts("axis", {})));
  ctx.Out("X@GRAD")->Resize(x_dims);
}

// dX[i_0, ..., i_r] = dOut[i_perm[0], ...]: walking dX in order, dOut's stride along X's dim
// perm[j] is dOut's stride of dim j.
void TransposeGradKernel(OpContext& ctx) {
  const Tensor& dout = ctx.In("Out@GRAD");
  Tensor* dx = ctx.Out("X@GRAD");
  const int rank = dout.rank();
  const std::vector<int> perm = TransposePerm(ctx, rank);
  std::vector<int64_t> out_stride(rank, 1);
  for (int i = rank - 1; i > 0; --i) out_stride[i - 1] = out_stride[i] * dout.dim(i);
  std::vector<int64_t> stride_of_x_dim(rank);
  for (int j = 0; j < rank; ++j) stride_of_x_dim[perm[j]] = out_stride[j];
  StridedView v;
  for (int d = 0; d < rank; ++d) {
    v.size.push_back(dx->dim(d));
    v.stride.push_back(stride_of_x_dim[d]);
  }
  void* dst = dx->mutable_data_for_overwrite(dout.dtype());  // StridedCopy writes every value
  if (dout.numel() > 0) StridedCopy(v, dout.raw_data(), 0, dst, SizeOf(dout.dtype()));
}

// ---------------------------------------------------------------------------------------------
// concat_grad

int AxisOf(const OpContext& ctx, int rank) {
  const int64_t axis = ctx.HasInput("AxisTensor")
                           ? static_cast<int64_t>(ScalarInput(ctx, "AxisTensor"))
                           : ctx.op().GetInt("axis", 0);
  const int64_t a = axis < 0 ? axis + rank : axis;
  PD_CHECK(a >= 0 && a < rank, ctx.op().type(), ": axis ", axis, " is out of range for rank ",
           rank);
  return static_cast<int>(a);
}

void ConcatGradMaker(GradOpBuilder& g) {
  std::vector<std::string> dx = g.InputGrad("X");
  for (std::string& n : dx)
    if (n.empty()) n = kEmptyVarName;  // keeps the list aligned with X, as Paddle does
  g.Add("concat_grad")
      .In("X", g.Input("X"))
      .In("AxisTensor", g.Input("AxisTensor"))
      .In("Out@GRAD", g.OutputGrad("Out"))
      .Out("X@GRAD", dx);
}

bool WantsGrad(const OpContext& ctx, size_t i) {
  const auto& names = ctx.op().Outputs("X@GRAD");
  return i < names.size() && !names[i].empty() && names[i] != kEmptyVarName;
}

void ConcatGradInferShape(OpContext& ctx) {
  const auto& xs = ctx.Ins("X");
  const auto& names = ctx.op().Outputs("X@GRAD");
  PD_CHECK(names.size() == xs.size(), "concat_grad: X@GRAD names ", names.size(),
           " variables for ", xs.size(), " inputs X");
  for (size_t i = 0; i < xs.size(); ++i) {
    if (!WantsGrad(ctx, i)) continue;
    ctx.Out("X@GRAD", i)->Resize(xs[i]->dims());
    ctx.Out("X@GRAD", i)->set_lod(xs[i]->lod());
  }
}

void ConcatGradKernel(OpContext& ctx) {
  const auto& xs = ctx.Ins("X");
  const Tensor& dout = InputWithData(ctx, "Out@GRAD");
  // Channels-last only when cut along the channels (ConcatGradLayouts): the last stored axis.
  const bool channels_last = StoredChannelsLast(dout);
  const Dims dims = StoredDims(dout);
  const int rank = dout.rank();
  const int axis = channels_last ? 3 : AxisOf(ctx, rank);
  const size_t elem = SizeOf(dout.dtype());
  const int64_t outer = DimProduct(dims, 0, axis);
  const size_t out_block = static_cast<size_t>(DimProduct(dims, axis, rank)) * elem;
  const auto* src = static_cast<const unsigned char*>(dout.raw_data());
  size_t offset = 0;
  for (size_t i = 0; i < xs.size(); ++i) {
    // X is read for its shape alone: its dims as dOut's layout would store them.
    const Dims& d = xs[i]->dims();
    const Dims x = channels_last ? Dims{d[0], d[2], d[3], d[1]} : d;
    const size_t block = static_cast<size_t>(DimProduct(x, axis, rank)) * elem;
    if (WantsGrad(ctx, i)) {
      Tensor* dx = ctx.Out("X@GRAD", i);
      dx->set_layout(dout.layout());
      auto* dst = static_cast<unsigned char*>(dx->mutable_data_for_overwrite(dout.dtype()));
      if (block > 0)
        ParallelFor(outer, ctx.config().num_threads, MinRowsPerThread(block),
                    [&](int64_t begin, int64_t end) {
                      for (int64_t o = begin; o < end; ++o)
                        std::memcpy(dst + o * block, src + o * out_block + offset, block);
                    });
    }
    offset += block;
  }
  PD_CHECK(offset == out_block, "concat_grad: the inputs X do not add up to Out@GRAD ",
           DimsToString(dout.dims()), " along axis ", axis);
}

// Cut along the channels of a 4-D gradient at a fixed axis, concat_grad reads it channels-last
// (what split and shuffle_channel_grad leave in a training step).
LayoutCheck ConcatGradLayouts(const OpView& op) {
  if (!CutsChannelAxis(op)) return nullptr;
  return [](const OpContext& ctx) { return StoredChannelsLast(ctx.In("Out@GRAD")); };
}

// ---------------------------------------------------------------------------------------------
// split: concat of the pieces' gradients, the missing ones filled with zeros first.

void AddAttr(proto::OpDesc* op, const std::string& name, float f) {
  auto* a = op->add_attrs();
  a->set_name(name);
  a->set_type(proto::FLOAT);
  a->set_f(f);
}

void AddIntAttr(proto::OpDesc* op, const std::string& name, int32_t v) {
  auto* a = op->add_attrs();
  a->set_name(name);
  a->set_type(proto::INT);
  a->set_i(v);
}

void SplitGradMaker(GradOpBuilder& g) {
  const std::vector<std::string> outs = g.Output("Out");
  std::vector<std::string> douts = g.OutputGrad("Out");
  for (size_t i = 0; i < outs.size(); ++i) {
    if (!douts[i].empty()) continue;
    douts[i] = GradVarName(outs[i]);
    g.Add("fill_any_like").In("X", {outs[i]}).Out("Out", {douts[i]});
    // fill_any_like carries its own attributes, not split's.
    proto::OpDesc& fill = g.ops().back();
    fill.clear_attrs();
    AddAttr(&fill, "value", 0.0f);
    AddIntAttr(&fill, "dtype", -1);
  }
  g.Add("concat")
      .In("X", douts)
      .In("AxisTensor", g.Input("AxisTensor"))
      .Out("Out", g.InputGrad("X"));
}

// fill_any_like: Out has X's dims, every element value; dtype -1 keeps X's element type.
void FillAnyLikeInferShape(OpContext& ctx) {
  ctx.Out("Out")->Resize(ctx.In("X").dims());
  ShareLoD(ctx, "X", "Out");
}

void FillAnyLikeKernel(OpContext& ctx) {
  const Tensor& x = ctx.In("X");
  const int64_t want = ctx.op().GetInt("dtype", -1);
  DType t = want < 0 ? x.dtype() : static_cast<DType>(want);
  if (t == DType::kUndefined) t = DType::kFP32;
  const float value = ctx.op().GetFloat("value", 0.0f);
  Tensor* out = ctx.Out("Out");
  void* dst = out->mutable_data(t);
  const int64_t n = out->numel();
  switch (t) {
    case DType::kFP32:
      for (int64_t i = 0; i < n; ++i) static_cast<float*>(dst)[i] = value;
      break;
    case DType::kFP64:
      for (int64_t i = 0; i < n; ++i) static_cast<double*>(dst)[i] = value;
      break;
    case DType::kInt32:
      for (int64_t i = 0; i < n; ++i) static_cast<int32_t*>(dst)[i] = static_cast<int32_t>(value);
      break;
    case DType::kInt64:
      for (int64_t i = 0; i < n; ++i) static_cast<int64_t*>(dst)[i] = static_cast<int64_t>(value);
      break;
    default:
      PD_CHECK(value == 0.0f, "fill_any_like: value ", value, " for element type ",
               DTypeName(t), " is not supported");
      std::memset(dst, 0, static_cast<size_t>(n) * SizeOf(t));
  }
}

// ---------------------------------------------------------------------------------------------
// shuffle_channel_grad

void ShuffleChannelGradMaker(GradOpBuilder& g) {
  g.Add("shuffle_channel_grad")
      .In("Out@GRAD", g.OutputGrad("Out"))
      .Out("X@GRAD", g.InputGrad("X"));
}

void ShuffleChannelGradInferShape(OpContext& ctx) {
  CheckNotInPlace(ctx, "X@GRAD", {"Out@GRAD"});
  const Tensor& dout = InputOfType(ctx, "Out@GRAD", DType::kFP32);
  const int64_t g = ctx.op().GetInt("group", 1);
  PD_CHECK(dout.rank() == 4 && g >= 1 && dout.dim(1) % g == 0, "shuffle_channel_grad: group ",
           g, " does not divide the channels of Out@GRAD ", DimsToString(dout.dims()));
  ctx.Out("X@GRAD")->Resize(dout.dims());
  ShareLoD(ctx, "Out@GRAD", "X@GRAD");
}

// Forward: out channel j * g + i = in channel i * per + j; so dX channel i * per + j is dOut
// channel j * g + i: a shuffle with per groups.
void ShuffleChannelGradKernel(OpContext& ctx) {
  const Tensor& dout = ctx.In("Out@GRAD");
  const int64_t g = ctx.op().GetInt("group", 1);
  ShuffleChannels(dout, dout.dim(1) / g, ctx.config().num_threads, ctx.Out("X@GRAD"));
}

}  // namespace

void RegisterShapeGradKernels(OpRegistry& r) {
  for (const char* type : {"reshape2", "flatten2", "flatten_contiguous_range"}) {
    r.SetGradMaker(type, XShapeGradMaker);
    const std::string grad = std::string(type) + "_grad";
    r.Add(grad, ReshapeGradInferShape, "");
    r.AddKernel(grad, DeviceType::kCPU, DType::kUndefined, ReshapeGradKernel);
  }
  r.SetGradMaker("transpose2", XShapeGradMaker);
  r.Add("transpose2_grad", TransposeGradInferShape, "");
  r.AddKernel("transpose2_grad", DeviceType::kCPU, DType::kUndefined, TransposeGradKernel);

  r.SetGradMaker("concat", ConcatGradMaker);
  r.Add("concat_grad", ConcatGradInferShape, "");
  r.AddKernel("concat_grad", DeviceType::kCPU, DType::kUndefined, ConcatGradKernel);
  // X only for its shapes, as Paddle's no-need-buffer rule for concat_grad says.
  r.SetShapeOnlyInputs("concat_grad", {"X"});
  r.SetLayoutRule("concat_grad", DeviceType::kCPU, ConcatGradLayouts);

  r.SetGradMaker("split", SplitGradMaker);
  r.Add("fill_any_like", FillAnyLikeInferShape, "");
  r.AddKernel("fill_any_like", DeviceType::kCPU, DType::kUndefined, FillAnyLikeKernel);

  r.SetGradMaker("shuffle_channel", ShuffleChannelGradMaker);
  r.Add("shuffle_channel_grad", ShuffleChannelGradInferShape, "Out@GRAD");
  r.AddKernel("shuffle_channel_grad", DeviceType::kCPU, DType::kFP32, ShuffleChannelGradKernel);
  r.SetLayoutRule("shuffle_channel_grad", DeviceType::kCPU, [](const OpView&) -> LayoutCheck {
    return [](const OpContext& ctx) { return StoredChannelsLast(ctx.In("Out@GRAD")); };
  });
}

}  // namespace pd
