#include "cuda/layout.h"

#include <algorithm>
#include <cstdlib>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "cuda/op_util.h"
#include "kernels/window.h"

namespace pd::cuda {

bool ChannelsLastWanted() {
  static const bool on = [] {
    const char* v = std::getenv("GOHUB_CUDA_CHANNELS_LAST");
    return v != nullptr && *v != '\0' && std::string(v) != "0";
  }();
  return on;
}

bool Bf16ActivationsOn(const DeviceContext& ctx) { return ctx.config().gpu_bf16_activations; }

FloatData StoredFloats(const Tensor& t) {
  return {IsGpuBf16(t) ? t.raw_data() : static_cast<const void*>(t.data<float>()), IsGpuBf16(t)};
}

ImageGeometry GeometryOf(const Tensor& t) {
  PD_CHECK(t.rank() == 4, "a channels-last GPU tensor must be 4-D, got ", DimsToString(t.dims()));
  return {t.dim(0), t.dim(1), t.dim(2), t.dim(3), IsGpuChannelsLast(t)};
}

void* OutputIn(Tensor* t, int layout) {
  void* p = t->mutable_data_for_overwrite((layout & kGpuBf16) ? DType::kBF16 : DType::kFP32);
  t->set_dtype(DType::kFP32);
  t->set_layout(layout);
  return p;
}

namespace {

// src's values widened to float32 in dst (src's order; dims, place and the channels-last bit
// carried over).
void Widen(const Tensor& src, Tensor* dst, cudaStream_t stream) {
  dst->set_place(src.place());
  dst->Resize(src.dims());
  float* p = dst->mutable_data_for_overwrite<float>();  // every cell is written
  LaunchFromBf16(static_cast<const uint16_t*>(src.raw_data()), p, src.numel(), stream);
  dst->set_layout(src.layout() & ~kGpuBf16);
}

}  // namespace

const float* InLayout(const Tensor& src, bool channels_last, Tensor* scratch,
                      cudaStream_t stream) {
  Tensor wide;  // a bfloat16 src that must change order too: for this call alone
  const Tensor* from_t = &src;
  if (IsGpuBf16(src)) {
    const bool in_order = IsGpuChannelsLast(src) == channels_last;
    Widen(src, in_order ? scratch : &wide, stream);
    if (in_order) return scratch->data<float>();
    from_t = &wide;
  } else if (IsGpuChannelsLast(src) == channels_last) {
    return src.data<float>();
  }
  const ImageGeometry from = GeometryOf(*from_t);
  ImageGeometry to = from;
  to.nhwc = channels_last;
  scratch->set_place(src.place());
  scratch->Resize(src.dims());
  float* p = scratch->mutable_data_for_overwrite<float>();  // every cell is written
  LaunchShiftImage(from_t->data<float>(), from, p, to, 0, 0, stream);
  return p;
}

std::unique_ptr<LayoutConverter> CudaDevice::NewLayoutConverter() {
  return std::make_unique<ChannelsLastConverter>();
}

void ChannelsLastConverter::ToPlain(Tensor* t, DeviceContext& ctx) {
  if (!IsGpuChannelsLast(*t) && !IsGpuBf16(*t)) {
    t->set_layout(0);
    return;
  }
  UseDevice(t->place().device);
  InLayout(*t, false, &scratch_, Ctx(ctx).cuda_stream());
  scratch_.set_layout(0);
  t->SwapData(&scratch_);  // t now holds the plain copy; scratch_ keeps the old buffer
  // While a run is recorded the old buffer may be the recording's own memory, which must not
  // outlive the recorded run: keep none.
  if (Recording()) scratch_ = Tensor();
}

bool ChannelsLastConverter::ToKernelLayout(Tensor* t, DeviceContext& ctx) {
  if (!ChannelsLastWanted() || t->layout() != 0 || t->rank() != 4 ||
      t->dtype() != DType::kFP32 || !t->initialized() || t->place().is_cpu())
    return false;
  UseDevice(t->place().device);
  InLayout(*t, true, &scratch_, Ctx(ctx).cuda_stream());
  scratch_.set_layout(kGpuChannelsLast);
  t->SwapData(&scratch_);
  return true;
}

namespace {

bool Always(const OpContext&) { return true; }

// The input slots a kernel reads in bfloat16 too.
using Bf16Slots = std::initializer_list<std::string_view>;

// Whether an input of a slot not in readable is stored in bfloat16.
bool Bf16Besides(const OpContext& ctx, Bf16Slots readable) {
  for (const auto& [slot, names] : ctx.op().AllInputs()) {
    if (!ctx.HasInput(slot) ||
        std::find(readable.begin(), readable.end(), slot) != readable.end())
      continue;
    for (const Tensor* t : ctx.Ins(slot))
      if (t != nullptr && IsGpuBf16(*t)) return true;
  }
  return false;
}

bool AnyBf16(const OpContext& ctx) { return Bf16Besides(ctx, {}); }

// Every 4-D float input in one order (plain or channels-last), with the same dims when that is
// not plain, and none in bfloat16 but those of the readable slots. The other inputs,
// per-channel parameters and the like, are plain; one of another rank but as many values as a
// channels-last input (sum's operands need only agree in count) would be read in the wrong
// order, so it sends them all plain.
bool SameOrder(const OpContext& ctx, Bf16Slots readable) {
  if (Bf16Besides(ctx, readable)) return false;
  std::vector<const Tensor*> floats;
  const Tensor* first = nullptr;
  for (const auto& [slot, names] : ctx.op().AllInputs()) {
    if (!ctx.HasInput(slot)) continue;
    for (const Tensor* t : ctx.Ins(slot)) {
      if (t == nullptr || !t->initialized() || t->dtype() != DType::kFP32) continue;
      floats.push_back(t);
      if (t->rank() != 4) continue;
      if (first == nullptr) {
        first = t;
      } else if (IsGpuChannelsLast(*t) != IsGpuChannelsLast(*first) ||
                 (IsGpuChannelsLast(*t) && t->dims() != first->dims())) {
        return false;
      }
    }
  }
  if (first == nullptr || !IsGpuChannelsLast(*first)) return true;
  for (const Tensor* t : floats)
    if (t->rank() != 4 && t->numel() == first->numel()) return false;
  return true;
}

bool SameLayout(const OpContext& ctx) { return SameOrder(ctx, {}); }

// batch_norm_grad: SameLayout, and plain inputs alone for data_layout NHWC, whose dims are
// already NHWC (the forward brings a channels-last X back to plain there too).
// X and Y@GRAD may be bfloat16 (a bfloat16 convolution's output, which the forward read so
// too, and its gradient).
bool NormGradLayouts(const OpContext& ctx) {
  if (IsChannelsLast(ctx, "data_layout")) {
    for (const char* slot : {"X", "Y@GRAD"})
      if (IsGpuChannelsLast(ctx.In(slot))) return false;
  }
  return SameOrder(ctx, {"X", "Y@GRAD"});
}

// X and Y both plain, or in one layout with the same dims (the broadcasting paths are plain).
bool ElementwiseLayouts(const OpContext& ctx) {
  if (AnyBf16(ctx)) return false;
  const Tensor& x = ctx.In("X");
  const Tensor& y = ctx.In("Y");
  if (x.layout() == 0 && y.layout() == 0) return true;
  return x.layout() == y.layout() && x.dims() == y.dims();
}

// ElementwiseLayouts, or bfloat16 operands of the same dims and order, neither one Out (its
// float32 results would overwrite bfloat16 values not read yet).
bool AddLayouts(const OpContext& ctx) {
  const Tensor& x = ctx.In("X");
  const Tensor& y = ctx.In("Y");
  if (!IsGpuBf16(x) && !IsGpuBf16(y)) return ElementwiseLayouts(ctx);
  const Tensor* out = ctx.Out("Out");
  return x.dims() == y.dims() && IsGpuChannelsLast(x) == IsGpuChannelsLast(y) && out != &x &&
         out != &y;
}

// Spatially 1x1: plain and channels-last are the same bytes.
bool OneByOne(const Tensor& t) { return t.rank() == 4 && t.dim(2) == 1 && t.dim(3) == 1; }

// pool2d_grad with data_format NHWC takes plain-ordered inputs alone (its dims are already
// NHWC). X, Out and Out@GRAD may be bfloat16 (the forward read and wrote them so).
bool PoolGradLayouts(const OpContext& ctx) {
  const bool last = IsGpuChannelsLast(ctx.In("X"));
  if (IsChannelsLast(ctx, "data_format")) {
    if (last) return false;
    for (const char* slot : {"Out", "Out@GRAD"})
      if (IsGpuChannelsLast(ctx.In(slot))) return false;
    return true;
  }
  for (const char* slot : {"Out", "Out@GRAD"}) {
    const Tensor& t = ctx.In(slot);
    if (IsGpuChannelsLast(t) != last && !OneByOne(t)) return false;
  }
  return true;
}

// X and Y are shape-only (their data is never read): a bfloat16 one is no matter. A bfloat16
// Out@GRAD is viewed by elementwise_add_grad's operands of its dims; any other reads it as
// float32.
bool AddGradLayouts(const OpContext& ctx) {
  const Tensor& dout = ctx.In("Out@GRAD");
  if (IsGpuBf16(dout) && ctx.op().type() != "elementwise_add_grad") return false;
  if (dout.layout() == 0) return true;
  for (const char* slot : {"X", "Y"})
    if (ctx.In(slot).dims() != dout.dims()) return false;
  return true;
}

// sum: SameLayout; or, with a bfloat16 operand, two operands of one order and dims, Out (when
// it is one of them, accumulating in place) stored as the sum is (bfloat16 where both are).
bool SumLayouts(const OpContext& ctx) {
  if (!AnyBf16(ctx)) return SameLayout(ctx);
  const auto& xs = ctx.Ins("X");
  if (xs.size() != 2 || xs[0]->dims() != xs[1]->dims() ||
      IsGpuChannelsLast(*xs[0]) != IsGpuChannelsLast(*xs[1]))
    return false;
  const bool out_bf16 = IsGpuBf16(*xs[0]) && IsGpuBf16(*xs[1]);
  const Tensor* out = ctx.Out("Out");
  for (const Tensor* x : xs)
    if (out == x && IsGpuBf16(*x) != out_bf16) return false;
  return true;
}

bool ActGradLayouts(const OpContext& ctx) { return SameOrder(ctx, {"Out", "Out@GRAD"}); }

// The other inputs are an axis, sections (integers) or, for concat_grad, X, whose dims alone
// it reads.
bool MoveLayouts(const OpContext& ctx) {
  const std::string& type = ctx.op().type();
  const char* slot = type == "concat_grad" || type == "shuffle_channel_grad" ? "Out@GRAD" : "X";
  int bf16 = -1;  // not known yet
  for (const Tensor* t : ctx.Ins(slot)) {
    if (t == nullptr || !t->initialized()) continue;
    if (IsGpuChannelsLast(*t)) return false;
    if (bf16 < 0) bf16 = IsGpuBf16(*t);
    if (bf16 != int{IsGpuBf16(*t)}) return false;
  }
  return true;
}

// The rules of the checks that hold whether or not channels-last is wanted (bfloat16
// activations come without it too), and of those that only channels-last needs.
template <LayoutCheck kCheck>
LayoutCheck On(const OpView&) {
  return kCheck;
}
template <LayoutCheck kCheck>
LayoutCheck IfWanted(const OpView&) {
  return ChannelsLastWanted() ? kCheck : nullptr;
}

}  // namespace

LayoutRule AnyLayoutRule() { return On<Always>; }
LayoutRule SameLayoutRuleIfWanted() { return IfWanted<SameLayout>; }
LayoutRule ActGradRule() { return On<ActGradLayouts>; }
LayoutRule SumRule() { return On<SumLayouts>; }
LayoutRule AddRule() { return On<AddLayouts>; }
LayoutRule NormGradRule() { return On<NormGradLayouts>; }
LayoutRule ElementwiseRuleIfWanted() { return IfWanted<ElementwiseLayouts>; }
LayoutRule PoolGradRule() { return On<PoolGradLayouts>; }
LayoutRule AddGradRule() { return On<AddGradLayouts>; }
LayoutRule MoveLayoutRule() { return On<MoveLayouts>; }

}  // namespace pd::cuda
