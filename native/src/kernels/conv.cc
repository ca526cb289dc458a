// conv2d, depthwise_conv2d and conv2d_transpose on oneDNN. Per op and input shape the primitive,
// its reorders and the weights in oneDNN's preferred layout are made once and reused on every run.
// An op with mkldnn_data_type = "bfloat16" reads its input and weights as bfloat16 (kernels/bf16.h).
// 3x3 stride-1 convolutions over channels-last data run on our Winograd kernel where it is faster
// (kernels/winograd.h); the plan keeps oneDNN's layouts and reorders around it.
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <tuple>
#include <unordered_map>

#include "kernels/bf16.h"
#include "kernels/conv_kernel_choice.h"
#include "kernels/conv_shape.h"
#include "kernels/dnnl_util.h"
#include "kernels/kernel_util.h"
#include "kernels/register.h"
#include "kernels/winograd.h"
#include "kernels/window.h"

namespace pd {
namespace {

using dnnl::memory;
using Tag = memory::format_tag;

// One input shape's primitive with its memories. The *_user memories wrap our tensors' buffers (set
// per run); the others are in the layouts the primitive chose.
struct ConvPlan {
  dnnl::primitive conv;
  memory src_user, dst_user, weights_user, bias_user, residual_user;
  memory src, dst, weights, scratch;
  std::optional<dnnl::reorder> src_reorder, dst_reorder, weights_reorder, residual_reorder;
  WeightCache weights_from;  // the filter contents that weights was reordered from
  // bfloat16 math (kernels/bf16.h) without a oneDNN bfloat16 kernel: src and weights are float32
  // copies of the inputs, rounded to bfloat16 after each reorder into them.
  bool emulate_bf16 = false;
  // Set when the Winograd kernel runs in place of the primitive, on src and dst.
  std::unique_ptr<WinogradConv> winograd;
  WinogradPostOps winograd_post;
  // The Tensor::layout the output is left in: the primitive's own when it is one that later
  // oneDNN ops read (then dst is the output tensor's buffer), else plain through dst_reorder.
  int out_layout = 0;
  size_t out_bytes = 0;
  bool residual_in_place = false;  // the op's attribute (passes/conv_residual_fuse.cc)
  // The primitive's arguments, made on the first run: the memories above, whose buffers are
  // set per run, so that a run allocates no map.
  std::unordered_map<int, memory> args;
};

// Plans by input dims and the layouts of the input and of the residual (when fused).
using PlanKey = std::tuple<Dims, int, int>;
struct ConvState : KernelState {
  std::map<PlanKey, ConvPlan> plans;
};

// Wraps a buffer given later (set_data_handle) in the layout of md.
memory Unbound(const memory::desc& md, const dnnl::engine& engine) {
  return memory(md, engine, DNNL_MEMORY_NONE);
}

// The post-ops passes/ fused into this conv, in Paddle's order: the residual sum
// (conv_elementwise_add_mkldnn_fuse_pass, ResidualData added to the output), then the
// activation (fuse_activation; alpha and beta mean what they mean to oneDNN).
dnnl::post_ops FusedPostOps(const OpView& op, bool residual) {
  dnnl::post_ops post;
  if (residual) post.append_sum(1.0f);
  const std::string act = op.GetString("fuse_activation", "");
  if (act.empty()) return post;
  using A = dnnl::algorithm;
  static const std::map<std::string, A> kAlgs = {
      {"relu", A::eltwise_relu},         {"leaky_relu", A::eltwise_relu},
      {"relu6", A::eltwise_clip},        {"sigmoid", A::eltwise_logistic},
      {"tanh", A::eltwise_tanh},         {"swish", A::eltwise_swish},
      {"hard_swish", A::eltwise_hardswish}};
  const auto it = kAlgs.find(act);
  PD_CHECK(it != kAlgs.end(), op.type(), ": fuse_activation '", act, "' is not supported");
  post.append_eltwise(it->second, op.GetFloat("fuse_alpha", 0.0f), op.GetFloat("fuse_beta", 0.0f));
  return post;
}

// in_layout: the input tensor's Tensor::layout; residual_layout: the residual's, or -1 when there
// is none. in_type: the data type the primitive reads its input and weights in (f32 or bf16).
ConvPlan MakePlan(const dnnl::engine& engine, const ConvShape& s, int in_layout, bool has_bias,
                  int residual_layout, const dnnl::post_ops& post, memory::data_type in_type) {
  const auto Unbound = [&engine](const memory::desc& md) { return ::pd::Unbound(md, engine); };
  const auto f32 = memory::data_type::f32;
  const int64_t g = s.groups, ic = s.in.c, oc = s.out.c;
  const memory::dims src{s.in.n, ic, s.in.h, s.in.w}, dst{s.out.n, oc, s.out.h, s.out.w};
  // oneDNN's weights are logically [g,] O, I, kh, kw. Paddle stores conv filters that way (goihw)
  // and transposed-conv filters as [C_in, C_out/g, kh, kw], which is (g)iohw.
  const memory::dims wdims = g == 1 ? memory::dims{oc, ic, s.win.k[0], s.win.k[1]}
                                    : memory::dims{g, oc / g, ic / g, s.win.k[0], s.win.k[1]};
  const Tag wtag =
      s.transpose ? (g == 1 ? Tag::iohw : Tag::giohw) : (g == 1 ? Tag::oihw : Tag::goihw);
  const Tag act = s.in.nhwc ? Tag::nhwc : Tag::nchw;
  const memory::desc in_md(src, f32, in_layout ? static_cast<Tag>(in_layout) : act);
  const memory::desc residual_md =
      residual_layout < 0
          ? memory::desc()
          : memory::desc(dst, f32, residual_layout ? static_cast<Tag>(residual_layout) : act);
  const memory::desc src_any(src, in_type, Tag::any), dst_any(dst, f32, Tag::any),
      w_any(wdims, in_type, Tag::any);
  const memory::desc bias_md = has_bias ? memory::desc({oc}, f32, Tag::x) : memory::desc();
  const memory::dims strides{s.win.stride[0], s.win.stride[1]};
  // oneDNN counts dilation from 0 (no gap), Paddle from 1.
  const memory::dims dil{s.win.dilation[0] - 1, s.win.dilation[1] - 1};
  const memory::dims pad_l{s.win.pad_begin[0], s.win.pad_begin[1]};
  const memory::dims pad_r{s.win.pad_end[0], s.win.pad_end[1]};
  dnnl::primitive_attr attr;
  // Each op owns its scratchpad, so clones running on several threads never share one.
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  attr.set_post_ops(post);

  ConvPlan p;
  memory::desc src_md, w_md, dst_md, scratch_md;
  const auto inference = dnnl::prop_kind::forward_inference;
  if (s.transpose) {
    dnnl::deconvolution_forward::primitive_desc pd(
        engine, inference, dnnl::algorithm::deconvolution_direct, src_any, w_any, bias_md,
        dst_any, strides, dil, pad_l, pad_r, attr);
    p.conv = dnnl::deconvolution_forward(pd);
    src_md = pd.src_desc(), w_md = pd.weights_desc(), dst_md = pd.dst_desc();
    scratch_md = pd.scratchpad_desc();
  } else {
    const auto make = [&](const memory::desc& src_layout, const memory::desc& dst_layout) {
      return dnnl::convolution_forward::primitive_desc(
          engine, inference, dnnl::algorithm::convolution_direct, src_layout, w_any,
          bias_md, dst_layout, strides, dil, pad_l, pad_r, attr);
    };
    const memory::desc dst_want =
        FirstLayerWritesChannelsLast(g, ic) ? memory::desc(dst, f32, Tag::acdb) : dst_any;
    const auto pd = ChooseConvKernel(make, src_any, dst_want, ic / g);
    p.conv = dnnl::convolution_forward(pd);
    src_md = pd.src_desc(), w_md = pd.weights_desc(), dst_md = pd.dst_desc();
    scratch_md = pd.scratchpad_desc();
  }
  // The input arrives in whatever layout its producer left (plain, or the blocked layout of the
  // oneDNN op before); it is reordered only when that is not the one this primitive wants.
  p.src_user = Unbound(in_md);
  p.weights_user = Unbound(memory::desc(wdims, f32, wtag));
  p.src = p.src_user;
  p.weights = p.weights_user;
  if (src_md != p.src_user.get_desc()) {
    p.src = Unbound(src_md);  // borrowed for each run (TempBuffers)
    p.src_reorder = dnnl::reorder(p.src_user, p.src);
  }
  // The output stays in the primitive's layout when later oneDNN ops can read it (NCHW models);
  // the executor turns it plain if a reader needs that.
  const Dims out_dims{s.out.n, oc, s.out.h, s.out.w};
  const int code = s.transpose || s.in.nhwc ? -1 : LayoutCode(dst_md, out_dims);
  if (code >= 0) {
    p.out_layout = code;
    p.out_bytes = dst_md.get_size();
    p.dst = Unbound(dst_md);
    p.dst_user = p.dst;
  } else {
    p.dst_user = Unbound(memory::desc(dst, f32, act));
    p.dst = p.dst_user;
    if (dst_md != p.dst_user.get_desc()) {
      p.dst = memory(dst_md, engine);
      p.dst_reorder = dnnl::reorder(p.dst, p.dst_user);
    }
  }
  // The sum post-op adds what dst holds: the residual is put there first, reordered when its
  // layout differs from the primitive's output.
  if (!residual_md.is_zero()) {
    p.residual_user = Unbound(residual_md);
    if (residual_md != dst_md) p.residual_reorder = dnnl::reorder(p.residual_user, p.dst);
  }
  if (w_md != p.weights_user.get_desc()) {
    p.weights = memory(w_md, engine);
    p.weights_reorder = dnnl::reorder(p.weights_user, p.weights);
  }
  if (has_bias) p.bias_user = Unbound(bias_md);
  p.scratch = memory(scratch_md, engine);
  return p;
}

// MakePlan for a convolution that reads float32 (bf16 false) or bfloat16: on oneDNN's bfloat16
// kernel where it has one for this shape, else emulated on the float32 kernel.
ConvPlan MakeConvPlan(const dnnl::engine& engine, const ConvShape& s, int in_layout,
                      bool has_bias, int residual_layout, const dnnl::post_ops& post, bool bf16) {
  if (bf16 && !Bf16EmulationForced()) {
    try {
      return MakePlan(engine, s, in_layout, has_bias, residual_layout, post,
                      memory::data_type::bf16);
    } catch (const dnnl::error& e) {
      if (e.status != dnnl_unimplemented) throw;
    }
  }
  ConvPlan p = MakePlan(engine, s, in_layout, has_bias, residual_layout, post,
                        memory::data_type::f32);
  if (!bf16) return p;
  // The input and the weights are always copied, so that the copies can be rounded.
  p.emulate_bf16 = true;
  if (!p.src_reorder) {
    p.src = Unbound(p.src_user.get_desc(), engine);
    p.src_reorder = dnnl::reorder(p.src_user, p.src);
  }
  if (!p.weights_reorder) {
    p.weights = memory(p.weights_user.get_desc(), engine);
    p.weights_reorder = dnnl::reorder(p.weights_user, p.weights);
  }
  return p;
}

// Hands p's convolution to the Winograd kernel when the shape suits it, the data around it is
// channels-last (as oneDNN's own choice of layouts left it) and the post-ops are ones it applies.
void ChooseWinograd(const ConvShape& s, const OpView& op, bool residual, bool bf16, int threads,
                    ConvPlan* p) {
  const std::optional<WinogradShape> ws = WinogradForward(s);
  if (bf16 || !ws) return;
  const std::string act = op.GetString("fuse_activation", "");
  if (!(act.empty() || (act == "relu" && op.GetFloat("fuse_alpha", 0.0f) == 0.0f))) return;
  if (!IsChannelsLastF32(p->src) || !IsChannelsLastF32(p->dst) || p->dst_reorder ||
      !WinogradPays(*ws, threads))
    return;
  p->winograd = std::make_unique<WinogradConv>(*ws);
  p->winograd_post = {false, residual, act == "relu"};
  // The primitive's own weights and scratchpad are not needed.
  p->weights_reorder.reset();
  p->weights = p->weights_user;
  p->scratch = memory();
}

void RunPlan(OpContext& ctx, dnnl::stream& stream, ConvPlan& p, bool has_bias, bool residual) {
  const Tensor& filter_tensor = ctx.In("Filter");
  const float* filter = filter_tensor.data<float>();
  if (p.winograd) {
    if (p.weights_from.Changed(filter_tensor))
      p.winograd->SetFilter(filter, ctx.device().num_threads());
  } else if (!p.weights_reorder) {
    p.weights_user.set_data_handle(const_cast<float*>(filter));
  } else if (p.weights_from.Changed(filter_tensor)) {
    // A predictor's weights are reordered once; a filter that training updates in place is
    // reordered after each update (its stamp changes).
    p.weights_user.set_data_handle(const_cast<float*>(filter));
    p.weights_reorder->execute(stream, p.weights_user, p.weights);
    if (p.emulate_bf16) {
      stream.wait();
      RoundToBf16(p.weights);
    }
  }
  p.src_user.set_data_handle(const_cast<float*>(ctx.In("Input").data<float>()));
  Tensor* out = ctx.Out("Output");
  bool residual_in_dst = false;
  if (residual && !p.residual_reorder && !p.dst_reorder && p.residual_in_place) {
    // passes/conv_residual_fuse.cc found the residual dead after this op and its buffer the
    // conv's own: it becomes the output buffer, already holding what the sum post-op adds.
    // The residual variable gets the old output buffer, which its producer overwrites next run.
    Tensor& r = const_cast<Tensor&>(ctx.In("ResidualData"));
    if (r.capacity() >= p.out_bytes && r.layout() == p.out_layout) {
      out->SwapData(&r);
      residual_in_dst = true;
    }
  }
  // oneDNN writes every element of its output, and keeps a padded layout's padding zero.
  p.dst_user.set_data_handle(out->mutable_data_for_overwrite(DType::kFP32, p.out_bytes));
  out->set_layout(p.out_layout);
  TempBuffers temp;  // freed after stream.wait() below
  if (p.src_reorder) {
    temp.Bind(p.src);
    p.src_reorder->execute(stream, p.src_user, p.src);
  }
  if (p.emulate_bf16) {
    stream.wait();
    RoundToBf16(p.src);
  }
  if (residual && !residual_in_dst) {
    const Tensor& r = ctx.In("ResidualData");
    if (p.residual_reorder) {
      p.residual_user.set_data_handle(const_cast<float*>(r.data<float>()));
      p.residual_reorder->execute(stream, p.residual_user, p.dst);
    } else {
      std::memcpy(p.dst.get_data_handle(), r.data<float>(), p.dst.get_desc().get_size());
    }
  }
  if (p.winograd) {
    stream.wait();
    WinogradPostOps post = p.winograd_post;
    post.bias = has_bias;
    const int threads = ctx.device().num_threads();
    float* scratch = static_cast<float*>(
        temp.Borrow(p.winograd->ScratchFloats(threads) * sizeof(float)));
    p.winograd->Run(static_cast<const float*>(p.src.get_data_handle()),
                    has_bias ? ctx.In("Bias").data<float>() : nullptr,
                    static_cast<float*>(p.dst.get_data_handle()), post, threads, scratch);
    return;
  }
  if (p.args.empty()) {
    p.args = {{DNNL_ARG_SRC, p.src},
              {DNNL_ARG_WEIGHTS, p.weights},
              {DNNL_ARG_DST, p.dst},
              {DNNL_ARG_SCRATCHPAD, p.scratch}};
    if (has_bias) p.args[DNNL_ARG_BIAS] = p.bias_user;
  }
  if (has_bias) p.bias_user.set_data_handle(const_cast<float*>(ctx.In("Bias").data<float>()));
  p.conv.execute(stream, p.args);
  if (p.dst_reorder) p.dst_reorder->execute(stream, p.dst, p.dst_user);
  stream.wait();
}

// The output dims of the last input and filter seen. Working them out reads a dozen attributes
// by name, which cost 2% of ShuffleNetV2's run at batch 1 when done on every run: the op
// descriptions fall out of cache between runs.
struct ConvOutDims : KernelState {
  bool known = false;
  Dims in, filter, out;
  DType in_type = DType::kUndefined, filter_type = DType::kUndefined;
};

template <bool kTranspose>
void ConvInferShape(OpContext& ctx) {
  const Tensor& x = ctx.In("Input");
  const Tensor& f = ctx.In("Filter");
  auto& last = ctx.ShapeState<ConvOutDims>();
  if (!last.known || x.dims() != last.in || f.dims() != last.filter ||
      x.dtype() != last.in_type || f.dtype() != last.filter_type) {
    last.out = ConvShapeOf(ctx, kTranspose).out.ToDims();  // checks the attributes and types
    last.in = x.dims();
    last.filter = f.dims();
    last.in_type = x.dtype();
    last.filter_type = f.dtype();
    last.known = true;
  }
  ctx.Out("Output")->Resize(last.out);
  ShareLoD(ctx, "Input", "Output");
}

template <bool kTranspose>
void ConvKernel(OpContext& ctx) {
  CheckNotInPlace(ctx, "Output", {"Input", "Filter", "Bias", "ResidualData"});
  const bool has_bias = ctx.HasInput("Bias");
  const bool residual = ctx.HasInput("ResidualData");
  const Tensor& x = ctx.In("Input");
  if (residual) {
    const Tensor& r = InputOfType(ctx, "ResidualData", DType::kFP32);
    PD_CHECK(r.dims() == ctx.Out("Output")->dims(), ctx.op().type(), ": ResidualData ",
             DimsToString(r.dims()), " must have the output's shape ",
             DimsToString(ctx.Out("Output")->dims()));
  }
  auto& plans = ctx.State<ConvState>().plans;
  CpuContext& cpu = CpuContextOf(ctx);
  WithDnnl(ctx, [&] {
    const int r_layout = residual ? ctx.In("ResidualData").layout() : -1;
    const PlanKey key{x.dims(), x.layout(), r_layout};
    auto it = plans.find(key);
    if (it == plans.end()) {
      // Checked once per plan: reading attributes on every run costs cache misses.
      const ConvShape shape = ConvShapeOf(ctx, kTranspose);
      if (has_bias) {
        const Tensor& b = InputOfType(ctx, "Bias", DType::kFP32);
        PD_CHECK(b.numel() == shape.out.c, ctx.op().type(), ": Bias ", DimsToString(b.dims()),
                 " must hold ", shape.out.c, " values");
      }
      const bool bf16 = WantsBf16(ctx.op());
      ConvPlan plan = MakeConvPlan(cpu.engine(), shape, x.layout(), has_bias, r_layout,
                                   FusedPostOps(ctx.op(), residual), bf16);
      ChooseWinograd(shape, ctx.op(), residual, bf16, ctx.device().num_threads(), &plan);
      plan.residual_in_place = ctx.op().GetInt("residual_in_place", 0) != 0;
      it = plans.emplace(key, std::move(plan)).first;
    }
    RunPlan(ctx, cpu.stream_ref(), it->second, has_bias, residual);
  });
}

}  // namespace

void RegisterConvKernels(OpRegistry& r) {
  for (const char* type : {"conv2d", "depthwise_conv2d"}) {
    r.Add(type, ConvInferShape<false>, "Input");
    r.AddKernel(type, DeviceType::kCPU, DType::kFP32, ConvKernel<false>);
    // NCHW convolutions read their input in whatever layout oneDNN's last op left.
    r.SetLayoutRule(type, DeviceType::kCPU, [](const OpView& op) -> LayoutCheck {
      return op.GetString("data_format", "NCHW") != "NHWC" ? AcceptsAnyLayout : nullptr;
    });
    // The residual a graph pass found dead after the conv becomes its output buffer.
    r.SetInPlace(type, "ResidualData", "Output");
  }
  r.Add("conv2d_transpose", ConvInferShape<true>, "Input");
  r.AddKernel("conv2d_transpose", DeviceType::kCPU, DType::kFP32, ConvKernel<true>);
}

}  // namespace pd
