// conv2d, depthwise_conv2d and conv2d_transpose on cuDNN, NCHW fp32, with what the graph passes
// fused into them: Bias (conv_bn_fuse / conv_elementwise_add), ResidualData
// (conv_elementwise_add_mkldnn_fuse_pass) and fuse_activation. A conv with bias and relu runs as
// one cuDNN call (cudnnConvolutionBiasActivationForward, the residual as its z); the others run
// the convolution, then one epilogue kernel for bias, residual and activation.
//
// The algorithm is picked per input shape by timing every candidate once (cudnnFind, what
// PyTorch's cudnn.benchmark does); one that refuses its call gives way to the next
// (cuda/conv_algos.h). fp32 math is pure FMA unless the config allows TF32. An op
// marked for bfloat16 (mkldnn_data_type, kernels/bf16_attr.h: a training program under
// RunConfig.AMP) runs on bfloat16 copies of its input and filter, summing in float32, on GPUs
// with bfloat16 tensor cores (compute capability 8 and up); cuDNN writes its output in
// bfloat16, widened to float32 before the epilogue, or, with no epilogue and bfloat16
// activations on (ExecConfig::gpu_bf16_activations), left so for the batch norm after it; a
// bfloat16 input (a batch norm's output) is read as it is (cuda/layout.h).
#include <algorithm>
#include <iterator>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "cuda/bf16_buffers.h"
#include "cuda/conv_algos.h"
#include "cuda/conv_filter.h"
#include "cuda/conv_math.h"
#include "cuda/dense_launch.h"
#include "cuda/layout.h"
#include "cuda/op_util.h"
#include "cuda/register.h"
#include "kernels/conv_shape.h"

