// conv2d_grad and depthwise_conv2d_grad on cuDNN: Input@GRAD by backward data, Filter@GRAD by
// backward filter (a depthwise conv is a convolution in as many groups as input channels),
// Bias@GRAD (where the forward op had a Bias) as Output@GRAD summed per channel. Any of the
// three may be absent. The geometry is kernels/conv_shape.h's, which the CPU kernel uses too.
//
// cuDNN is handed NCHW images padded evenly: an NHWC op, or one padded unevenly (SAME with an
// odd total, four explicit paddings), works on NCHW copies, Input padded into its copy first and
// Input@GRAD cropped out of its copy after. Input cells no window reaches (the rows a stride
// skips at the end) get a zero gradient either way. With channels-last on (cuda/layout.h) a
// plain convolution takes NHWC images and a KRSC filter instead and writes Input@GRAD
// channels-last.
//
// The algorithms are found per input shape by timing every candidate once (cudnnFind, as the
// forward does), as PyTorch's cudnn.benchmark and Paddle do: the fastest, unless
// GOHUB_CUDNN_DETERMINISTIC asks for deterministic ones (Paddle's FLAGS_cudnn_deterministic);
// one that refuses its call gives way to the next (cuda/conv_algos.h).
// fp32 math is pure FMA unless the config allows TF32. An op marked for bfloat16 (as the
// forward, cuda/conv.cc) reads bfloat16 copies of Output@GRAD, the filter and Input and writes
// its gradients through bfloat16 buffers widened to float32, where cuDNN takes the images as they
// are (even padding, NCHW data_format).
#include <algorithm>
#include <array>
#include <string>
#include <utility>
#include <vector>

#include "cuda/bf16_buffers.h"
#include "cuda/conv_algos.h"
#include "cuda/conv_filter.h"
#include "cuda/conv_grad.h"
#include "cuda/conv_math.h"
#include "cuda/layout.h"
#include "cuda/op_util.h"
#include "cuda/register.h"
#include "kernels/conv_shape.h"

