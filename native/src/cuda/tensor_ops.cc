// Host side of concat, split, transpose(2) and shuffle_channel on the GPU: the CPU kernels'
// shape rules (kernels/tensor.cc, transpose.cc, shuffle_channel.cc) turned into launch
// parameters for tensor_ops.cu. Their tensors are plain row-major; concat, split and
// shuffle_channel also move bfloat16 activations (cuda/layout.h) as they are stored, all their
// moved inputs bfloat16 or none (MoveLayoutRule), so that a chain of bfloat16 convolutions
// through them (ShuffleNet's units) needs no widening between.
#include <algorithm>
#include <vector>

#include "cuda/host_inputs.h"
#include "cuda/launchers.h"
#include "cuda/layout.h"
#include "cuda/op_util.h"
#include "cuda/register.h"
#include "cuda/tensor_plans.h"
#include "kernels/kernel_util.h"

namespace pd::cuda {

int ElementBytes(const OpContext& ctx, DType dtype) {
  const size_t e = SizeOf(dtype);
  PD_CHECK(e == 1 || e == 2 || e == 4 || e == 8, ctx.op().type(), ": elements of ",
           DTypeName(dtype), " are not supported on the GPU");
  return static_cast<int>(e);
}

int MovedElementBytes(const OpContext& ctx, const Tensor& from) {
  return IsGpuBf16(from) ? 2 : ElementBytes(ctx, from.dtype());
}

void* MovedInto(Tensor* out, const Tensor& from) {
  if (IsGpuBf16(from)) return OutputIn(out, kGpuBf16);
  void* p = out->mutable_data_for_overwrite(from.dtype());
  out->set_layout(0);  // not a bfloat16 one of an earlier run
  return p;
}

int ConcatAxis(OpContext& ctx, int rank) {
  int64_t axis = ctx.op().GetInt("axis", 0);
  if (ctx.HasInput("AxisTensor")) {
    HostInputs host(ctx, {"AxisTensor"});
    axis = static_cast<int64_t>(ScalarInput(ctx, "AxisTensor"));
  }
  const int64_t a = axis < 0 ? axis + rank : axis;
  PD_CHECK(a >= 0 && a < rank, ctx.op().type(), ": axis ", axis, " is out of range for rank ",
           rank);
  return static_cast<int>(a);
}

TransposeShape PermutedShape(const OpContext& ctx, const Dims& in, const std::vector<int64_t>& perm) {
  const int rank = static_cast<int>(in.size());
  std::vector<int64_t> in_stride(rank, 1);
  for (int i = rank - 1; i > 0; --i) in_stride[i - 1] = in_stride[i] * in[i];
  std::vector<int64_t> size, stride;
  int prev = -2;
  for (int i = 0; i < rank; ++i) {
    const int p = static_cast<int>(perm[i] < 0 ? perm[i] + rank : perm[i]);
    PD_CHECK(p >= 0 && p < rank, ctx.op().type(), ": axis ", DimsToString(perm),
             " is not a permutation of ", rank, " dims");
    if (in[p] == 1) continue;
    if (p == prev + 1 && !size.empty()) {
      size.back() *= in[p];
      stride.back() = in_stride[p];
    } else {
      size.push_back(in[p]);
      stride.push_back(in_stride[p]);
    }
    prev = p;
  }
  PD_CHECK(size.size() <= static_cast<size_t>(kMaxTransposeDims), ctx.op().type(),
           ": transposing ", DimsToString(in), " needs more than ", kMaxTransposeDims, " dims");
  TransposeShape shape;
  shape.rank = static_cast<int>(size.size());
  std::copy(size.begin(), size.end(), shape.out_size);
  std::copy(stride.begin(), stride.end(), shape.in_stride);
  return shape;
}

namespace {


// concat (gather) or split: the whole tensor's rows of `row` elements hold one block of each
// piece after another; launched kMaxPieces pieces at a time.
void MovePieces(OpContext& ctx, bool gather, const std::vector<const Tensor*>& pieces,
                const std::vector<void*>& ptrs, void* whole, const Dims& whole_dims, int axis,
                int elem) {
  const int rank = static_cast<int>(whole_dims.size());
  const int64_t outer = DimProduct(whole_dims, 0, axis);
  const int64_t row = DimProduct(whole_dims, axis, rank);
  Pieces batch{};  // zeros past count: nothing stale in the launch's arguments
  int64_t offset = 0;
  for (size_t k = 0; k < pieces.size(); ++k) {
    batch.ptr[batch.count] = ptrs[k];
    batch.block[batch.count] = DimProduct(pieces[k]->dims(), axis, rank);
    batch.offset[batch.count] = offset;
    offset += batch.block[batch.count];
    if (++batch.count == kMaxPieces || k + 1 == pieces.size()) {
      LaunchConcatSplit(gather, batch, whole, outer, row, elem, Ctx(ctx).cuda_stream());
      batch.count = 0;
    }
  }
}

void ConcatKernel(OpContext& ctx) {
  Ctx(ctx);
  const auto& xs = ctx.Ins("X");
  Tensor* out = ctx.Out("Out");
  const int axis = ConcatAxis(ctx, out->rank());
  const int elem = MovedElementBytes(ctx, *xs[0]);
  std::vector<void*> ptrs;
  for (const Tensor* x : xs) ptrs.push_back(const_cast<void*>(x->raw_data()));
  void* dst = MovedInto(out, *xs[0]);
  if (out->numel() == 0) return;
  MovePieces(ctx, true, xs, ptrs, dst, out->dims(), axis, elem);
  CheckLaunch(ctx);
}

void SplitKernel(OpContext& ctx) {
  Ctx(ctx);
  const Tensor& x = ctx.In("X");
  const int axis = ConcatAxis(ctx, x.rank());
  const int elem = MovedElementBytes(ctx, x);
  std::vector<const Tensor*> pieces;
  std::vector<void*> ptrs;
  for (Tensor* out : ctx.Outs("Out")) {
    pieces.push_back(out);
    ptrs.push_back(MovedInto(out, x));
  }
  if (x.numel() == 0) return;
  MovePieces(ctx, false, pieces, ptrs, const_cast<void*>(x.raw_data()), x.dims(), axis, elem);
  CheckLaunch(ctx);
}

TransposeShape TransposeFor(const OpContext& ctx, const Tensor& x) {
  const auto axis = ctx.op().GetInts("axis", {});
  PD_CHECK(static_cast<int>(axis.size()) == x.rank(), ctx.op().type(), ": axis has ",
           axis.size(), " entries but X has rank ", x.rank());
  return PermutedShape(ctx, x.dims(), std::vector<int64_t>(axis.begin(), axis.end()));
}

void TransposeKernel(OpContext& ctx) {
  CudaContext& c = Ctx(ctx);
  const Tensor& x = ctx.In("X");
  Tensor* out = ctx.Out("Out");
  const TransposeShape shape = TransposeFor(ctx, x);
  const int elem = ElementBytes(ctx, x.dtype());
  void* dst = out->mutable_data_for_overwrite(x.dtype());
  LaunchTranspose(shape, x.raw_data(), dst, x.numel(), elem, c.cuda_stream());
  CheckLaunch(ctx);
}

void ShuffleChannelKernel(OpContext& ctx) {
  CudaContext& c = Ctx(ctx);
  const Tensor& x = ctx.In("X");
  PD_CHECK(x.rank() == 4, "shuffle_channel: X must be 4-D, got ", DimsToString(x.dims()));
  const int64_t g = ctx.op().GetInt("group", 1);
  PD_CHECK(g >= 1 && x.dim(1) % g == 0, "shuffle_channel: group ", g, " does not divide the ",
           x.dim(1), " channels");
  void* out = MovedInto(ctx.Out("Out"), x);
  LaunchShuffleChannel(x.raw_data(), out, MovedElementBytes(ctx, x), x.dim(0), g, x.dim(1) / g,
                       x.dim(2) * x.dim(3), c.cuda_stream());
  CheckLaunch(ctx);
}

}  // namespace

void RegisterTensorKernels(OpRegistry& r) {
  // The shape inference of both reads AxisTensor's value on the host.
  ReadOnHostForInferShape(r, "concat", {"AxisTensor"});
  ReadOnHostForInferShape(r, "split", {"AxisTensor"});
  for (DType t : {DType::kFP32, DType::kInt64, DType::kInt32})
    r.AddKernel("concat", DeviceType::kGPU, t, ConcatKernel);
  r.AddKernel("split", DeviceType::kGPU, DType::kUndefined, SplitKernel);
  for (const char* type : {"transpose", "transpose2"})
    r.AddKernel(type, DeviceType::kGPU, DType::kUndefined, TransposeKernel);
  r.AddKernel("shuffle_channel", DeviceType::kGPU, DType::kFP32, ShuffleChannelKernel);
  for (const char* type : {"concat", "split", "shuffle_channel"})
    r.SetLayoutRule(type, DeviceType::kGPU, MoveLayoutRule());
}

}  // namespace pd::cuda
