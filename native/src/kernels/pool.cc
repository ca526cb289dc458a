// pool2d (max and avg; global, adaptive, exclusive, ceil_mode; NCHW and NHWC). Where oneDNN's
// pooling computes what Paddle does (PoolRunsOnDnnl) it runs there, on the blocked layout the conv
// before it left; elsewhere plain loops: Paddle's averaging divisor has corner cases (ceil_mode
// windows past the padded border, adaptive windows) that oneDNN's pooling does not reproduce.
#include <algorithm>
#include <limits>
#include <map>
#include <optional>
#include <utility>

#include "kernels/dnnl_util.h"
#include "kernels/kernel_util.h"
#include "kernels/pool_shape.h"
#include "kernels/register.h"
#include "kernels/window.h"

namespace pd {

// Whether pool2d with op's attributes runs on oneDNN, which then computes what Paddle does.
bool PoolRunsOnDnnl(const OpView& op);

namespace {

void PoolInferShape(OpContext& ctx) { ctx.Out("Out")->Resize(PoolShapeOf(ctx).out.ToDims()); }

struct PoolPlan {
  dnnl::pooling_forward pool;
  dnnl::memory src, dst, dst_user, scratch;
  std::optional<dnnl::reorder> dst_reorder;
  int out_layout = 0;
  size_t out_bytes = 0;
};

struct PoolState : KernelState {
  std::map<std::pair<Dims, int>, PoolPlan> plans;  // by input dims and layout
};

PoolPlan MakePoolPlan(const dnnl::engine& engine, const PoolShape& s, int in_layout) {
  using dnnl::memory;
  using Tag = memory::format_tag;
  const auto f32 = memory::data_type::f32;
  const memory::dims src{s.in.n, s.in.c, s.in.h, s.in.w}, dst{s.out.n, s.out.c, s.out.h, s.out.w};
  const memory::desc src_md(src, f32, in_layout ? static_cast<Tag>(in_layout) : Tag::nchw);
  // Windows never reach past the padded border here (no ceil_mode), so Paddle's non-exclusive
  // divisor is the whole window: oneDNN's include-padding average.
  const auto alg = s.max ? dnnl::algorithm::pooling_max
                         : s.exclusive ? dnnl::algorithm::pooling_avg_exclude_padding
                                       : dnnl::algorithm::pooling_avg_include_padding;
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  const memory::dims no_dilation{0, 0};
  dnnl::pooling_forward::primitive_desc pd(
      engine, dnnl::prop_kind::forward_inference, alg, src_md,
      memory::desc(dst, f32, Tag::any), {s.win.stride[0], s.win.stride[1]},
      {s.win.k[0], s.win.k[1]}, no_dilation, {s.win.pad_begin[0], s.win.pad_begin[1]},
      {s.win.pad_end[0], s.win.pad_end[1]}, attr);
  PoolPlan p;
  p.pool = dnnl::pooling_forward(pd);
  p.src = memory(src_md, engine, DNNL_MEMORY_NONE);
  const int code = LayoutCode(pd.dst_desc(), s.out.ToDims());
  if (code >= 0) {
    p.out_layout = code;
    p.out_bytes = pd.dst_desc().get_size();
    p.dst = p.dst_user = memory(pd.dst_desc(), engine, DNNL_MEMORY_NONE);
  } else {
    p.dst_user = memory(memory::desc(dst, f32, Tag::nchw), engine, DNNL_MEMORY_NONE);
    p.dst = memory(pd.dst_desc(), engine);
    p.dst_reorder = dnnl::reorder(p.dst, p.dst_user);
  }
  p.scratch = memory(pd.scratchpad_desc(), engine);
  return p;
}

void DnnlPoolKernel(OpContext& ctx, PoolShape s) {
  if (s.adaptive) {  // to 1×1 (PoolRunsOnDnnl): one window over the whole input
    s.win.k = {s.in.h, s.in.w};
    s.win.stride = {1, 1};
  }
  const Tensor& x = ctx.In("X");
  auto& plans = ctx.State<PoolState>().plans;
  CpuContext& cpu = CpuContextOf(ctx);
  WithDnnl(ctx, [&] {
    const auto key = std::make_pair(x.dims(), x.layout());
    auto it = plans.find(key);
    if (it == plans.end()) it = plans.emplace(key, MakePoolPlan(cpu.engine(), s, x.layout())).first;
    PoolPlan& p = it->second;
    Tensor* out = ctx.Out("Out");
    p.src.set_data_handle(const_cast<void*>(x.raw_data()));
    p.dst_user.set_data_handle(out->mutable_data(DType::kFP32, p.out_bytes));
    out->set_layout(p.out_layout);
    dnnl::stream& stream = cpu.stream_ref();
    p.pool.execute(stream, {{DNNL_ARG_SRC, p.src}, {DNNL_ARG_DST, p.dst},
                            {DNNL_ARG_SCRATCHPAD, p.scratch}});
    if (p.dst_reorder) p.dst_reorder->execute(stream, p.dst, p.dst_user);
    stream.wait();
  });
}

void PoolKernel(OpContext& ctx) {
  CheckNotInPlace(ctx, "Out", {"X"});
  const PoolShape s = PoolShapeOf(ctx);
  if (PoolRunsOnDnnl(ctx.op())) return DnnlPoolKernel(ctx, s);
  const float* x = ctx.In("X").data<float>();
  float* y = ctx.Out("Out")->mutable_data<float>();
  const int64_t C = s.in.c, in_plane = s.in.h * s.in.w, out_plane = s.out.h * s.out.w;
  // Element (n, c, pixel p) sits at n*C*plane + c*c_step + p*p_step in either layout.
  const int64_t c_in = s.in.nhwc ? 1 : in_plane, c_out = s.in.nhwc ? 1 : out_plane;
  const int64_t p_step = s.in.nhwc ? C : 1;
  for (int64_t n = 0; n < s.in.n; ++n) {
    for (int64_t c = 0; c < C; ++c) {
      const float* xc = x + n * C * in_plane + c * c_in;
      float* yc = y + n * C * out_plane + c * c_out;
      for (int64_t oh = 0; oh < s.out.h; ++oh) {
        const Span hs = WindowSpan(s, 0, oh, s.in.h, s.out.h);
        for (int64_t ow = 0; ow < s.out.w; ++ow) {
          const Span ws = WindowSpan(s, 1, ow, s.in.w, s.out.w);
          float acc = s.max ? std::numeric_limits<float>::lowest() : 0.0f;
          for (int64_t h = hs.begin; h < hs.end; ++h) {
            for (int64_t w = ws.begin; w < ws.end; ++w) {
              const float v = xc[(h * s.in.w + w) * p_step];
              acc = s.max ? std::max(acc, v) : acc + v;
            }
          }
          if (!s.max) {
            const int64_t count = s.exclusive || s.adaptive
                                      ? (hs.end - hs.begin) * (ws.end - ws.begin)
                                      : hs.padded * ws.padded;
            acc /= static_cast<float>(count);
          }
          yc[(oh * s.out.w + ow) * p_step] = acc;
        }
      }
    }
  }
}

}  // namespace

bool PoolRunsOnDnnl(const OpView& op) {
  if (op.GetString("data_format", "NCHW") == "NHWC" || op.GetBool("ceil_mode", false))
    return false;
  const std::string type = op.GetString("pooling_type", "max");
  if (type != "max" && type != "avg") return false;
  // An adaptive pool to 1×1 is a global one; other adaptive windows overlap unevenly.
  if (op.GetBool("adaptive", false) && !op.GetBool("global_pooling", false))
    return op.GetInts("ksize", {}) == std::vector<int64_t>{1, 1};
  return true;
}

void RegisterPoolKernels(OpRegistry& r) {
  r.Add("pool2d", PoolInferShape, "X");
  r.AddKernel("pool2d", DeviceType::kCPU, DType::kFP32, PoolKernel);
  // Blocked inputs exactly where it runs on oneDNN.
  r.SetLayoutRule("pool2d", DeviceType::kCPU, [](const OpView& op) -> LayoutCheck {
    return PoolRunsOnDnnl(op) ? AcceptsAnyLayout : nullptr;
  });
}

}  // namespace pd