namespace pd::cuda {
namespace {

// cuDNN descriptors and chosen algorithms for one op, rebuilt when the input shape changes. The
// two gradients have a convolution descriptor each: each carries its algorithm's math type.
struct ConvGradState final : KernelState {
  ConvGradState() {
    PD_CUDNN_CHECK(cudnnCreateTensorDescriptor(&x));
    PD_CUDNN_CHECK(cudnnCreateTensorDescriptor(&dy));
    PD_CUDNN_CHECK(cudnnCreateFilterDescriptor(&w));
    PD_CUDNN_CHECK(cudnnCreateConvolutionDescriptor(&data_conv));
    PD_CUDNN_CHECK(cudnnCreateConvolutionDescriptor(&filter_conv));
  }
  ~ConvGradState() override {
    cudnnDestroyTensorDescriptor(x);
    cudnnDestroyTensorDescriptor(dy);
    cudnnDestroyFilterDescriptor(w);
    cudnnDestroyConvolutionDescriptor(data_conv);
    cudnnDestroyConvolutionDescriptor(filter_conv);
  }
  cudnnTensorDescriptor_t x, dy;
  cudnnFilterDescriptor_t w;
  cudnnConvolutionDescriptor_t data_conv, filter_conv;
  Dims input_dims;  // the shape the descriptors describe; empty: not built
  ConvShape shape{};
  bool pad_copy = false;  // padding applied by copying, cuDNN's own padding 0
  // Channels-last (cuda/layout.h): Input, Output@GRAD and Input@GRAD NHWC, the filter and its
  // gradient in KRSC order.
  bool nhwc = false;
  bool bf16 = false;  // bfloat16 images and filter, summing in float32 (kernels/bf16_attr.h)
  ImageGeometry x_nchw{};  // Input as cuDNN sees it (NCHW unless nhwc)
  ConvAlgos data_algos, filter_algos;  // empty: not found (yet) for this form
  // Forms ({nhwc, bf16}) where every algorithm of a gradient refused its call: not tried
  // again; refusal is cuDNN's last answer, for the error when no form is left.
  std::vector<std::pair<bool, bool>> refused_forms;
  cudnnStatus_t refusal = CUDNN_STATUS_SUCCESS;
  // Inputs in the layout the descriptors describe, the filter in the layout and type they
  // describe (cuda/conv_filter.h) and Filter@GRAD in KRSC before it goes back to KCRS.
  Tensor x_copy, dy_copy, dw_krsc;
  ConvFilterCopies filter;
};

void SetImage(cudnnTensorDescriptor_t d, int64_t n, int64_t c, int64_t h, int64_t w,
              bool nhwc, cudnnDataType_t type) {
  PD_CUDNN_CHECK(cudnnSetTensor4dDescriptor(d, nhwc ? CUDNN_TENSOR_NHWC : CUDNN_TENSOR_NCHW, type,
                                            int(n), int(c), int(h), int(w)));
}

// The descriptors for the op's shape: channels-last where that is wanted and allow_nhwc,
// bfloat16 where the op runs so and allow_bf16.
void Describe(OpContext& ctx, CudaContext& cu, ConvGradState& st, bool allow_nhwc,
              bool allow_bf16) {
  const ConvShape& s = st.shape;
  const auto& pb = s.win.pad_begin;
  const auto& pe = s.win.pad_end;
  // cuDNN pads the same on both sides, and never negatively.
  st.pad_copy = pb != pe || std::min({pb[0], pb[1], pe[0], pe[1]}) < 0;
  st.nhwc = allow_nhwc && ChannelsLastWanted() && s.groups == 1 && !st.pad_copy && !s.in.nhwc;
  st.bf16 = allow_bf16 && ConvRunsBf16(ctx, cu, s.groups) && !st.pad_copy && !s.in.nhwc;
  const cudnnDataType_t type = st.bf16 ? CUDNN_DATA_BFLOAT16 : CUDNN_DATA_FLOAT;
  st.x_nchw = {s.in.n, s.in.c, s.in.h, s.in.w, false};
  std::array<int64_t, 2> pad = pb;
  if (st.pad_copy) {
    st.x_nchw.h += pb[0] + pe[0];
    st.x_nchw.w += pb[1] + pe[1];
    pad = {0, 0};
  }
  SetImage(st.x, s.in.n, s.in.c, st.x_nchw.h, st.x_nchw.w, st.nhwc, type);
  SetImage(st.dy, s.out.n, s.out.c, s.out.h, s.out.w, st.nhwc, type);
  const Tensor& f = ctx.In("Filter");
  PD_CUDNN_CHECK(cudnnSetFilter4dDescriptor(st.w, type,
                                            st.nhwc ? CUDNN_TENSOR_NHWC : CUDNN_TENSOR_NCHW,
                                            int(f.dim(0)), int(f.dim(1)), int(f.dim(2)),
                                            int(f.dim(3))));
  for (cudnnConvolutionDescriptor_t conv : {st.data_conv, st.filter_conv}) {
    PD_CUDNN_CHECK(cudnnSetConvolution2dDescriptor(
        conv, int(pad[0]), int(pad[1]), int(s.win.stride[0]), int(s.win.stride[1]),
        int(s.win.dilation[0]), int(s.win.dilation[1]), CUDNN_CROSS_CORRELATION,
        CUDNN_DATA_FLOAT));
    PD_CUDNN_CHECK(cudnnSetConvolutionGroupCount(conv, int(s.groups)));
    PD_CUDNN_CHECK(cudnnSetConvolutionMathType(conv, ConvMathType(cu, st.bf16)));
  }
  st.data_algos.Clear();
  st.filter_algos.Clear();
}

// Each finds its gradient's algorithms; false when cuDNN has none (st.refusal then says why,
// where cuDNN refused the form outright).
bool FindDataAlgos(CudaContext& cu, ConvGradState& st) {
  int max = 0;
  PD_CUDNN_CHECK(cudnnGetConvolutionBackwardDataAlgorithmMaxCount(cu.cudnn(), &max));
  const cudnnStatus_t status = FindConvAlgos<cudnnConvolutionBwdDataAlgoPerf_t>(
      cu, max,
      [&](int n, int* found, cudnnConvolutionBwdDataAlgoPerf_t* perf) {
        return cudnnFindConvolutionBackwardDataAlgorithm(cu.cudnn(), st.w, st.dy, st.data_conv,
                                                         st.x, n, found, perf);
      },
      st.data_conv, &st.data_algos);
  if (status != CUDNN_STATUS_SUCCESS) st.refusal = status;
  return !st.data_algos.empty();
}

bool FindFilterAlgos(CudaContext& cu, ConvGradState& st) {
  int max = 0;
  PD_CUDNN_CHECK(cudnnGetConvolutionBackwardFilterAlgorithmMaxCount(cu.cudnn(), &max));
  const cudnnStatus_t status = FindConvAlgos<cudnnConvolutionBwdFilterAlgoPerf_t>(
      cu, max,
      [&](int n, int* found, cudnnConvolutionBwdFilterAlgoPerf_t* perf) {
        return cudnnFindConvolutionBackwardFilterAlgorithm(cu.cudnn(), st.x, st.dy,
                                                           st.filter_conv, st.w, n, found, perf);
      },
      st.filter_conv, &st.filter_algos);
  if (status != CUDNN_STATUS_SUCCESS) st.refusal = status;
  return !st.filter_algos.empty();
}

// The algorithms of the gradients asked for. Where cuDNN has none for this shape in
// channels-last or in bfloat16, or all of them refused their calls, the op runs plain, then in
// float32, then both.
void EnsureAlgos(OpContext& ctx, CudaContext& cu, ConvGradState& st, bool data, bool filter) {
  for (int fallback = 1;; ++fallback) {
    const auto& refused = st.refused_forms;
    const bool usable = std::find(refused.begin(), refused.end(),
                                  std::make_pair(st.nhwc, st.bf16)) == refused.end();
    const bool data_ok =
        usable && (!data || !st.data_algos.empty() || FindDataAlgos(cu, st));
    const bool filter_ok =
        usable && (!filter || !st.filter_algos.empty() || FindFilterAlgos(cu, st));
    if (data_ok && filter_ok) return;
    PD_CHECK((st.nhwc || st.bf16) && fallback <= 3, ctx.op().type(),
             ": cuDNN has no algorithm for this ", data_ok ? "Filter@GRAD" : "Input@GRAD",
             st.refusal != CUDNN_STATUS_SUCCESS
                 ? std::string(" (") + cudnnGetErrorString(st.refusal) + ")"
                 : std::string());
    Describe(ctx, cu, st, (fallback & 1) == 0, fallback == 1);
  }
}

// Runs call(algorithm, workspace, bytes) with each of algos' candidates in turn until one does
// not refuse; false when all refused (st.refusal then holds cuDNN's last answer).
template <typename Call>
bool RunFirstAccepted(CudaContext& cu, ConvGradState& st, ConvAlgos& algos,
                      cudnnConvolutionDescriptor_t conv, const char* what, Call&& call) {
  for (;;) {
    const ConvAlgo& a = algos.current();
    const cudnnStatus_t status =
        call(a.algo, a.workspace ? cu.Workspace(a.workspace) : nullptr, a.workspace);
    if (status == CUDNN_STATUS_SUCCESS) return true;
    PD_CHECK(ConvRefused(status), what, ": ", cudnnGetErrorString(status));
    st.refusal = status;
    if (!algos.Drop(conv)) return false;
  }
}

float* Scratch(Tensor& t, const CudaContext& cu, const ImageGeometry& g) {
  t.set_place(cu.place());
  t.Resize({g.n, g.c, g.h, g.w});
  return t.mutable_data<float>();
}

// What both gradients read: Input and Output@GRAD as cuDNN takes them, the filter (KRSC when
// nhwc), cuDNN's workspace, and where the Input cells sit in the image cuDNN sees (copy: it is
// a padded NCHW copy, shifted by top, left).
struct GradRun {
  const float* x;   // float32 (the padded copy is made from it)
  const void* dy;   // float32, or bfloat16 with bf16
  const void* w;    // float32, or bfloat16 with bf16
  const void* x16;  // with bf16: Input in bfloat16
  bool dx_bf16;     // with bf16: Input@GRAD left in bfloat16, as cuDNN writes it
  bool copy;
  int64_t top, left;
  // With bf16, what cuDNN writes before it is widened: this call's alone, the pool takes it
  // back in stream order (a predictor, whose runs may be recorded, never runs bfloat16).
  Tensor* bf16_out;
};

// Each computes its gradient; false when every algorithm refused its call.
bool InputGrad(CudaContext& cu, ConvGradState& st, const GradRun& run,
               const ImageGeometry& in, float* dx) {
  const float one = 1.0f, zero = 0.0f;
  Tensor copy;
  float* target = run.copy ? Scratch(copy, cu, st.x_nchw) : dx;
  void* written = target;
  const int64_t n = in.n * in.c * in.h * in.w;
  const bool widen = st.bf16 && !run.dx_bf16;
  if (widen) written = Bf16Buffer(n, cu.place(), run.bf16_out);  // never a padded copy
  const bool ran = RunFirstAccepted(
      cu, st, st.data_algos, st.data_conv, "cudnnConvolutionBackwardData",
      [&](int algo, void* workspace, size_t bytes) {
        return cudnnConvolutionBackwardData(cu.cudnn(), &one, st.w, run.w, st.dy, run.dy,
                                            st.data_conv,
                                            static_cast<cudnnConvolutionBwdDataAlgo_t>(algo),
                                            workspace, bytes, &zero, st.x, written);
      });
  if (!ran) return false;
  if (widen) LaunchFromBf16(static_cast<const uint16_t*>(written), target, n, cu.cuda_stream());
  if (run.copy)
    LaunchShiftImage(target, st.x_nchw, dx, in, run.top, run.left, cu.cuda_stream());
  return true;
}

bool FilterGrad(CudaContext& cu, ConvGradState& st, const GradRun& run, const ImageGeometry& in,
                const Tensor& filter, float* dw) {
  const float one = 1.0f, zero = 0.0f;
  const float* x = run.x;
  Tensor copy;
  if (run.copy) {
    float* p = Scratch(copy, cu, st.x_nchw);
    LaunchShiftImage(x, in, p, st.x_nchw, -run.top, -run.left, cu.cuda_stream());
    x = p;
  }
  // With nhwc cuDNN writes the gradient in KRSC order; it goes back to the filter's KCRS.
  float* target = dw;
  if (st.nhwc) {
    st.dw_krsc.set_place(cu.place());
    st.dw_krsc.Resize(filter.dims());
    target = st.dw_krsc.mutable_data_for_overwrite<float>();
  }
  // With bf16 cuDNN reads Input in bfloat16 and writes the gradient so, widened after.
  const void* image = st.bf16 ? run.x16 : x;
  void* written = target;
  if (st.bf16) written = Bf16Buffer(filter.numel(), cu.place(), run.bf16_out);
  const bool ran = RunFirstAccepted(
      cu, st, st.filter_algos, st.filter_conv, "cudnnConvolutionBackwardFilter",
      [&](int algo, void* workspace, size_t bytes) {
        return cudnnConvolutionBackwardFilter(cu.cudnn(), &one, st.x, image, st.dy, run.dy,
                                              st.filter_conv,
                                              static_cast<cudnnConvolutionBwdFilterAlgo_t>(algo),
                                              workspace, bytes, &zero, st.w, written);
      });
  if (!ran) return false;
  if (st.bf16)
    LaunchFromBf16(static_cast<const uint16_t*>(written), target, filter.numel(),
                   cu.cuda_stream());
  if (st.nhwc) {
    const ImageGeometry krsc{filter.dim(0), filter.dim(1), filter.dim(2), filter.dim(3), true};
    ImageGeometry kcrs = krsc;
    kcrs.nhwc = false;
    LaunchShiftImage(target, krsc, dw, kcrs, 0, 0, cu.cuda_stream());
  }
  return true;
}

void ConvGradKernel(OpContext& ctx) {
  CudaContext& cu = Ctx(ctx);
  ConvGradState& st = ctx.State<ConvGradState>();
  const Tensor& x = ctx.In("Input");
  // The geometry and descriptors depend on the input's shape alone: worked out once per shape.
  if (st.input_dims != x.dims()) {
    st.input_dims.clear();
    st.shape = ConvShapeOf(ctx, false);
    st.nhwc = false;
    if (st.shape.in.n > 0) Describe(ctx, cu, st, true, true);
    st.input_dims = x.dims();
  }
  const ConvShape& s = st.shape;
  const Tensor& dy = ctx.In("Output@GRAD");
  PD_CHECK(dy.dtype() == DType::kFP32 && dy.dims() == s.out.ToDims(), ctx.op().type(),
           ": Output@GRAD ", DimsToString(dy.dims()), " does not match the forward output ",
           DimsToString(s.out.ToDims()));
  const cudaStream_t stream = cu.cuda_stream();
  // The algorithms before anything is read or written: a fallback changes the layout.
  const bool want_dx = ctx.HasOutput("Input@GRAD"), want_dw = ctx.HasOutput("Filter@GRAD");
  if (s.in.n > 0 && (want_dx || want_dw)) EnsureAlgos(ctx, cu, st, want_dx, want_dw);
  // Input and Output@GRAD as the descriptors take them: NHWC with nhwc, else plain (a
  // channels-last tensor reaching a convolution that cannot run so is brought back first).
  // A bfloat16 Input and Output@GRAD in the descriptors' order (an activation and its gradient,
  // cuda/layout.h) are the bfloat16 images cuDNN reads, as they are; Input@GRAD is then left
  // in bfloat16 as cuDNN writes it, the gradient of a bfloat16 activation.
  const bool x_as_stored = st.bf16 && IsGpuBf16(x) && IsGpuChannelsLast(x) == st.nhwc;
  const bool dy_as_stored = st.bf16 && IsGpuBf16(dy) && IsGpuChannelsLast(dy) == st.nhwc &&
                            !ctx.HasOutput("Bias@GRAD");
  const float* xp =
      s.in.n > 0 && !x_as_stored ? InLayout(x, st.nhwc, &st.x_copy, stream) : nullptr;
  const float* dyp = dy_as_stored ? nullptr : InLayout(dy, st.nhwc, &st.dy_copy, stream);
  // The images as their pointers hold them: data_format NHWC (logical NHWC dims, plain memory)
  // or channels-last storage alike.
  const ImageGeometry in{s.in.n, s.in.c, s.in.h, s.in.w, s.in.nhwc || st.nhwc};
  const ImageGeometry out{s.out.n, s.out.c, s.out.h, s.out.w, s.out.nhwc || st.nhwc};
  if (ctx.HasOutput("Bias@GRAD")) {
    PD_CHECK(ctx.HasInput("Bias") && ctx.In("Bias").numel() == s.out.c, ctx.op().type(),
             ": Bias must hold ", s.out.c, " values");
    LaunchChannelSum(dyp, out, ctx.Out("Bias@GRAD")->mutable_data_for_overwrite<float>(),
                     stream);
  }
  // cuDNN writes both in full (beta 0), as does the crop out of a padded copy; an empty batch
  // fills Filter@GRAD below.
  float* dx = nullptr;
  if (want_dx) {
    Tensor* t = ctx.Out("Input@GRAD");
    dx = static_cast<float*>(
        OutputIn(t, (st.nhwc ? kGpuChannelsLast : 0) | (x_as_stored ? kGpuBf16 : 0)));
  }
  float* dw = want_dw ? ctx.Out("Filter@GRAD")->mutable_data_for_overwrite<float>() : nullptr;
  if (s.in.n == 0 || (dx == nullptr && dw == nullptr)) {
    // An empty batch, which cuDNN cannot describe: Filter@GRAD sums nothing.
    if (dw != nullptr)
      PD_CUDA_CHECK(cudaMemsetAsync(dw, 0, ctx.Out("Filter@GRAD")->nbytes(), stream));
    CheckLaunch(ctx);
    return;
  }

  const Tensor& filter = ctx.In("Filter");
  Tensor dy_bf16, x_bf16, out_bf16;
  GradRun run{xp,
              dyp,
              filter.data<float>(),
              nullptr,
              x_as_stored,
              st.pad_copy || s.in.nhwc,
              st.pad_copy ? s.win.pad_begin[0] : 0,
              st.pad_copy ? s.win.pad_begin[1] : 0,
              &out_bf16};
  if (dx != nullptr) run.w = st.filter.Get(filter, st.nhwc, st.bf16, stream);
  if (st.bf16) {  // no padded copy and no NHWC data_format here (Describe)
    run.dy =
        dy_as_stored ? dy.raw_data() : Bf16Copy(dyp, dy.numel(), cu.place(), &dy_bf16, stream);
    if (dw != nullptr)
      run.x16 = x_as_stored ? x.raw_data() : Bf16Copy(xp, x.numel(), cu.place(), &x_bf16, stream);
  }
  Tensor dy_copy;
  if (s.out.nhwc) {  // data_format NHWC: cuDNN is handed NCHW copies
    const ImageGeometry nchw{out.n, out.c, out.h, out.w, false};
    float* p = Scratch(dy_copy, cu, nchw);
    LaunchShiftImage(dyp, out, p, nchw, 0, 0, stream);
    run.dy = p;
  }
  // The workspace for the larger of the two, taken once (a recorded run cannot grow it).
  const size_t ws =
      std::max(dx != nullptr ? st.data_algos.current().workspace : 0,
               dw != nullptr ? st.filter_algos.current().workspace : 0);
  if (ws != 0) cu.Workspace(ws);
  if ((dx != nullptr && !InputGrad(cu, st, run, in, dx)) ||
      (dw != nullptr && !FilterGrad(cu, st, run, in, filter, dw))) {
    // Every algorithm of a gradient refused: the op runs again, from the start, in its next
    // form (what was written is written again, in the new layout).
    st.refused_forms.emplace_back(st.nhwc, st.bf16);
    st.input_dims.clear();
    ConvGradKernel(ctx);
    return;
  }
  CheckLaunch(ctx);
}

}  // namespace

void RegisterConvGradKernels(OpRegistry& r) {
  for (const char* type : {"conv2d_grad", "depthwise_conv2d_grad"}) {
    r.AddKernel(type, DeviceType::kGPU, DType::kFP32, ConvGradKernel);
    r.SetLayoutRule(type, DeviceType::kGPU, AnyLayoutRule());
  }
}

}  // namespace pd::cuda