namespace pd::cuda {
namespace {

struct ConvAct {
  Act act = Act::kNone;
  float alpha = 0, beta = 0;
};

ConvAct FusedActivation(const OpView& op) {
  static const std::map<std::string, Act> kActs = {
      {"", Act::kNone},          {"relu", Act::kRelu},       {"leaky_relu", Act::kLeakyRelu},
      {"relu6", Act::kRelu6},    {"sigmoid", Act::kSigmoid}, {"tanh", Act::kTanh},
      {"swish", Act::kSwish},    {"hard_swish", Act::kHardSwish}};
  const std::string name = op.GetString("fuse_activation", "");
  const auto it = kActs.find(name);
  PD_CHECK(it != kActs.end(), op.type(), ": fuse_activation '", name, "' is not supported");
  return {it->second, op.GetFloat("fuse_alpha", 0.0f), op.GetFloat("fuse_beta", 0.0f)};
}

// cuDNN descriptors and the chosen algorithm for one op, rebuilt when the input shape changes.
struct ConvState final : KernelState {
  ConvState() {
    PD_CUDNN_CHECK(cudnnCreateTensorDescriptor(&x));
    PD_CUDNN_CHECK(cudnnCreateTensorDescriptor(&y));
    PD_CUDNN_CHECK(cudnnCreateTensorDescriptor(&bias));
    PD_CUDNN_CHECK(cudnnCreateFilterDescriptor(&w));
    PD_CUDNN_CHECK(cudnnCreateConvolutionDescriptor(&conv));
    PD_CUDNN_CHECK(cudnnCreateActivationDescriptor(&relu));
    PD_CUDNN_CHECK(
        cudnnSetActivationDescriptor(relu, CUDNN_ACTIVATION_RELU, CUDNN_NOT_PROPAGATE_NAN, 0.0));
  }
  ~ConvState() override {
    cudnnDestroyTensorDescriptor(x);
    cudnnDestroyTensorDescriptor(y);
    cudnnDestroyTensorDescriptor(bias);
    cudnnDestroyFilterDescriptor(w);
    cudnnDestroyConvolutionDescriptor(conv);
    cudnnDestroyActivationDescriptor(relu);
  }
  cudnnTensorDescriptor_t x, y, bias;
  cudnnFilterDescriptor_t w;
  cudnnConvolutionDescriptor_t conv;
  cudnnActivationDescriptor_t relu;
  Dims input_dims;  // the shape the descriptors describe; empty: not built
  ConvShape shape{};
  ConvAct act;
  // The forward's algorithms (the data gradient's for a transposed convolution).
  ConvAlgos algos;
  // Forms ({nhwc, bf16}) whose every algorithm refused its call: not tried again.
  std::vector<std::pair<bool, bool>> refused_forms;
  bool fused = false;   // bias + relu (+ residual) in the convolution call
  bool pad_input = false;  // asymmetric padding, applied by copying the input
  bool nhwc = false;  // channels-last (cuda/layout.h): input, output and filter NHWC
  bool bf16 = false;  // bfloat16 input, filter and output (kernels/bf16_attr.h)
  int64_t input_numel = 0;  // of the input as the descriptor describes it (padded)
  Tensor padded;
  // Inputs brought to the layout the descriptors describe, and the filter in the layout and
  // type they describe (cuda/conv_filter.h). Kept here so that a recorded run allocates nothing.
  Tensor input_copy, residual_copy;
  ConvFilterCopies filter;
};

void SetImage(cudnnTensorDescriptor_t d, int64_t n, int64_t c, int64_t h, int64_t w,
              bool nhwc = false, cudnnDataType_t type = CUDNN_DATA_FLOAT) {
  PD_CUDNN_CHECK(cudnnSetTensor4dDescriptor(d, nhwc ? CUDNN_TENSOR_NHWC : CUDNN_TENSOR_NCHW, type,
                                            int(n), int(c), int(h), int(w)));
}

// The descriptors for the form st asks for (layout, bfloat16 or float32), and the algorithms
// for them (st.algos); false when cuDNN has none, *refusal then cuDNN's answer where it refused
// the form outright.
bool DescribeAndFind(CudaContext& cu, const ConvShape& s, ConvState& st, const Tensor& f,
                     int64_t in_h, int64_t in_w, const std::array<int64_t, 2>& pad,
                     cudnnStatus_t* refusal) {
  const cudnnDataType_t data_type = st.bf16 ? CUDNN_DATA_BFLOAT16 : CUDNN_DATA_FLOAT;
  SetImage(st.x, s.in.n, s.in.c, in_h, in_w, st.nhwc, data_type);
  SetImage(st.y, s.out.n, s.out.c, s.out.h, s.out.w, st.nhwc, data_type);
  PD_CUDNN_CHECK(cudnnSetFilter4dDescriptor(st.w, data_type,
                                            st.nhwc ? CUDNN_TENSOR_NHWC : CUDNN_TENSOR_NCHW,
                                            int(f.dim(0)), int(f.dim(1)), int(f.dim(2)),
                                            int(f.dim(3))));
  PD_CUDNN_CHECK(cudnnSetConvolution2dDescriptor(
      st.conv, int(pad[0]), int(pad[1]), int(s.win.stride[0]), int(s.win.stride[1]),
      int(s.win.dilation[0]), int(s.win.dilation[1]), CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT));
  PD_CUDNN_CHECK(cudnnSetConvolutionGroupCount(st.conv, int(s.groups)));
  PD_CUDNN_CHECK(cudnnSetConvolutionMathType(st.conv, ConvMathType(cu, st.bf16)));

  int max = 0;
  cudnnStatus_t status;
  if (s.transpose) {
    // A transposed convolution is the data gradient of the convolution from its output shape
    // to its input shape: x plays dy, y plays dx.
    SetImage(st.x, s.in.n, s.in.c, s.in.h, s.in.w);
    PD_CUDNN_CHECK(cudnnGetConvolutionBackwardDataAlgorithmMaxCount(cu.cudnn(), &max));
    status = FindConvAlgos<cudnnConvolutionBwdDataAlgoPerf_t>(
        cu, max,
        [&](int n, int* found, cudnnConvolutionBwdDataAlgoPerf_t* perf) {
          return cudnnFindConvolutionBackwardDataAlgorithm(cu.cudnn(), st.w, st.x, st.conv, st.y,
                                                           n, found, perf);
        },
        st.conv, &st.algos);
  } else {
    PD_CUDNN_CHECK(cudnnGetConvolutionForwardAlgorithmMaxCount(cu.cudnn(), &max));
    status = FindConvAlgos<cudnnConvolutionFwdAlgoPerf_t>(
        cu, max,
        [&](int n, int* found, cudnnConvolutionFwdAlgoPerf_t* perf) {
          return cudnnFindConvolutionForwardAlgorithm(cu.cudnn(), st.x, st.w, st.conv, st.y, n,
                                                      found, perf);
        },
        st.conv, &st.algos);
  }
  if (status != CUDNN_STATUS_SUCCESS) *refusal = status;
  return !st.algos.empty();
}

void Build(OpContext& ctx, CudaContext& cu, const ConvShape& s, ConvState& st, bool has_bias,
           const ConvAct& act) {
  const std::string& type = ctx.op().type();
  PD_CHECK(!s.in.nhwc, type, ": only NCHW (data_format) runs on the GPU");
  int64_t in_h = s.in.h, in_w = s.in.w;
  std::array<int64_t, 2> pad{s.win.pad_begin[0], s.win.pad_begin[1]};
  st.pad_input = s.win.pad_begin != s.win.pad_end;
  if (st.pad_input) {
    PD_CHECK(!s.transpose, type, ": asymmetric padding is not supported on the GPU");
    in_h += s.win.pad_begin[0] + s.win.pad_end[0];
    in_w += s.win.pad_begin[1] + s.win.pad_end[1];
    pad = {0, 0};
  }
  const Tensor& f = ctx.In("Filter");
  // Channels-last where it is asked for and cuDNN takes it as it is: a plain convolution (no
  // groups, no transpose, even padding).
  const bool nhwc = ChannelsLastWanted() && !s.transpose && !st.pad_input && s.groups == 1;
  const bool bf16 = !s.transpose && ConvRunsBf16(ctx, cu, s.groups);
  st.input_numel = s.in.n * s.in.c * in_h * in_w;
  SetImage(st.bias, 1, s.out.c, 1, 1);
  // Where cuDNN has no algorithm for this shape in channels-last or in bfloat16, or all of
  // them refused their calls, the op runs plain, then in float32, then both.
  const std::pair<bool, bool> forms[] = {
      {nhwc, bf16}, {false, bf16}, {nhwc, false}, {false, false}};
  const auto& refused = st.refused_forms;
  bool found = false;
  cudnnStatus_t refusal = CUDNN_STATUS_SUCCESS;
  for (size_t i = 0; i < std::size(forms) && !found; ++i) {
    if (std::find(forms, forms + i, forms[i]) != forms + i) continue;  // tried
    if (std::find(refused.begin(), refused.end(), forms[i]) != refused.end()) continue;
    st.nhwc = forms[i].first;
    st.bf16 = forms[i].second;
    found = DescribeAndFind(cu, s, st, f, in_h, in_w, pad, &refusal);
  }
  PD_CHECK(found, type, ": cuDNN has no algorithm for this ",
           s.transpose ? "transposed convolution" : "convolution",
           refusal != CUDNN_STATUS_SUCCESS ? std::string(" (") + cudnnGetErrorString(refusal) + ")"
                                           : std::string());
  // The fused call takes its bias and z in the output's type: bfloat16 runs unfused.
  st.fused = !s.transpose && !st.bf16 && has_bias && act.act == Act::kRelu;
}

template <bool kTranspose>
void ConvKernel(OpContext& ctx) {
  CudaContext& cu = Ctx(ctx);
  const bool has_bias = ctx.HasInput("Bias");
  const bool residual = ctx.HasInput("ResidualData");
  ConvState& st = ctx.State<ConvState>();
  const Tensor& x = ctx.In("Input");
  if (x.numel() == 0) {  // an empty batch: nothing to describe to cuDNN (it refuses a 0 dim)
    ctx.Out("Output")->mutable_data<float>();
    ctx.Out("Output")->set_layout(0);  // not a bfloat16 or channels-last one of an earlier run
    return;
  }
  // The geometry and descriptors depend on the input's shape alone: worked out once per shape
  // (a batch-1 run is short enough for this host work to show).
  if (st.input_dims != x.dims()) {
    st.input_dims.clear();
    st.shape = ConvShapeOf(ctx, kTranspose);
    st.act = FusedActivation(ctx.op());
    Build(ctx, cu, st.shape, st, has_bias, st.act);
    st.input_dims = x.dims();
  }
  const ConvShape& s = st.shape;
  const ConvAct& act = st.act;
  const cudaStream_t stream = cu.cuda_stream();
  // The input (and residual) in the layout the descriptors describe, read before Output's
  // allocation (Output may share a buffer with neither, but the order costs nothing). A
  // bfloat16 input in the descriptors' order (a batch norm's output, cuda/layout.h) is the
  // bfloat16 image cuDNN reads, as it is.
  const bool x_as_stored =
      st.bf16 && IsGpuBf16(x) && IsGpuChannelsLast(x) == st.nhwc && !st.pad_input;
  const float* in = x_as_stored ? nullptr : InLayout(x, st.nhwc, &st.input_copy, stream);
  const float* res =
      residual ? InLayout(ctx.In("ResidualData"), st.nhwc, &st.residual_copy, stream) : nullptr;
  Tensor* out = ctx.Out("Output");
  // cuDNN writes every output cell (beta 0). The fused call without a residual is handed y as
  // its z, scaled by 0, as Paddle's fused convolution does. cuDNN's formula reads z whatever
  // alpha2 is (0 · NaN is NaN), so y takes the zero fill.
  // With nothing to add to it, a bfloat16 output stays as cuDNN writes it, in Output's buffer.
  const bool keep_bf16 = st.bf16 && Bf16ActivationsOn(cu) && !has_bias && !residual &&
                         act.act == Act::kNone;
  const int layout = (st.nhwc ? kGpuChannelsLast : 0) | (keep_bf16 ? kGpuBf16 : 0);
  float* y = st.fused && !residual ? out->mutable_data<float>()
                                   : static_cast<float*>(OutputIn(out, layout));
  out->set_layout(layout);
  if (out->numel() == 0) return;
  if (st.pad_input) {
    const int64_t ph = s.in.h + s.win.pad_begin[0] + s.win.pad_end[0];
    const int64_t pw = s.in.w + s.win.pad_begin[1] + s.win.pad_end[1];
    st.padded.set_place(cu.place());
    st.padded.Resize({s.in.n, s.in.c, ph, pw});
    float* p = st.padded.mutable_data<float>();
    PD_CUDA_CHECK(cudaMemsetAsync(p, 0, st.padded.nbytes(), stream));
    LaunchPadImage(in, p, s.in.n * s.in.c, s.in.h, s.in.w, s.win.pad_begin[0],
                   s.win.pad_begin[1], ph, pw, stream);
    in = p;
  }
  const void* w = st.filter.Get(ctx.In("Filter"), st.nhwc, st.bf16, stream);
  // bfloat16: cuDNN reads a rounded copy of the input and writes its own output buffer.
  // They live for this call alone: the pool takes them back, in stream order, for the next op.
  // (A predictor, whose runs may be recorded and so must not allocate, never runs bfloat16.)
  Tensor input_bf16, output_bf16;
  const void* conv_in = in;
  void* conv_out = y;
  if (st.bf16) {
    conv_in = x_as_stored ? x.raw_data()
                          : Bf16Copy(in, st.input_numel, cu.place(), &input_bf16, stream);
    if (!keep_bf16) conv_out = Bf16Buffer(out->numel(), cu.place(), &output_bf16);
  }
  const float* bias = has_bias ? ctx.In("Bias").data<float>() : nullptr;
  const float one = 1.0f, zero = 0.0f;
  for (;;) {
    const ConvAlgo& a = st.algos.current();
    void* ws = a.workspace ? cu.Workspace(a.workspace) : nullptr;
    cudnnStatus_t status;
    if (st.fused) {
      // y = relu(conv(x) + z·alpha2 + bias), z the residual (or y itself with alpha2 = 0).
      const float alpha2 = res != nullptr ? 1.0f : 0.0f;
      status = cudnnConvolutionBiasActivationForward(
          cu.cudnn(), &one, st.x, in, st.w, w, st.conv,
          static_cast<cudnnConvolutionFwdAlgo_t>(a.algo), ws, a.workspace, &alpha2, st.y,
          res != nullptr ? res : y, st.bias, bias, st.relu, st.y, y);
      if (status == CUDNN_STATUS_SUCCESS) return;
      // Not every algorithm has a fused form: from now on this op runs unfused.
      PD_CHECK(ConvRefused(status), "cudnnConvolutionBiasActivationForward: ",
               cudnnGetErrorString(status));
      st.fused = false;
    }
    if (kTranspose) {
      status = cudnnConvolutionBackwardData(cu.cudnn(), &one, st.w, w, st.x, in, st.conv,
                                            static_cast<cudnnConvolutionBwdDataAlgo_t>(a.algo),
                                            ws, a.workspace, &zero, st.y, y);
    } else {
      status = cudnnConvolutionForward(cu.cudnn(), &one, st.x, conv_in, st.w, w, st.conv,
                                       static_cast<cudnnConvolutionFwdAlgo_t>(a.algo), ws,
                                       a.workspace, &zero, st.y, conv_out);
    }
    if (status == CUDNN_STATUS_SUCCESS) break;
    PD_CHECK(ConvRefused(status),
             kTranspose ? "cudnnConvolutionBackwardData: " : "cudnnConvolutionForward: ",
             cudnnGetErrorString(status));
    if (st.algos.Drop(st.conv)) continue;
    // Every algorithm of this form refused: the op runs again, from the start, in its next
    // form (cuDNN wrote nothing; the copies and Output are redone in the new layout).
    st.refused_forms.emplace_back(st.nhwc, st.bf16);
    st.input_dims.clear();
    ConvKernel<kTranspose>(ctx);
    return;
  }
  if (keep_bf16) {
    CheckLaunch(ctx);
    return;
  }
  if (st.bf16) LaunchFromBf16(static_cast<const uint16_t*>(conv_out), y, out->numel(), stream);
  // Channels-last: the channel is the innermost axis of [N·H·W, C].
  const int64_t plane = s.out.h * s.out.w;
  LaunchBiasActivation(y, bias, res, st.nhwc ? s.out.n * plane : s.out.n, s.out.c,
                       st.nhwc ? 1 : plane, act.act, act.alpha, act.beta, stream);
  CheckLaunch(ctx);
}

}  // namespace

void RegisterConvKernels(OpRegistry& r) {
  r.AddKernel("conv2d", DeviceType::kGPU, DType::kFP32, ConvKernel<false>);
  r.AddKernel("depthwise_conv2d", DeviceType::kGPU, DType::kFP32, ConvKernel<false>);
  r.AddKernel("conv2d_transpose", DeviceType::kGPU, DType::kFP32, ConvKernel<true>);
  // Each takes its input in either layout and brings it to the one it runs in.
  for (const char* type : {"conv2d", "depthwise_conv2d", "conv2d_transpose"})
    r.SetLayoutRule(type, DeviceType::kGPU, AnyLayoutRule());
}

}  // namespace pd::cuda
