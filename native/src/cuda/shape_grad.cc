// The shape ops' grads on the GPU, as kernels/shape_grad.cc computes them (its shape inference
// sets every output's dims): the reshape family's grads copy Out@GRAD, transpose2_grad moves it
// back by the inverse permutation, concat_grad cuts it along the axis into the X@GRAD that are
// wanted, shuffle_channel_grad shuffles back, and fill_any_like fills. Bytes move, so any
// element type goes where the CPU takes any; concat_grad and shuffle_channel_grad move a
// bfloat16 Out@GRAD (cuda/layout.h) as it is stored too.
#include <string>
#include <vector>

#include "cuda/launchers.h"
#include "cuda/layout.h"
#include "cuda/op_util.h"
#include "cuda/register.h"
#include "cuda/shape_grad_launch.h"
#include "cuda/tensor_plans.h"
#include "kernels/kernel_util.h"

namespace pd::cuda {
namespace {

// Every kernel here writes its outputs in full (copies, permutations, fills), so they take
// them without the zero fill (mutable_data_for_overwrite).

// The placeholder name concat's grad maker gives an input without a gradient.
const char kEmptyVarName[] = "@EMPTY@";

// A copy, not a view: the gradient may later be summed into or written.
void ReshapeGradKernel(OpContext& ctx) {
  CudaContext& cu = Ctx(ctx);
  const Tensor& dout = ctx.In("Out@GRAD");
  // Read before X@GRAD is taken: named as Out@GRAD and shared, it gets a buffer of its own.
  const void* src = dout.raw_data();
  const size_t bytes = dout.nbytes();
  void* dst = ctx.Out("X@GRAD")->mutable_data_for_overwrite(dout.dtype());
  if (dst != src && bytes > 0)
    PD_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice, cu.cuda_stream()));
}

// transpose2's grad is dOut transposed by the inverse permutation: dX dim d is dOut dim j
// where axis[j] = d.
TransposeShape InverseTranspose(const OpContext& ctx, const Tensor& dout) {
  const int rank = dout.rank();
  const auto axis = ctx.op().GetInts("axis", {});
  PD_CHECK(static_cast<int>(axis.size()) == rank, ctx.op().type(), ": axis has ", axis.size(),
           " entries but X has rank ", rank);
  std::vector<int64_t> inverse(rank, -1);
  for (int j = 0; j < rank; ++j) {
    const int64_t d = axis[j] < 0 ? axis[j] + rank : axis[j];
    PD_CHECK(d >= 0 && d < rank && inverse[d] < 0, ctx.op().type(), ": axis ",
             DimsToString(axis), " is not a permutation of ", rank, " dims");
    inverse[d] = j;
  }
  return PermutedShape(ctx, dout.dims(), inverse);
}

void TransposeGradKernel(OpContext& ctx) {
  CudaContext& cu = Ctx(ctx);
  const Tensor& dout = ctx.In("Out@GRAD");
  const TransposeShape shape = InverseTranspose(ctx, dout);
  const int elem = ElementBytes(ctx, dout.dtype());
  void* dst = ctx.Out("X@GRAD")->mutable_data_for_overwrite(dout.dtype());
  if (dout.numel() == 0) return;
  LaunchTranspose(shape, dout.raw_data(), dst, dout.numel(), elem, cu.cuda_stream());
  CheckLaunch(ctx);
}


bool WantsGrad(const OpContext& ctx, size_t i) {
  const auto& names = ctx.op().Outputs("X@GRAD");
  return i < names.size() && !names[i].empty() && names[i] != kEmptyVarName;
}

