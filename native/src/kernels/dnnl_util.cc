#include "kernels/dnnl_util.h"

#include <string>

#ifdef _OPENMP
#include <omp.h>
#endif

namespace pd {

const dnnl::engine& DnnlEngine() {
  static const dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

dnnl::stream& DnnlStream() {
  thread_local dnnl::stream stream(DnnlEngine());
  return stream;
}

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

bool LayoutPads(const Tensor& t) {
  return t.layout() != 0 && DescOf(t).get_size() != t.nbytes();
}

BlockedUse BlockedUseOf(const OpView& op) {
  const std::string& type = op.type();
  const bool nchw = op.GetString("data_format", "NCHW") != "NHWC";
  if (type == "conv2d" || type == "depthwise_conv2d") return nchw ? BlockedUse::kAny : BlockedUse::kNone;
  // pool2d takes blocked input exactly where it runs on oneDNN (kernels/pool.cc says when).
  if (type == "pool2d") return PoolRunsOnDnnl(op) ? BlockedUse::kAny : BlockedUse::kNone;
  if (type == "shuffle_channel") return BlockedUse::kChannelsLast;
  // concat and split along the channels of 4-D tensors (checked per run), with a fixed axis.
  if ((type == "concat" || type == "split") && op.Inputs("AxisTensor").empty() &&
      op.Inputs("SectionsTensorList").empty()) {
    const int64_t axis = op.GetInt("axis", 0);
    if (axis == 1 || axis == -3) return BlockedUse::kChannelsLast;
  }
  static const char* kElementwise[] = {"relu", "relu6", "leaky_relu", "sigmoid", "tanh", "swish",
                                       "hard_swish", "hard_sigmoid", "elementwise_add",
                                       "elementwise_mul", "elementwise_sub", "elementwise_max",
                                       "elementwise_min"};
  for (const char* t : kElementwise)
    if (type == t) return BlockedUse::kElementwise;
  return BlockedUse::kNone;
}

bool AcceptsBlockedNow(BlockedUse use, const OpContext& ctx) {
  if (use == BlockedUse::kChannelsLast) {
    // Every input channels-last (and so 4-D): then the channel axis is the innermost one.
    for (const Tensor* t : ctx.Ins("X"))
      if (t->layout() != ChannelsLastLayout()) return false;
    return !ctx.Ins("X").empty();
  }
  if (use != BlockedUse::kElementwise) return use == BlockedUse::kAny;
  // Element by element over the whole buffer: right when every operand has the same dims and
  // layout, and no padding (which sigmoid and friends would fill with non-zeros).
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

void PlainConverter::ToPlain(Tensor* t, int num_threads) {
  if (t->layout() == 0) return;
  SetDnnlThreads(num_threads);
  if (t->layout() != layout_ || t->dims() != dims_) {
    const auto src_md = DescOf(*t);
    const auto dst_md =
        dnnl::memory::desc(DnnlDims(t->dims()), dnnl::memory::data_type::f32,
                           PlainTag(t->dims().size()));
    src_ = dnnl::memory(src_md, DnnlEngine(), DNNL_MEMORY_NONE);
    dst_ = dnnl::memory(dst_md, DnnlEngine(), DNNL_MEMORY_NONE);
    reorder_ = dnnl::reorder(src_, dst_);
    layout_ = t->layout();
    dims_ = t->dims();
  }
  scratch_.Resize(t->dims());
  src_.set_data_handle(const_cast<void*>(t->raw_data()));
  dst_.set_data_handle(scratch_.mutable_data<float>());
  reorder_.execute(DnnlStream(), src_, dst_);
  DnnlStream().wait();
  scratch_.set_layout(0);
  t->SwapData(&scratch_);
}

}  // namespace pd
