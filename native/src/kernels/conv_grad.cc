// Gradients of conv2d and depthwise_conv2d on oneDNN: Input@GRAD by convolution_backward_data,
// Filter@GRAD by convolution_backward_weights (both made with a forward_training primitive
// descriptor as their hint), Bias@GRAD (only where the forward op had a Bias) as dOutput summed
// per channel. Input and Output@GRAD come in whatever layout their producers left: a training
// step's activations are channels-last, the layout of the forward convolutions' brgemm
// primitives, and stay so through batch norm, ReLU and the additions (their layout rules). The
// gradients of NCHW convolutions run on channels-last primitives too and write Input@GRAD
// channels-last, so only what arrives in another layout is reordered, once, on the way in. Per
// op, input shape and layouts the primitives are made once; their reordered buffers and
// scratchpads are borrowed from the allocator for each run. An op with mkldnn_data_type =
// "bfloat16" reads Input, Filter and Output@GRAD as bfloat16 and writes float32 gradients
// (kernels/bf16.h). Input@GRAD and Filter@GRAD of a 3x3 stride-1 convolution run on the Winograd
// kernels where the forward one would (kernels/winograd.h); Input@GRAD is a forward convolution
// of Output@GRAD.
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

#include "framework/allocator.h"
#include "kernels/bf16.h"
#include "kernels/dnnl_util.h"
#include "kernels/conv_shape.h"
#include "kernels/kernel_util.h"
#include "kernels/register.h"
#include "kernels/winograd.h"
#include "kernels/window.h"

