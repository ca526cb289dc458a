#include "cuda/layout.h"

#include <cstdlib>
#include <string>

#include "cuda/op_util.h"

namespace pd::cuda {

bool ChannelsLastWanted() {
  static const bool on = [] {
    const char* v = std::getenv("GOHUB_CUDA_CHANNELS_LAST");
    return v != nullptr && *v != '\0' && std::string(v) != "0";
  }();
  return on;
}

ImageGeometry GeometryOf(const Tensor& t) {
  PD_CHECK(t.rank() == 4, "a channels-last GPU tensor must be 4-D, got ", DimsToString(t.dims()));
  return {t.dim(0), t.dim(1), t.dim(2), t.dim(3), IsGpuChannelsLast(t)};
}

const float* InLayout(const Tensor& src, bool channels_last, Tensor* scratch,
                      cudaStream_t stream) {
  if (IsGpuChannelsLast(src) == channels_last) return src.data<float>();
  const ImageGeometry from = GeometryOf(src);
  ImageGeometry to = from;
  to.nhwc = channels_last;
  scratch->set_place(src.place());
  scratch->Resize(src.dims());
  float* p = scratch->mutable_data_for_overwrite<float>();  // every cell is written
  LaunchShiftImage(src.data<float>(), from, p, to, 0, 0, stream);
  return p;
}

std::unique_ptr<LayoutConverter> CudaDevice::NewLayoutConverter() {
  return std::make_unique<ChannelsLastConverter>();
}

void ChannelsLastConverter::ToPlain(Tensor* t, DeviceContext& ctx) {
  if (!IsGpuChannelsLast(*t)) return;
  UseDevice(t->place().device);
  InLayout(*t, false, &scratch_, Ctx(ctx).cuda_stream());
  scratch_.set_layout(0);
  t->SwapData(&scratch_);  // t now holds the plain copy; scratch_ keeps the old buffer
}

namespace {

bool Always(const OpContext&) { return true; }

// Every 4-D float input in one layout, with the same dims when that layout is not plain (the
// other inputs, per-channel parameters and the like, are always plain).
bool SameLayout(const OpContext& ctx) {
  const Tensor* first = nullptr;
  for (const auto& [slot, names] : ctx.op().AllInputs()) {
    if (!ctx.HasInput(slot)) continue;
    for (const Tensor* t : ctx.Ins(slot)) {
      if (t == nullptr || !t->initialized() || t->dtype() != DType::kFP32 || t->rank() != 4)
        continue;
      if (first == nullptr) {
        first = t;
      } else if (t->layout() != first->layout() ||
                 (t->layout() != 0 && t->dims() != first->dims())) {
        return false;
      }
    }
  }
  return true;
}

// X and Y both plain, or in one layout with the same dims (the broadcasting paths are plain).
bool ElementwiseLayouts(const OpContext& ctx) {
  const Tensor& x = ctx.In("X");
  const Tensor& y = ctx.In("Y");
  if (x.layout() == 0 && y.layout() == 0) return true;
  return x.layout() == y.layout() && x.dims() == y.dims();
}

// Spatially 1x1: plain and channels-last are the same bytes.
bool OneByOne(const Tensor& t) { return t.rank() == 4 && t.dim(2) == 1 && t.dim(3) == 1; }

bool PoolGradLayouts(const OpContext& ctx) {
  const int layout = ctx.In("X").layout();
  for (const char* slot : {"Out", "Out@GRAD"}) {
    const Tensor& t = ctx.In(slot);
    if (t.layout() != layout && !OneByOne(t)) return false;
  }
  return true;
}

bool AddGradLayouts(const OpContext& ctx) {
  const Tensor& dout = ctx.In("Out@GRAD");
  if (dout.layout() == 0) return true;
  for (const char* slot : {"X", "Y"})
    if (ctx.In(slot).dims() != dout.dims()) return false;
  return true;
}

template <LayoutCheck kCheck>
LayoutCheck IfWanted(const OpView&) {
  return ChannelsLastWanted() ? kCheck : nullptr;
}

}  // namespace

LayoutRule AnyLayoutRuleIfWanted() { return IfWanted<Always>; }
LayoutRule SameLayoutRuleIfWanted() { return IfWanted<SameLayout>; }
LayoutRule ElementwiseRuleIfWanted() { return IfWanted<ElementwiseLayouts>; }
LayoutRule PoolGradRuleIfWanted() { return IfWanted<PoolGradLayouts>; }
LayoutRule AddGradRuleIfWanted() { return IfWanted<AddGradLayouts>; }

}  // namespace pd::cuda
