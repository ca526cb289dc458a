// fused_concat_shuffle_split: ShuffleNetV2's unit boundary, concat of two halves → shuffle_channel
// with 2 groups → split along channels, as one op (passes/concat_shuffle_split_fuse.cc). With
// inputs A and B of H channels each, the shuffle puts A's channel k at 2k and B's at 2k + 1; each
// output takes its section of that order straight from A and B. One pass over the data where the
// three ops made three, each writing a tensor the next read back. Plain or channels-last, as
// shuffle_channel runs (outputs in the inputs' layout). In a training program its gradient,
// fused_concat_shuffle_split_grad, moves the outputs' gradients back the same way: A's channel k
// from shuffled channel 2k, B's from 2k + 1.
#include <cstring>
#include <numeric>

#include "framework/op_registry.h"
#include "kernels/dnnl_util.h"
#include "kernels/interleave.h"
#include "kernels/kernel_util.h"
#include "kernels/parallel.h"
#include "kernels/register.h"

namespace pd {
namespace {

constexpr char kType[] = "fused_concat_shuffle_split";

// The sections attribute, read once: attribute lookups on every run miss the cache.
struct SectionsAttr : KernelState {
  bool read = false;
  Dims sections;
};

// The outputs' channel counts, checked against the inputs'.
const Dims& Sections(OpContext& ctx) {
  const auto& xs = ctx.Ins("X");
  PD_CHECK(xs.size() == 2, kType, ": X must be 2 tensors, got ", xs.size());
  const Tensor& a = InputOfType(ctx, "X", DType::kFP32);
  PD_CHECK(a.rank() == 4 && xs[1]->dims() == a.dims(), kType, ": X must be two 4-D tensors of one "
           "shape, got ", DimsToString(a.dims()), " and ", DimsToString(xs[1]->dims()));
  auto& attr = ctx.ShapeState<SectionsAttr>();
  if (!attr.read) {
    attr.sections = ctx.op().GetInts("sections", {});
    attr.read = true;
  }
  const Dims& sections = attr.sections;
  PD_CHECK(sections.size() == ctx.Outs("Out").size() &&
               std::accumulate(sections.begin(), sections.end(), int64_t{0}) == 2 * a.dim(1),
           kType, ": sections must give each output's channels, ", 2 * a.dim(1), " in all");
  return sections;
}

void InferShape(OpContext& ctx) {
  CheckNotInPlace(ctx, "Out", {"X"});
  const Dims& sections = Sections(ctx);
  const Tensor& a = ctx.In("X");
  for (size_t k = 0; k < sections.size(); ++k) {
    Dims d = a.dims();
    d[1] = sections[k];
    ctx.Out("Out", k)->Resize(std::move(d));
    ctx.Out("Out", k)->set_lod(a.lod());
  }
}

// Shuffled channels [s0, s0 + n) of one row: channel s is A's s / 2 when s is even, B's when odd;
// each is a block of `inner` values (1 channels-last, H·W plain).
void CopyRow(const float* a, const float* b, int64_t s0, int64_t n, int64_t inner, float* d) {
  if (inner == 1 && s0 % 2 == 0 && n % 2 == 0)  // ShuffleNet's case
    return InterleavePairs(a + s0 / 2, b + s0 / 2, n / 2, d);
  for (int64_t s = s0; s < s0 + n; ++s) {
    const float* src = (s % 2 == 0 ? a : b) + (s / 2) * inner;
    std::memcpy(d + (s - s0) * inner, src, static_cast<size_t>(inner) * sizeof(float));
  }
}

// Calls body(r, k, s0) for each of the rows r (split over the threads) and each output section
// k, s0 being the section's first shuffled channel; a row holds 2 · half_row values.
template <typename Body>
void ForEachSection(int64_t rows, int64_t half_row, const Dims& sections, int threads,
                    Body&& body) {
  ParallelFor(rows, threads, MinRowsPerThread(static_cast<size_t>(2 * half_row) * sizeof(float)),
              [&](int64_t begin, int64_t end) {
                for (int64_t r = begin; r < end; ++r) {
                  int64_t s0 = 0;
                  for (size_t k = 0; k < sections.size(); ++k) {
                    body(r, k, s0);
                    s0 += sections[k];
                  }
                }
              });
}

void Kernel(OpContext& ctx) {
  const Dims& sections = Sections(ctx);
  const Tensor& a = ctx.In("X");
  const Tensor& b = *ctx.Ins("X")[1];
  const bool channels_last = a.layout() == ChannelsLastLayout();
  PD_CHECK((channels_last || a.layout() == 0) && b.layout() == a.layout(), kType,
           ": unexpected layouts ", a.layout(), " and ", b.layout());
  // Plain: N rows of C planes of H·W values. Channels-last: N·H·W rows of C single values.
  const int64_t spatial = a.dim(2) * a.dim(3), half = a.dim(1);
  const int64_t rows = channels_last ? a.dim(0) * spatial : a.dim(0);
  const int64_t inner = channels_last ? 1 : spatial;
  std::vector<float*> outs;
  for (Tensor* o : ctx.Outs("Out")) {
    o->set_layout(a.layout());
    outs.push_back(o->mutable_data_for_overwrite<float>());  // every value is copied in
  }
  const float* pa = a.data<float>();
  const float* pb = b.data<float>();
  ForEachSection(rows, half * inner, sections, ctx.config().num_threads,
                 [&](int64_t r, size_t k, int64_t s0) {
                   CopyRow(pa + r * half * inner, pb + r * half * inner, s0, sections[k], inner,
                           outs[k] + r * sections[k] * inner);
                 });
}

// ---- the gradient: X@GRAD (dA, dB; "@EMPTY@" for one not wanted) from Out@GRAD (one per output)

constexpr char kGradType[] = "fused_concat_shuffle_split_grad";
constexpr char kEmptyVarName[] = "@EMPTY@";

bool WantsGrad(const OpContext& ctx, size_t i) {
  const auto& names = ctx.op().Outputs("X@GRAD");
  return i < names.size() && !names[i].empty() && names[i] != kEmptyVarName;
}

// The outputs' gradients, checked: 4-D, of one batch and size, in one layout.
const std::vector<const Tensor*>& OutGrads(const OpContext& ctx) {
  const auto& douts = ctx.Ins("Out@GRAD");
  const Dims sections = ctx.op().GetInts("sections", {});
  PD_CHECK(!douts.empty() && douts.size() == sections.size(), kGradType, ": Out@GRAD must be ",
           sections.size(), " tensors, got ", douts.size());
  const Tensor& first = *douts[0];
  for (size_t k = 0; k < douts.size(); ++k) {
    const Tensor& d = *douts[k];
    PD_CHECK(d.dtype() == DType::kFP32 && d.rank() == 4 && d.dim(0) == first.dim(0) &&
                 d.dim(1) == sections[k] && d.dim(2) == first.dim(2) && d.dim(3) == first.dim(3) &&
                 d.layout() == first.layout(),
             kGradType, ": Out@GRAD ", k, " ", DimsToString(d.dims()), " does not match section ",
             sections[k]);
  }
  return douts;
}

void GradInferShape(OpContext& ctx) {
  const auto& douts = OutGrads(ctx);
  const Dims sections = ctx.op().GetInts("sections", {});
  const int64_t c = std::accumulate(sections.begin(), sections.end(), int64_t{0});
  PD_CHECK(c % 2 == 0 && ctx.op().Outputs("X@GRAD").size() == 2, kGradType,
           ": X@GRAD must be two tensors of half the ", c, " channels");
  for (size_t i = 0; i < 2; ++i) {
    if (!WantsGrad(ctx, i)) continue;
    Dims d = douts[0]->dims();
    d[1] = c / 2;
    ctx.Out("X@GRAD", i)->Resize(std::move(d));
  }
}

// The inverse of CopyRow: shuffled channels [s0, s0 + n) of one row, d, back to A's and B's
// (nullptr where not wanted).
void SplitRow(const float* d, int64_t s0, int64_t n, int64_t inner, float* a, float* b) {
  if (inner == 1 && s0 % 2 == 0 && n % 2 == 0 && a != nullptr && b != nullptr)
    return DeinterleavePairs(d, n / 2, a + s0 / 2, b + s0 / 2);
  for (int64_t s = s0; s < s0 + n; ++s) {
    float* dst = s % 2 == 0 ? a : b;
    if (dst != nullptr)
      std::memcpy(dst + (s / 2) * inner, d + (s - s0) * inner,
                  static_cast<size_t>(inner) * sizeof(float));
  }
}

void GradKernel(OpContext& ctx) {
  const auto& douts = OutGrads(ctx);
  const Dims sections = ctx.op().GetInts("sections", {});
  const Tensor& first = *douts[0];
  const bool channels_last = first.layout() == ChannelsLastLayout();
  PD_CHECK(channels_last || first.layout() == 0, kGradType, ": unexpected layout ",
           first.layout());
  const int64_t spatial = first.dim(2) * first.dim(3);
  const int64_t half = std::accumulate(sections.begin(), sections.end(), int64_t{0}) / 2;
  const int64_t rows = channels_last ? first.dim(0) * spatial : first.dim(0);
  const int64_t inner = channels_last ? 1 : spatial;
  float* dx[2] = {nullptr, nullptr};
  for (size_t i = 0; i < 2; ++i) {
    if (!WantsGrad(ctx, i)) continue;
    Tensor* t = ctx.Out("X@GRAD", i);
    t->set_layout(first.layout());
    dx[i] = t->mutable_data_for_overwrite<float>();  // every value is copied in
  }
  if (dx[0] == nullptr && dx[1] == nullptr) return;
  ForEachSection(rows, half * inner, sections, ctx.config().num_threads,
                 [&](int64_t r, size_t k, int64_t s0) {
                   SplitRow(douts[k]->data<float>() + r * sections[k] * inner, s0, sections[k],
                            inner, dx[0] ? dx[0] + r * half * inner : nullptr,
                            dx[1] ? dx[1] + r * half * inner : nullptr);
                 });
}

// Every Out@GRAD channels-last: read as it is; else all made plain.
bool AllOutGradsChannelsLast(const OpContext& ctx) {
  for (const Tensor* t : ctx.Ins("Out@GRAD"))
    if (t->layout() != ChannelsLastLayout()) return false;
  return true;
}

}  // namespace

void RegisterConcatShuffleSplitKernels(OpRegistry& r) {
  r.Add(kType, InferShape, "X");
  r.AddKernel(kType, DeviceType::kCPU, DType::kFP32, Kernel);
  r.SetLayoutRule(kType, DeviceType::kCPU,
                  [](const OpView&) -> LayoutCheck { return AllChannelsLast; });
  r.Add(kGradType, GradInferShape, "Out@GRAD");
  r.AddKernel(kGradType, DeviceType::kCPU, DType::kFP32, GradKernel);
  r.SetLayoutRule(kGradType, DeviceType::kCPU,
                  [](const OpView&) -> LayoutCheck { return AllOutGradsChannelsLast; });
}

}  // namespace pd
