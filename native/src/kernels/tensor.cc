// concat and its inverse split: blocks of contiguous bytes side by side along an axis (any
// element type). Along the channels of channels-last tensors too (what the brgemm convolutions
// leave), so that ShuffleNet's blocks keep that layout.
#include <cstring>

#include "framework/op_registry.h"
#include "kernels/dnnl_util.h"
#include "kernels/kernel_util.h"
#include "kernels/parallel.h"
#include "kernels/register.h"

namespace pd {
namespace {

// A channels-last tensor is only handed to these kernels to be cut along the channels: its
// stored last axis.
int StorageAxis(const Tensor& t, int axis) { return StoredChannelsLast(t) ? 3 : axis; }

// The concat axis in [0, rank): AxisTensor when given, else the axis attribute; negative
// values count from the end.
int ConcatAxis(const OpContext& ctx, int rank) {
  const int64_t axis = ctx.HasInput("AxisTensor")
                           ? static_cast<int64_t>(ScalarInput(ctx, "AxisTensor"))
                           : ctx.op().GetInt("axis", 0);
  const int64_t a = axis < 0 ? axis + rank : axis;
  PD_CHECK(a >= 0 && a < rank, "concat: axis ", axis, " is out of range for inputs of rank ", rank);
  return static_cast<int>(a);
}

// Along axis 0, sequences are stacked, so when every input carries a LoD of the same depth the
// output's LoD is theirs appended (as Paddle does); otherwise Out shares the first input's LoD.
LoD ConcatLoD(const std::vector<const Tensor*>& xs, int axis) {
  LoD lod = xs[0]->lod();
  if (axis != 0 || lod.empty()) return lod;
  for (const Tensor* x : xs) {
    if (x->lod().size() != lod.size()) return xs[0]->lod();
  }
  for (size_t i = 1; i < xs.size(); ++i) {
    const LoD& more = xs[i]->lod();
    for (size_t level = 0; level < lod.size(); ++level) {
      // Offsets of one level count entries of the next (rows for the last): shift them past
      // what the output holds so far.
      const size_t base = lod[level].back();
      for (size_t j = 1; j < more[level].size(); ++j) {
        lod[level].push_back(base + more[level][j] - more[level][0]);
      }
    }
  }
  return lod;
}

void ConcatInferShape(OpContext& ctx) {
  CheckNotInPlace(ctx, "Out", {"X"});
  const auto& xs = ctx.Ins("X");
  PD_CHECK(!xs.empty(), "concat: X names no inputs");
  const Tensor& first = InputWithData(ctx, "X", 0);
  const int rank = first.rank();
  const int axis = ConcatAxis(ctx, rank);
  Dims out = first.dims();
  for (size_t i = 1; i < xs.size(); ++i) {
    const Tensor& x = InputWithData(ctx, "X", i);
    PD_CHECK(x.dtype() == first.dtype(), "concat: input X[", i, "] is ", DTypeName(x.dtype()),
             " but X[0] is ", DTypeName(first.dtype()));
    bool ok = x.rank() == rank;
    for (int d = 0; ok && d < rank; ++d) ok = d == axis || x.dim(d) == out[d];
    PD_CHECK(ok, "concat: input X[", i, "] has shape ", DimsToString(x.dims()), ", X[0] has ",
             DimsToString(first.dims()), "; they may differ only along axis ", axis);
    out[axis] += x.dim(axis);
  }
  Tensor* o = ctx.Out("Out");
  o->Resize(std::move(out));
  o->set_lod(ConcatLoD(xs, axis));
}

void ConcatKernel(OpContext& ctx) {
  const auto& xs = ctx.Ins("X");
  Tensor* out = ctx.Out("Out");
  out->set_layout(xs[0]->layout());  // all plain, or all channels-last (kernels/dnnl_util.h)
  const Dims dims = StoredDims(*out);
  const int rank = static_cast<int>(dims.size());
  const int axis = StorageAxis(*out, ConcatAxis(ctx, rank));
  const size_t elem = SizeOf(xs[0]->dtype());
  // Every byte is copied in below.
  auto* dst = static_cast<unsigned char*>(out->mutable_data_for_overwrite(xs[0]->dtype()));
  // Each input is `outer` blocks of contiguous bytes; block o of every input goes side by side
  // into block o of the output.
  const int64_t outer = DimProduct(dims, 0, axis);
  const size_t out_block = static_cast<size_t>(DimProduct(dims, axis, rank)) * elem;
  ParallelFor(outer, ctx.config().num_threads, MinRowsPerThread(out_block),
              [&](int64_t begin, int64_t end) {
                size_t offset = 0;
                for (const Tensor* x : xs) {
                  const size_t block =
                      static_cast<size_t>(DimProduct(StoredDims(*x), axis, rank)) * elem;
                  const auto* src = static_cast<const unsigned char*>(x->raw_data());
                  for (int64_t o = begin; o < end; ++o)
                    std::memcpy(dst + o * out_block + offset, src + o * block, block);
                  offset += block;
                }
              });
}

// split: Out[i] gets the i-th piece of X along axis; sections (one -1 allowed: the rest) or
// num equal pieces. AxisTensor overrides the axis attribute.
Dims SplitSections(const OpContext& ctx, const Tensor& x, int axis) {
  const int64_t dim = x.dim(axis);
  const size_t outs = ctx.Outs("Out").size();
  const int64_t num = ctx.op().GetInt("num", 0);
  Dims sections = ctx.op().GetInts("sections", {});
  if (num > 0) {
    PD_CHECK(dim % num == 0, "split: dim ", axis, " of X ", DimsToString(x.dims()),
             " does not divide into ", num, " equal pieces");
    sections.assign(num, dim / num);
  } else {
    int64_t known = 0;
    int infer = -1;
    for (size_t i = 0; i < sections.size(); ++i) {
      if (sections[i] == -1) {
        PD_CHECK(infer < 0, "split: sections ", DimsToString(sections), " has more than one -1");
        infer = static_cast<int>(i);
      } else {
        known += sections[i];
      }
    }
    if (infer >= 0) sections[infer] = dim - known;
    int64_t total = 0;
    for (int64_t s : sections) {
      PD_CHECK(s >= 0, "split: sections ", DimsToString(sections), " do not fit dim ", dim);
      total += s;
    }
    PD_CHECK(total == dim, "split: sections ", DimsToString(sections), " sum to ", total,
             " but dim ", axis, " of X ", DimsToString(x.dims()), " is ", dim);
  }
  PD_CHECK(sections.size() == outs, "split: ", sections.size(), " pieces but ", outs,
           " outputs");
  return sections;
}

int SplitAxis(const OpContext& ctx, int rank) {
  const int64_t axis = ctx.HasInput("AxisTensor")
                           ? static_cast<int64_t>(ScalarInput(ctx, "AxisTensor"))
                           : ctx.op().GetInt("axis", 0);
  const int64_t a = axis < 0 ? axis + rank : axis;
  PD_CHECK(a >= 0 && a < rank, "split: axis ", axis, " is out of range for X of rank ", rank);
  return static_cast<int>(a);
}

void SplitInferShape(OpContext& ctx) {
  CheckNotInPlace(ctx, "Out", {"X"});
  const Tensor& x = InputWithData(ctx, "X");
  const int axis = SplitAxis(ctx, x.rank());
  const Dims sections = SplitSections(ctx, x, axis);
  for (size_t i = 0; i < sections.size(); ++i) {
    Dims d = x.dims();
    d[axis] = sections[i];
    Tensor* o = ctx.Out("Out", i);
    o->Resize(std::move(d));
    // Paddle shares X's LoD only when the split does not cut dim 0.
    o->set_lod(axis == 0 ? LoD{} : x.lod());
  }
}

void SplitKernel(OpContext& ctx) {
  const Tensor& x = ctx.In("X");
  const Dims dims = StoredDims(x);
  const int rank = static_cast<int>(dims.size());
  const int axis = StorageAxis(x, SplitAxis(ctx, x.rank()));
  const size_t elem = SizeOf(x.dtype());
  const int64_t outer = DimProduct(dims, 0, axis);
  const size_t in_block = static_cast<size_t>(DimProduct(dims, axis, rank)) * elem;
  const auto* src = static_cast<const unsigned char*>(x.raw_data());
  std::vector<unsigned char*> dsts;
  for (Tensor* out : ctx.Outs("Out")) {
    out->set_layout(x.layout());
    // Every byte is copied in below.
    dsts.push_back(static_cast<unsigned char*>(out->mutable_data_for_overwrite(x.dtype())));
  }
  const auto& outs = ctx.Outs("Out");
  ParallelFor(outer, ctx.config().num_threads, MinRowsPerThread(in_block),
              [&](int64_t begin, int64_t end) {
                size_t offset = 0;
                for (size_t k = 0; k < outs.size(); ++k) {
                  const size_t block =
                      static_cast<size_t>(DimProduct(StoredDims(*outs[k]), axis, rank)) * elem;
                  for (int64_t o = begin; o < end; ++o)
                    std::memcpy(dsts[k] + o * block, src + o * in_block + offset, block);
                  offset += block;
                }
              });
}

// Along the channels of 4-D tensors with a fixed axis, concat and split read channels-last inputs
// (checked per run: all of them must be).
LayoutCheck ChannelAxisLayoutRule(const OpView& op) {
  return CutsChannelAxis(op) ? AllChannelsLast : nullptr;
}

}  // namespace

void RegisterTensorKernels(OpRegistry& r) {
  r.Add("concat", ConcatInferShape, "X");
  r.AddKernel("concat", DeviceType::kCPU, DType::kFP32, ConcatKernel);
  r.AddKernel("concat", DeviceType::kCPU, DType::kInt64, ConcatKernel);
  r.AddKernel("concat", DeviceType::kCPU, DType::kInt32, ConcatKernel);
  r.Add("split", SplitInferShape, "");
  r.AddKernel("split", DeviceType::kCPU, DType::kUndefined, SplitKernel);
  for (const char* type : {"concat", "split"})
    r.SetLayoutRule(type, DeviceType::kCPU, ChannelAxisLayoutRule);
}

}  // namespace pd