// Out@GRAD's rows of `row` elements hold each X's block in turn; the wanted ones are split off,
// kMaxPieces per launch, the others only advance the offset.
void ConcatGradKernel(OpContext& ctx) {
  CudaContext& cu = Ctx(ctx);
  const auto& xs = ctx.Ins("X");
  const Tensor& dout = InputWithData(ctx, "Out@GRAD");
  const int rank = dout.rank();
  const int axis = ConcatAxis(ctx, rank);
  const int elem = MovedElementBytes(ctx, dout);
  const int64_t outer = DimProduct(dout.dims(), 0, axis);
  const int64_t row = DimProduct(dout.dims(), axis, rank);
  int64_t total = 0;
  for (const Tensor* x : xs) total += DimProduct(x->dims(), axis, rank);
  PD_CHECK(total == row, "concat_grad: the inputs X do not add up to Out@GRAD ",
           DimsToString(dout.dims()), " along axis ", axis);
  void* whole = const_cast<void*>(dout.raw_data());
  Pieces batch{};  // zeros past count: nothing stale in the launch's arguments
  int64_t offset = 0;
  for (size_t i = 0; i < xs.size(); ++i) {
    const int64_t block = DimProduct(xs[i]->dims(), axis, rank);
    if (WantsGrad(ctx, i)) {
      batch.ptr[batch.count] = MovedInto(ctx.Out("X@GRAD", i), dout);
      batch.block[batch.count] = block;
      batch.offset[batch.count] = offset;
      if (++batch.count == kMaxPieces) {
        LaunchConcatSplit(false, batch, whole, outer, row, elem, cu.cuda_stream());
        batch.count = 0;
      }
    }
    offset += block;
  }
  if (batch.count > 0) LaunchConcatSplit(false, batch, whole, outer, row, elem, cu.cuda_stream());
  CheckLaunch(ctx);
}

// The forward puts in channel i * per + j at out channel j * group + i; shuffling with per
// groups of group channels puts it back.
void ShuffleChannelGradKernel(OpContext& ctx) {
  CudaContext& cu = Ctx(ctx);
  const Tensor& dout = ctx.In("Out@GRAD");
  const int64_t g = ctx.op().GetInt("group", 1), per = dout.dim(1) / g;
  void* dx = MovedInto(ctx.Out("X@GRAD"), dout);
  if (dout.numel() == 0) return;
  LaunchShuffleChannel(dout.raw_data(), dx, MovedElementBytes(ctx, dout), dout.dim(0), per, g,
                       dout.dim(2) * dout.dim(3), cu.cuda_stream());
  CheckLaunch(ctx);
}

// dtype -1 keeps X's element type; types without a fill kernel can only take 0, as on the CPU.
void FillAnyLikeKernel(OpContext& ctx) {
  CudaContext& cu = Ctx(ctx);
  const Tensor& x = ctx.In("X");
  const int64_t want = ctx.op().GetInt("dtype", -1);
  DType t = want < 0 ? x.dtype() : static_cast<DType>(want);
  if (t == DType::kUndefined) t = DType::kFP32;
  const float value = ctx.op().GetFloat("value", 0.0f);
  Tensor* out = ctx.Out("Out");
  void* dst = out->mutable_data_for_overwrite(t);
  const int64_t n = out->numel();
  switch (t) {
    case DType::kFP32:
      LaunchFill(FillType::kFP32, dst, n, value, cu.cuda_stream());
      break;
    case DType::kFP64:
      LaunchFill(FillType::kFP64, dst, n, value, cu.cuda_stream());
      break;
    case DType::kInt32:
      LaunchFill(FillType::kInt32, dst, n, value, cu.cuda_stream());
      break;
    case DType::kInt64:
      LaunchFill(FillType::kInt64, dst, n, value, cu.cuda_stream());
      break;
    default:
      PD_CHECK(value == 0.0f, "fill_any_like: value ", value, " for element type ",
               DTypeName(t), " is not supported");
      if (n > 0)
        PD_CUDA_CHECK(cudaMemsetAsync(dst, 0, static_cast<size_t>(n) * SizeOf(t),
                                      cu.cuda_stream()));
      return;
  }
  CheckLaunch(ctx);
}

}  // namespace

void RegisterShapeGradKernels(OpRegistry& r) {
  for (const char* grad : {"reshape2_grad", "flatten2_grad", "flatten_contiguous_range_grad"})
    r.AddKernel(grad, DeviceType::kGPU, DType::kUndefined, ReshapeGradKernel);
  r.AddKernel("transpose2_grad", DeviceType::kGPU, DType::kUndefined, TransposeGradKernel);
  r.AddKernel("concat_grad", DeviceType::kGPU, DType::kUndefined, ConcatGradKernel);
  r.AddKernel("fill_any_like", DeviceType::kGPU, DType::kUndefined, FillAnyLikeKernel);
  r.AddKernel("shuffle_channel_grad", DeviceType::kGPU, DType::kFP32, ShuffleChannelGradKernel);
  for (const char* type : {"concat_grad", "shuffle_channel_grad"})
    r.SetLayoutRule(type, DeviceType::kGPU, MoveLayoutRule());
}

}  // namespace pd::cuda