namespace pd {
namespace {

using dnnl::memory;
using Tag = memory::format_tag;

void ConvGradMaker(GradOpBuilder& g) {
  g.Add(g.forward().type() + "_grad")
      .In("Input", g.Input("Input"))
      .In("Filter", g.Input("Filter"))
      .In("Bias", g.Input("Bias"))
      .In("Output@GRAD", g.OutputGrad("Output"))
      .Out("Input@GRAD", g.InputGrad("Input"))
      .Out("Filter@GRAD", g.InputGrad("Filter"))
      .Out("Bias@GRAD", g.InputGrad("Bias"));
}

// The forward conv's geometry, checked against Output@GRAD's dims.
ConvShape GradShapeOf(const OpContext& ctx) {
  const ConvShape s = ConvShapeOf(ctx, false);
  const Tensor& dy = InputOfType(ctx, "Output@GRAD", DType::kFP32);
  PD_CHECK(dy.dims() == s.out.ToDims(), ctx.op().type(), ": Output@GRAD ", DimsToString(dy.dims()),
           " does not match the forward output ", DimsToString(s.out.ToDims()));
  return s;
}

void ConvGradInferShape(OpContext& ctx) {
  for (const char* slot : {"Input", "Filter", "Bias"}) {
    const std::string grad = std::string(slot) + "@GRAD";
    if (!ctx.HasOutput(grad)) continue;
    ctx.Out(grad)->Resize(InputWithData(ctx, slot).dims());
    ShareLoD(ctx, slot, grad);
  }
}

// A primitive argument: user wraps our plain buffer (set per run), mem is what the primitive
// reads or writes, the same memory when the primitive took the plain layout, else a buffer of
// its own layout, borrowed for one run (TempBuffers), with a reorder from user (an input) or
// to user (an output). round: an input of emulated bfloat16 math, always copied into mem and
// rounded there.
struct Arg {
  memory user, mem;
  std::optional<dnnl::reorder> reorder;
  bool round = false;
};

Arg MakeArg(const dnnl::engine& engine, const memory::desc& plain, const memory::desc& want,
            bool output, bool round = false) {
  Arg a;
  a.user = memory(plain, engine, DNNL_MEMORY_NONE);
  a.mem = a.user;
  a.round = round;
  if (want != plain || round) {
    a.mem = memory(want, engine, DNNL_MEMORY_NONE);
    a.reorder = output ? dnnl::reorder(a.mem, a.user) : dnnl::reorder(a.user, a.mem);
  }
  return a;
}

// A reordered argument's buffer is borrowed for the run.
void Bind(TempBuffers& temp, Arg& a) {
  if (a.reorder) temp.Bind(a.mem);
}

void ReorderIn(dnnl::stream& s, Arg& a, const void* data) {
  a.user.set_data_handle(const_cast<void*>(data));
  if (a.reorder) a.reorder->execute(s, a.user, a.mem);
  if (a.round) {
    s.wait();
    RoundToBf16(a.mem);
  }
}

struct ConvGradPlan {
  int dsrc_layout = 0;  // Input@GRAD's Tensor::layout
  // Input@GRAD = backward_data(Output@GRAD, Filter)
  std::optional<dnnl::convolution_backward_data> data;
  Arg data_ddst, data_w, data_dsrc;
  memory data_scratch;
  // Set when Winograd computes Input@GRAD in place of backward_data (from data_ddst into
  // data_dsrc, both channels-last); its filter is transformed again when Filter changes.
  std::unique_ptr<WinogradConv> data_winograd;
  WeightCache data_filter_from;
  // Filter@GRAD = backward_weights(Input, Output@GRAD)
  std::optional<dnnl::convolution_backward_weights> weights;
  Arg w_src, w_ddst, w_dw;
  memory w_scratch;
  // Set when Winograd computes Filter@GRAD in place of backward_weights (from w_src and w_ddst,
  // both channels-last, straight into Filter@GRAD): the forward convolution's geometry.
  std::optional<WinogradShape> weights_winograd;
  // Both primitives read Output@GRAD reordered into the same layout (bfloat16 above all): the
  // copy made for backward_data serves backward_weights too.
  bool shared_ddst = false;
};

struct ConvGradState : KernelState {
  // By Input dims, Input's and Output@GRAD's layouts, and whether each of Input@GRAD and
  // Filter@GRAD is wanted.
  std::map<std::tuple<Dims, int, int, bool, bool>, ConvGradPlan> plans;
};

// in_type: what the primitives read Input, Filter and Output@GRAD as (f32, or bf16 for
// oneDNN's bfloat16 kernels); emulate_bf16: f32 primitives on rounded copies of them.
ConvGradPlan MakeGradPlan(const dnnl::engine& engine, const ConvShape& s, int x_layout,
                          int dy_layout, bool want_data, bool want_weights,
                          memory::data_type in_type, bool emulate_bf16) {
  const auto f32 = memory::data_type::f32;
  const int64_t g = s.groups, ic = s.in.c, oc = s.out.c;
  const memory::dims src{s.in.n, ic, s.in.h, s.in.w}, dst{s.out.n, oc, s.out.h, s.out.w};
  const memory::dims wdims = g == 1 ? memory::dims{oc, ic, s.win.k[0], s.win.k[1]}
                                    : memory::dims{g, oc / g, ic / g, s.win.k[0], s.win.k[1]};
  const Tag act = s.in.nhwc ? Tag::nhwc : Tag::nchw;
  const auto user = [&](const memory::dims& d, int layout) {
    return memory::desc(d, f32, layout ? static_cast<Tag>(layout) : act);
  };
  // NCHW convolutions' gradients run channels-last, the layout of the forward's primitives and of
  // the activations around them, and write Input@GRAD so: whatever arrives plain is reordered
  // once, on the way in.
  const bool channels_last = !s.in.nhwc;
  const memory::desc src_user = user(src, x_layout), dst_user = user(dst, dy_layout),
                     dsrc_user = user(src, channels_last ? ChannelsLastLayout() : 0),
                     w_plain(wdims, f32, g == 1 ? Tag::oihw : Tag::goihw);
  const Tag pick = channels_last ? Tag::acdb : Tag::any;
  const memory::desc src_any(src, in_type, pick), dst_any(dst, in_type, pick),
      w_any(wdims, in_type, Tag::any);
  // The gradients the primitives write are float32 whatever they read.
  const memory::desc dsrc_any(src, f32, pick), dw_any(wdims, f32, Tag::any);
  const memory::dims strides{s.win.stride[0], s.win.stride[1]};
  // oneDNN counts dilation from 0 (no gap), Paddle from 1.
  const memory::dims dil{s.win.dilation[0] - 1, s.win.dilation[1] - 1};
  const memory::dims pad_l{s.win.pad_begin[0], s.win.pad_begin[1]};
  const memory::dims pad_r{s.win.pad_end[0], s.win.pad_end[1]};
  const auto alg = dnnl::algorithm::convolution_direct;
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  const dnnl::convolution_forward::primitive_desc hint(
      engine, dnnl::prop_kind::forward_training, alg, src_any, w_any, dst_any, strides, dil,
      pad_l, pad_r);

  ConvGradPlan p;
  p.dsrc_layout = channels_last ? ChannelsLastLayout() : 0;
  if (want_data) {
    dnnl::convolution_backward_data::primitive_desc pd(engine, alg, dsrc_any, w_any, dst_any,
                                                       strides, dil, pad_l, pad_r, hint, attr);
    p.data.emplace(pd);
    p.data_ddst = MakeArg(engine, dst_user, pd.diff_dst_desc(), false, emulate_bf16);
    p.data_w = MakeArg(engine, w_plain, pd.weights_desc(), false, emulate_bf16);
    p.data_dsrc = MakeArg(engine, dsrc_user, pd.diff_src_desc(), true);
    p.data_scratch = memory(pd.scratchpad_desc(), engine, DNNL_MEMORY_NONE);
  }
  if (want_weights) {
    dnnl::convolution_backward_weights::primitive_desc pd(
        engine, alg, src_any, dw_any, dst_any, strides, dil, pad_l, pad_r, hint, attr);
    p.weights.emplace(pd);
    p.w_src = MakeArg(engine, src_user, pd.src_desc(), false, emulate_bf16);
    p.w_ddst = MakeArg(engine, dst_user, pd.diff_dst_desc(), false, emulate_bf16);
    p.w_dw = MakeArg(engine, w_plain, pd.diff_weights_desc(), true);
    p.w_scratch = memory(pd.scratchpad_desc(), engine, DNNL_MEMORY_NONE);
  }
  p.shared_ddst = want_data && want_weights && p.data_ddst.reorder && p.w_ddst.reorder &&
                  p.data_ddst.mem.get_desc() == p.w_ddst.mem.get_desc();
  return p;
}

// MakeGradPlan reading float32 (bf16 false) or bfloat16: on oneDNN's bfloat16 kernels where it
// has them for this shape, else emulated on the float32 ones.
ConvGradPlan MakeConvGradPlan(const dnnl::engine& engine, const ConvShape& s, int x_layout,
                              int dy_layout, bool want_data, bool want_weights, bool bf16) {
  if (bf16 && !Bf16EmulationForced()) {
    try {
      return MakeGradPlan(engine, s, x_layout, dy_layout, want_data, want_weights,
                          memory::data_type::bf16, false);
    } catch (const dnnl::error& e) {
      if (e.status != dnnl_unimplemented) throw;
    }
  }
  return MakeGradPlan(engine, s, x_layout, dy_layout, want_data, want_weights,
                      memory::data_type::f32, bf16);
}

// Hands Input@GRAD and Filter@GRAD to the Winograd kernels when the forward convolution is one
// they compute and the primitives' Input, Output@GRAD and Input@GRAD are channels-last.
void ChooseWinograd(const ConvShape& s, bool bf16, int threads, ConvGradPlan* p) {
  if (bf16) return;
  const std::optional<WinogradShape> data = WinogradBackwardData(s);
  if (p->data && data && IsChannelsLastF32(p->data_ddst.mem) &&
      IsChannelsLastF32(p->data_dsrc.mem) && !p->data_dsrc.reorder &&
      WinogradPays(*data, threads)) {
    p->data_winograd = std::make_unique<WinogradConv>(*data);
    p->data_w = Arg{};  // the primitive's filter copy is not needed
    p->data_scratch = memory();
  }
  const std::optional<WinogradShape> forward = WinogradForward(s);
  if (p->weights && forward && IsChannelsLastF32(p->w_src.mem) &&
      IsChannelsLastF32(p->w_ddst.mem) && WinogradPays(*forward, threads)) {
    p->weights_winograd = forward;
    p->w_dw = Arg{};  // Winograd writes Filter@GRAD in Paddle's layout itself
    p->w_scratch = memory();
  }
}

// Bias@GRAD[c] = the sum of Output@GRAD over n, h, w (stored channels-last when nhwc).
void BiasGrad(const ConvShape& s, bool nhwc, const float* dy, float* db) {
  const int64_t C = s.out.c, plane = s.out.h * s.out.w;
  std::vector<double> acc(static_cast<size_t>(C), 0.0);
  for (int64_t n = 0; n < s.out.n; ++n) {
    const float* d = dy + n * C * plane;
    for (int64_t c = 0; c < C; ++c) {
      for (int64_t p = 0; p < plane; ++p) {
        acc[static_cast<size_t>(c)] += nhwc ? d[p * C + c] : d[c * plane + p];
      }
    }
  }
  for (int64_t c = 0; c < C; ++c) db[c] = static_cast<float>(acc[static_cast<size_t>(c)]);
}

void ConvGradKernel(OpContext& ctx) {
  const ConvShape s = GradShapeOf(ctx);
  const bool want_data = ctx.HasOutput("Input@GRAD");
  const bool want_weights = ctx.HasOutput("Filter@GRAD");
  const Tensor& x = ctx.In("Input");
  const Tensor& dy = ctx.In("Output@GRAD");
  if (ctx.HasOutput("Bias@GRAD")) {
    PD_CHECK(ctx.HasInput("Bias") && ctx.In("Bias").numel() == s.out.c, ctx.op().type(),
             ": Bias must hold ", s.out.c, " values");
    PD_CHECK(dy.layout() == 0 || StoredChannelsLast(dy), ctx.op().type(),
             ": Bias@GRAD from an Output@GRAD in layout ", dy.layout());
    BiasGrad(s, s.out.nhwc || StoredChannelsLast(dy), dy.data<float>(),
             ctx.Out("Bias@GRAD")->mutable_data<float>());
  }
  if (!want_data && !want_weights) return;
  auto& plans = ctx.State<ConvGradState>().plans;
  CpuContext& cpu = CpuContextOf(ctx);
  WithDnnl(ctx, [&] {
    const auto key = std::make_tuple(x.dims(), x.layout(), dy.layout(), want_data, want_weights);
    auto it = plans.find(key);
    if (it == plans.end()) {
      const bool bf16 = WantsBf16(ctx.op());
      ConvGradPlan plan = MakeConvGradPlan(cpu.engine(), s, x.layout(), dy.layout(), want_data,
                                           want_weights, bf16);
      ChooseWinograd(s, bf16, ctx.device().num_threads(), &plan);
      it = plans.emplace(key, std::move(plan)).first;
    }
    ConvGradPlan& p = it->second;
    dnnl::stream& stream = cpu.stream_ref();
    TempBuffers temp;  // freed after stream.wait() below
    if (p.data_winograd) {
      Bind(temp, p.data_ddst);
      ReorderIn(stream, p.data_ddst, dy.raw_data());
      const Tensor& filter = ctx.In("Filter");
      const int threads = ctx.device().num_threads();
      if (p.data_filter_from.Changed(filter))
        p.data_winograd->SetBackwardDataFilter(filter.data<float>(), threads);
      Tensor* dx = ctx.Out("Input@GRAD");
      float* out = dx->mutable_data_for_overwrite<float>();
      dx->set_layout(p.dsrc_layout);
      float* scratch = static_cast<float*>(
          temp.Borrow(p.data_winograd->ScratchFloats(threads) * sizeof(float)));
      stream.wait();
      p.data_winograd->Run(static_cast<const float*>(p.data_ddst.mem.get_data_handle()),
                           nullptr, out, WinogradPostOps{}, threads, scratch);
    } else if (p.data) {
      for (Arg* a : {&p.data_ddst, &p.data_w, &p.data_dsrc}) Bind(temp, *a);
      temp.Bind(p.data_scratch);
      ReorderIn(stream, p.data_ddst, dy.raw_data());
      ReorderIn(stream, p.data_w, ctx.In("Filter").raw_data());
      Tensor* dx = ctx.Out("Input@GRAD");
      p.data_dsrc.user.set_data_handle(dx->mutable_data_for_overwrite<float>());
      dx->set_layout(p.dsrc_layout);
      p.data->execute(stream, {{DNNL_ARG_DIFF_DST, p.data_ddst.mem},
                               {DNNL_ARG_WEIGHTS, p.data_w.mem},
                               {DNNL_ARG_DIFF_SRC, p.data_dsrc.mem},
                               {DNNL_ARG_SCRATCHPAD, p.data_scratch}});
      if (p.data_dsrc.reorder) p.data_dsrc.reorder->execute(stream, p.data_dsrc.mem,
                                                            p.data_dsrc.user);
    }
    if (p.weights) {
      Bind(temp, p.w_src);
      ReorderIn(stream, p.w_src, x.raw_data());
      if (p.shared_ddst) {
        p.w_ddst.mem.set_data_handle(p.data_ddst.mem.get_data_handle());
      } else {
        Bind(temp, p.w_ddst);
        ReorderIn(stream, p.w_ddst, dy.raw_data());
      }
      float* dw = ctx.Out("Filter@GRAD")->mutable_data_for_overwrite<float>();
      if (p.weights_winograd) {
        float* scratch = static_cast<float*>(
            temp.Borrow(WinogradFilterGradScratchFloats(*p.weights_winograd) * sizeof(float)));
        stream.wait();
        WinogradFilterGrad(*p.weights_winograd,
                           static_cast<const float*>(p.w_src.mem.get_data_handle()),
                           static_cast<const float*>(p.w_ddst.mem.get_data_handle()), dw,
                           ctx.device().num_threads(), scratch);
      } else {
        Bind(temp, p.w_dw);
        temp.Bind(p.w_scratch);
        p.w_dw.user.set_data_handle(dw);
        p.weights->execute(stream, {{DNNL_ARG_SRC, p.w_src.mem},
                                    {DNNL_ARG_DIFF_DST, p.w_ddst.mem},
                                    {DNNL_ARG_DIFF_WEIGHTS, p.w_dw.mem},
                                    {DNNL_ARG_SCRATCHPAD, p.w_scratch}});
        if (p.w_dw.reorder) p.w_dw.reorder->execute(stream, p.w_dw.mem, p.w_dw.user);
      }
    }
    stream.wait();
  });
}

}  // namespace

void RegisterConvGradKernels(OpRegistry& r) {
  for (const char* type : {"conv2d", "depthwise_conv2d"}) {
    r.SetGradMaker(type, ConvGradMaker);
    const std::string grad = std::string(type) + "_grad";
    r.Add(grad, ConvGradInferShape, "Output@GRAD");
    r.AddKernel(grad, DeviceType::kCPU, DType::kFP32, ConvGradKernel);
    // Input and Output@GRAD are read through DescOf-style descriptors of their layouts.
    r.SetLayoutRule(grad, DeviceType::kCPU, [](const OpView& op) -> LayoutCheck {
      return op.GetString("data_format", "NCHW") != "NHWC" ? AcceptsAnyLayout : nullptr;
    });
  }
}

}  // namespace pd
