#include "kernels/dnnl_util.h"

#include "framework/allocator.h"

#include <string>

#ifdef _OPENMP
#include <omp.h>
#endif

namespace pd {

void SetDnnlThreads(int n) {
  // Our oneDNN build runs on OpenMP, whose thread count is a per-thread setting: each predictor
  // (clone) thread sets its own. Primitives size their work split at creation, so this runs before
  // creation as well as before execution.
#ifdef _OPENMP
  if (n < 1) n = 1;
  if (omp_get_max_threads() != n) omp_set_num_threads(n);
#else
  (void)n;
#endif
}

dnnl::memory::dims DnnlDims(const Dims& dims) {
  return dnnl::memory::dims(dims.begin(), dims.end());
}

namespace {
using Tag = dnnl::memory::format_tag;

Tag PlainTag(size_t rank) {
  static const Tag kTags[] = {Tag::undef, Tag::a, Tag::ab, Tag::abc, Tag::abcd, Tag::abcde,
                              Tag::abcdef};
  PD_CHECK(rank >= 1 && rank <= 6, "oneDNN: no plain layout for rank ", rank);
  return kTags[rank];
}

// The non-plain layouts a kernel may leave a tensor in: what oneDNN's conv and pooling kernels
// choose for f32 activations. The brgemm convolutions (AVX2 and up) work channels-last (acdb,
// i.e. nhwc), the older direct ones channel-blocked (nChw8c on AVX2, nChw16c on AVX-512).
constexpr Tag kBlocked[] = {Tag::acdb, Tag::aBcd8b, Tag::aBcd16b};
}  // namespace

dnnl::memory::desc DescOf(const Tensor& t) {
  const auto f32 = dnnl::memory::data_type::f32;
  if (t.layout() == 0) return dnnl::memory::desc(DnnlDims(t.dims()), f32, PlainTag(t.dims().size()));
  return dnnl::memory::desc(DnnlDims(t.dims()), f32, static_cast<Tag>(t.layout()));
}

int LayoutCode(const dnnl::memory::desc& md, const Dims& dims) {
  if (dims.size() != 4) return -1;
  const auto f32 = dnnl::memory::data_type::f32;
  const auto d = DnnlDims(dims);
  if (md == dnnl::memory::desc(d, f32, Tag::abcd)) return 0;
  for (Tag tag : kBlocked)
    if (md == dnnl::memory::desc(d, f32, tag)) return static_cast<int>(tag);
  return -1;
}

int ChannelsLastLayout() { return static_cast<int>(Tag::acdb); }

bool StoredChannelsLast(const Tensor& t) {
  return t.rank() == 4 && t.layout() == ChannelsLastLayout();
}

Dims StoredDims(const Tensor& t) {
  if (!StoredChannelsLast(t)) return t.dims();
  return {t.dim(0), t.dim(2), t.dim(3), t.dim(1)};
}

bool CutsChannelAxis(const OpView& op) {
  if (!op.Inputs("AxisTensor").empty() || !op.Inputs("SectionsTensorList").empty()) return false;
  const int64_t axis = op.GetInt("axis", 0);
  return axis == 1 || axis == -3;
}

bool LayoutPads(const Tensor& t) {
  return t.layout() != 0 && DescOf(t).get_size() != t.nbytes();
}

bool AcceptsAnyLayout(const OpContext&) { return true; }

bool AllChannelsLast(const OpContext& ctx) {
  for (const Tensor* t : ctx.Ins("X"))
    if (t->layout() != ChannelsLastLayout()) return false;
  return !ctx.Ins("X").empty();
}

bool SameLayoutUnpadded(const OpContext& ctx) {
  const Tensor* first = nullptr;
  for (const char* slot : {"X", "Y"}) {
    if (!ctx.HasInput(slot)) continue;
    for (const Tensor* t : ctx.Ins(slot)) {
      if (first == nullptr) first = t;
      if (t->layout() != first->layout() || t->dims() != first->dims() || LayoutPads(*t))
        return false;
    }
  }
  return first != nullptr;
}

// The same test over other slots: a gradient op's forward operands and output gradient.
bool GradOperandsSameLayout(const OpContext& ctx) {
  const Tensor* first = nullptr;
  for (const char* slot : {"X", "Out", "Out@GRAD"}) {
    if (!ctx.HasInput(slot)) continue;
    const Tensor& t = ctx.In(slot);
    if (first == nullptr) first = &t;
    if (t.layout() != first->layout() || t.dims() != first->dims() || LayoutPads(t)) return false;
  }
  return first != nullptr;
}

bool OperandsShapedLikeOutGrad(const OpContext& ctx) {
  const Tensor& dout = ctx.In("Out@GRAD");
  return !LayoutPads(dout) && ctx.In("X").dims() == dout.dims() &&
         ctx.In("Y").dims() == dout.dims();
}

LayoutCheck AnyLayoutRule(const OpView&) { return AcceptsAnyLayout; }
LayoutCheck ElementwiseLayoutRule(const OpView&) { return SameLayoutUnpadded; }
LayoutCheck ElementwiseGradLayoutRule(const OpView&) { return GradOperandsSameLayout; }
LayoutCheck ShapedLikeOutGradRule(const OpView&) { return OperandsShapedLikeOutGrad; }

void PlainConverter::ToPlain(Tensor* t, DeviceContext& device) {
  if (t->layout() == 0) return;
  CpuContext& cpu = static_cast<CpuContext&>(device);
  SetDnnlThreads(cpu.num_threads());
  if (t->layout() != layout_ || t->dims() != dims_) {
    const auto src_md = DescOf(*t);
    const auto dst_md =
        dnnl::memory::desc(DnnlDims(t->dims()), dnnl::memory::data_type::f32,
                           PlainTag(t->dims().size()));
    src_ = dnnl::memory(src_md, cpu.engine(), DNNL_MEMORY_NONE);
    dst_ = dnnl::memory(dst_md, cpu.engine(), DNNL_MEMORY_NONE);
    reorder_ = dnnl::reorder(src_, dst_);
    layout_ = t->layout();
    dims_ = t->dims();
  }
  // The blocked buffer goes back to the allocator with `plain`: a converter keeping it would
  // hold a second copy of every converted activation (a third of a training step's memory).
  Tensor plain;
  plain.set_place(t->place());  // host memory, of the CPU's or an emulated device's allocator
  plain.Resize(t->dims());
  src_.set_data_handle(const_cast<void*>(t->raw_data()));
  dst_.set_data_handle(plain.mutable_data_for_overwrite<float>());
  reorder_.execute(cpu.stream_ref(), src_, dst_);
  cpu.stream_ref().wait();
  t->SwapData(&plain);
}

bool IsChannelsLastF32(const dnnl::memory& m) {
  const dnnl::memory::desc& md = m.get_desc();
  return md == dnnl::memory::desc(md.get_dims(), dnnl::memory::data_type::f32,
                                  dnnl::memory::format_tag::nhwc);
}

TempBuffers::~TempBuffers() {
  for (auto& [p, bytes] : blocks_) CpuAllocator().Free(p, bytes);
}

void TempBuffers::Bind(dnnl::memory& m) {
  const size_t bytes = m.get_desc().get_size();
  if (bytes != 0) m.set_data_handle(Borrow(bytes));
}

void* TempBuffers::Borrow(size_t bytes) {
  void* p = CpuAllocator().AllocateForOverwrite(bytes);
  blocks_.emplace_back(p, bytes);
  return p;
}

}  // namespace pd
