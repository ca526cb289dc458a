// The host CUDA's cuDNN: the cuDNN functions the CUDA backend calls (src/cuda), computed on the
// CPU over the runtime's device blocks (runtime.cc).
//
// Its point is to catch the backend's mistakes in how it describes tensors, so it is strict
// where cuDNN is strict:
// - the descriptor setters accept and refuse what cuDNN 9's do (sizes, data types, formats,
//   compute types; probed against the real library, which needs no GPU for them);
// - a convolution checks its descriptors as cuDNN documents: CUDNN_STATUS_BAD_PARAM for data
//   types, channels or groups that disagree, a filter wider than the padded image, or a
//   gradient's dy of the wrong size; CUDNN_STATUS_NOT_SUPPORTED for a forward y of another size
//   than cudnnGetConvolution2dForwardOutputDim's and for what the chosen algorithm cannot take;
//   CUDNN_STATUS_BAD_PARAM for a workspace smaller than the algorithm asked for;
// - the algorithms take what cuDNN's support tables list: a KRSC (NHWC) filter only with NHWC
//   images and the GEMM algorithms (IMPLICIT_PRECOMP_GEMM forward, ALGO_0 and ALGO_1 for the
//   gradients), FFT and Winograd only float32 with unit strides, bfloat16 only on the GEMM ones;
//   so where cuDNN has no algorithm for a form, the backend's fallbacks run here too;
// - cudnnConvolutionBiasActivationForward takes what cuDNN documents it takes: RELU or
//   IDENTITY (the latter with IMPLICIT_PRECOMP_GEMM only), reluNanOpt CUDNN_NOT_PROPAGATE_NAN,
//   a 1×K×1×1 bias of y's type and z described as y.
// The cudnnFind functions list every algorithm, those that run first and fastest first, with a
// nominal time, the workspace each asks for (the fastest asks for one) and cuDNN's determinism
// (the gradients' fastest are not deterministic), so the backend's choices are exercised.
// On request they and the convolutions refuse what the real library may refuse (faults.h).
//
// The work is queued on the handle's stream (stream.h) with copies of every descriptor, scalar
// and pointer it needs, so that a captured stream records it. When it runs, every tensor and
// the workspace must lie in device memory of the current device, or it faults as a GPU would
// (errors.h); the workspace the algorithm asked for is overwritten with NaN first, as a real
// algorithm's scratch would be, so an input sharing it shows. Convolutions sum in float32 over
// float32 or bfloat16 data, as an implicit GEMM on cublas.cc's engine; float32 data whose math
// type permits tensor cores (all but CUDNN_FMA_MATH) is rounded to TF32 first, as an Ampere or
// later GPU rounds it. Outputs are alpha·result + beta·prior (beta 0 does not read the prior,
// which may be NaN), bfloat16 ones rounded to nearest even.
#include <cudnn.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "errors.h"
#include "faults.h"
#include "gemm.h"
#include "kernel_model.h"
#include "stream.h"

struct cudnnContext {
  cudaStream_t stream = nullptr;
};

struct cudnnTensorStruct {
  bool set = false;
  cudnnDataType_t type = CUDNN_DATA_FLOAT;
  cudnnTensorFormat_t format = CUDNN_TENSOR_NCHW;
  int n = 0, c = 0, h = 0, w = 0;
};

// K × C × R × S; format NHWC means KRSC order in memory.
struct cudnnFilterStruct {
  bool set = false;
  cudnnDataType_t type = CUDNN_DATA_FLOAT;
  cudnnTensorFormat_t format = CUDNN_TENSOR_NCHW;
  int k = 0, c = 0, r = 0, s = 0;
};

struct cudnnConvolutionStruct {
  bool set = false;
  int pad_h = 0, pad_w = 0, stride_h = 1, stride_w = 1, dil_h = 1, dil_w = 1;
  cudnnConvolutionMode_t mode = CUDNN_CROSS_CORRELATION;
  cudnnDataType_t compute = CUDNN_DATA_FLOAT;
  int groups = 1;
  cudnnMathType_t math = CUDNN_DEFAULT_MATH;
};

struct cudnnActivationStruct {
  bool set = false;
  cudnnActivationMode_t mode = CUDNN_ACTIVATION_RELU;
  cudnnNanPropagation_t nan = CUDNN_NOT_PROPAGATE_NAN;
  double coef = 0.0;
};

namespace {

using Tensor = cudnnTensorStruct;
using Filter = cudnnFilterStruct;
using Conv = cudnnConvolutionStruct;
using Activation = cudnnActivationStruct;

constexpr int64_t kInt32Max = std::numeric_limits<int32_t>::max();

// ---- descriptors ----------------------------------------------------------------------------

// The legacy data types the 4-d setters take (cuDNN 9 refuses INT64 and the FP8 family there),
// and the vectorised ones, the only ones NCHW_VECT_C takes: INT8x4, UINT8x4 and INT8x32 (named
// by value, their enumerators being deprecated).
bool LegacyType(cudnnDataType_t t) { return t >= CUDNN_DATA_FLOAT && t <= CUDNN_DATA_BFLOAT16; }
bool VectorType(cudnnDataType_t t) { return t == 5 || t == 7 || t == 8; }

cudnnStatus_t CheckFormat(cudnnTensorFormat_t format, cudnnDataType_t type) {
  switch (format) {
    case CUDNN_TENSOR_NCHW:
    case CUDNN_TENSOR_NHWC: return CUDNN_STATUS_SUCCESS;
    case CUDNN_TENSOR_NCHW_VECT_C:
      return VectorType(type) ? CUDNN_STATUS_SUCCESS : CUDNN_STATUS_BAD_PARAM;
  }
  return CUDNN_STATUS_BAD_PARAM;
}

int64_t Numel(const Tensor& t) { return int64_t{t.n} * t.c * t.h * t.w; }
int64_t Numel(const Filter& f) { return int64_t{f.k} * f.c * f.r * f.s; }

size_t ElementBytes(cudnnDataType_t t) { return t == CUDNN_DATA_BFLOAT16 ? 2 : 4; }

int64_t Offset(const Tensor& t, int64_t n, int64_t c, int64_t h, int64_t w) {
  if (t.format == CUDNN_TENSOR_NHWC) return ((n * t.h + h) * t.w + w) * t.c + c;
  return ((n * t.c + c) * t.h + h) * t.w + w;
}

int64_t Offset(const Filter& f, int64_t k, int64_t c, int64_t r, int64_t s) {
  if (f.format == CUDNN_TENSOR_NHWC) return ((k * f.r + r) * f.s + s) * f.c + c;
  return ((k * f.c + c) * f.r + r) * f.s + s;
}

// Element i of float32 or bfloat16 data (the only types that reach the arithmetic).
float Load(const void* data, cudnnDataType_t type, int64_t i) {
  if (type == CUDNN_DATA_BFLOAT16)
    return __bfloat162float(static_cast<const __nv_bfloat16*>(data)[i]);
  return static_cast<const float*>(data)[i];
}

void Store(void* data, cudnnDataType_t type, int64_t i, float v) {
  if (type == CUDNN_DATA_BFLOAT16) {
    static_cast<__nv_bfloat16*>(data)[i] = __float2bfloat16(v);  // round to nearest even
  } else {
    static_cast<float*>(data)[i] = v;
  }
}

// TF32 keeps float32's exponent and 10 mantissa bits: round to nearest even on the 13 dropped.
float RoundTf32(float v) {
  uint32_t u;
  std::memcpy(&u, &v, sizeof(u));
  if ((u & 0x7f800000u) == 0x7f800000u) return v;  // inf and NaN stay
  u += 0xfffu + ((u >> 13) & 1u);
  u &= ~0x1fffu;
  std::memcpy(&v, &u, sizeof(v));
  return v;
}

// ---- convolution geometry and cuDNN's checks ------------------------------------------------

enum class Direction { kForward, kBackwardData, kBackwardFilter };

// One convolution: the image (x, or dx for the data gradient), the filter and the output (y, or
// dy for the gradients).
struct Geometry {
  int64_t n, c, h, w;
  int64_t k, groups, cg, kg, r, s;
  int64_t oh, ow;
  int64_t pad_h, pad_w, stride_h, stride_w, dil_h, dil_w;
  bool flip;  // CUDNN_CONVOLUTION: the filter is applied mirrored
  cudnnDataType_t type;
  int64_t pixels() const { return oh * ow; }
  int64_t crs() const { return cg * r * s; }
  double flops() const { return 2.0 * double(n) * double(k) * double(crs()) * double(pixels()); }
};

int64_t OutputSize(int64_t in, int64_t pad, int64_t filter, int64_t dilation, int64_t stride) {
  return (in + 2 * pad - ((filter - 1) * dilation + 1)) / stride + 1;
}

bool Unset(const Tensor* t) { return t == nullptr || !t->set; }

// What cuDNN checks before it looks at algorithms: the descriptors agree with each other.
// image is x (forward, filter gradient) or dx (data gradient), out is y or dy.
cudnnStatus_t Describe(Direction dir, const Tensor* image, const Filter* filter, const Conv* conv,
                       const Tensor* out, Geometry* g) {
  if (Unset(image) || Unset(out) || filter == nullptr || !filter->set || conv == nullptr ||
      !conv->set)
    return CUDNN_STATUS_BAD_PARAM;
  // "xDesc, wDesc and yDesc have a non-matching data type".
  if (image->type != filter->type || image->type != out->type) return CUDNN_STATUS_BAD_PARAM;
  // "xDesc and wDesc have a non-matching number of input feature maps per image (or group in
  // case of grouped convolutions)".
  const int64_t groups = conv->groups;
  if (int64_t{image->c} != int64_t{filter->c} * groups) return CUDNN_STATUS_BAD_PARAM;
  // "yDesc or wDesc indicate an output channel count that isn't a multiple of group count":
  // a parameter error for the forward and the filter gradient, listed as not supported for the
  // data gradient.
  if (filter->k % groups != 0)
    return dir == Direction::kBackwardData ? CUDNN_STATUS_NOT_SUPPORTED : CUDNN_STATUS_BAD_PARAM;
  // "wDesc has a spatial size that is larger than the input spatial size (including
  // zero-padding size)".
  const int64_t span_h = int64_t{filter->r - 1} * conv->dil_h + 1;
  const int64_t span_w = int64_t{filter->s - 1} * conv->dil_w + 1;
  if (span_h > image->h + 2 * int64_t{conv->pad_h} || span_w > image->w + 2 * int64_t{conv->pad_w})
    return CUDNN_STATUS_BAD_PARAM;
  if (out->n != image->n || out->c != filter->k) return CUDNN_STATUS_BAD_PARAM;
  const int64_t oh = OutputSize(image->h, conv->pad_h, filter->r, conv->dil_h, conv->stride_h);
  const int64_t ow = OutputSize(image->w, conv->pad_w, filter->s, conv->dil_w, conv->stride_w);
  // The forward documents an output size other than cudnnGetConvolutionNdForwardOutputDim's as
  // not supported; the gradients list a dy of the wrong size among their parameter errors.
  if (out->h != oh || out->w != ow)
    return dir == Direction::kForward ? CUDNN_STATUS_NOT_SUPPORTED : CUDNN_STATUS_BAD_PARAM;
  // Images in NCHW or NHWC and the data-type configurations emulated here: FLOAT_CONFIG and
  // PSEUDO_BFLOAT16_CONFIG, both summing in float32 (the compute type). cuDNN's others (half,
  // double, int8) are not emulated; the backend uses none of them.
  for (const cudnnTensorFormat_t f : {image->format, out->format, filter->format})
    if (f != CUDNN_TENSOR_NCHW && f != CUDNN_TENSOR_NHWC) return CUDNN_STATUS_NOT_SUPPORTED;
  if ((image->type != CUDNN_DATA_FLOAT && image->type != CUDNN_DATA_BFLOAT16) ||
      conv->compute != CUDNN_DATA_FLOAT)
    return CUDNN_STATUS_NOT_SUPPORTED;
  *g = Geometry{};
  g->n = image->n;
  g->c = image->c;
  g->h = image->h;
  g->w = image->w;
  g->k = filter->k;
  g->groups = groups;
  g->cg = filter->c;
  g->kg = filter->k / groups;
  g->r = filter->r;
  g->s = filter->s;
  g->oh = oh;
  g->ow = ow;
  g->pad_h = conv->pad_h;
  g->pad_w = conv->pad_w;
  g->stride_h = conv->stride_h;
  g->stride_w = conv->stride_w;
  g->dil_h = conv->dil_h;
  g->dil_w = conv->dil_w;
  g->flip = conv->mode == CUDNN_CONVOLUTION;
  g->type = image->type;
  return CUDNN_STATUS_SUCCESS;
}

// ---- algorithms -----------------------------------------------------------------------------

// What an algorithm is, as the cudnnFind functions report it.
struct AlgoTraits {
  int algo;
  bool deterministic;
  double gflops;  // nominal speed, for a plausible time
};

// Each direction's algorithms, all of cuDNN's (numbered 0 to count - 1), fastest first: the
// fastest needs a workspace (so the caller's workspace handling runs) and the gradients'
// fastest are not deterministic (so GOHUB_CUDNN_DETERMINISTIC's choice does).
const std::vector<AlgoTraits>& Algorithms(Direction dir) {
  static const std::vector<AlgoTraits> forward = {
      {CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM, true, 20000},
      {CUDNN_CONVOLUTION_FWD_ALGO_WINOGRAD_NONFUSED, true, 16000},
      {CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM, true, 12000},
      {CUDNN_CONVOLUTION_FWD_ALGO_WINOGRAD, true, 10000},
      {CUDNN_CONVOLUTION_FWD_ALGO_GEMM, true, 8000},
      {CUDNN_CONVOLUTION_FWD_ALGO_FFT_TILING, true, 6000},
      {CUDNN_CONVOLUTION_FWD_ALGO_FFT, true, 5000},
      {CUDNN_CONVOLUTION_FWD_ALGO_DIRECT, true, 1000},
  };
  static const std::vector<AlgoTraits> data = {
      {CUDNN_CONVOLUTION_BWD_DATA_ALGO_1, true, 16000},
      {CUDNN_CONVOLUTION_BWD_DATA_ALGO_WINOGRAD_NONFUSED, true, 14000},
      {CUDNN_CONVOLUTION_BWD_DATA_ALGO_0, false, 12000},
      {CUDNN_CONVOLUTION_BWD_DATA_ALGO_WINOGRAD, true, 9000},
      {CUDNN_CONVOLUTION_BWD_DATA_ALGO_FFT_TILING, true, 6000},
      {CUDNN_CONVOLUTION_BWD_DATA_ALGO_FFT, true, 5000},
  };
  static const std::vector<AlgoTraits> filter = {
      {CUDNN_CONVOLUTION_BWD_FILTER_ALGO_3, false, 16000},
      {CUDNN_CONVOLUTION_BWD_FILTER_ALGO_1, true, 14000},
      {CUDNN_CONVOLUTION_BWD_FILTER_ALGO_0, false, 12000},
      {CUDNN_CONVOLUTION_BWD_FILTER_ALGO_WINOGRAD_NONFUSED, true, 10000},
      {CUDNN_CONVOLUTION_BWD_FILTER_ALGO_FFT_TILING, true, 6000},
      {CUDNN_CONVOLUTION_BWD_FILTER_ALGO_FFT, true, 5000},
      {CUDNN_CONVOLUTION_BWD_FILTER_ALGO_WINOGRAD, true, 1000},
  };
  switch (dir) {
    case Direction::kForward: return forward;
    case Direction::kBackwardData: return data;
    case Direction::kBackwardFilter: break;
  }
  return filter;
}

int AlgorithmCount(Direction dir) { return static_cast<int>(Algorithms(dir).size()); }

// The tensors of one call, as the support tables name them.
struct Operands {
  const Tensor& image;  // x, or dx
  const Filter& filter;
  const Tensor& out;  // y, or dy
};

bool Nchw(const Tensor& t) { return t.format == CUDNN_TENSOR_NCHW; }

// Whether cuDNN's support tables list the algorithm for this configuration (cuDNN 8's tables
// for 2-d convolutions, the last to list them per algorithm).
bool Supports(Direction dir, int algo, const Geometry& g, const Operands& t) {
  const bool kcrs = t.filter.format == CUDNN_TENSOR_NCHW;
  const bool all_nchw = kcrs && Nchw(t.image) && Nchw(t.out);
  const bool all_nhwc = !kcrs && !Nchw(t.image) && !Nchw(t.out);
  const bool fp32 = g.type == CUDNN_DATA_FLOAT;
  const bool unit = g.stride_h == 1 && g.stride_w == 1 && g.dil_h == 1 && g.dil_w == 1;
  const bool f3 = g.r == 3 && g.s == 3, f5 = g.r == 5 && g.s == 5;
  // FFT: unit strides, NCHW, the filter larger than the padding; the untiled one only for
  // padded images of at most 256 × 256.
  const bool fft_tiling = fp32 && unit && all_nchw && g.r > g.pad_h && g.s > g.pad_w;
  const bool fft = fft_tiling && g.h + 2 * g.pad_h <= 256 && g.w + 2 * g.pad_w <= 256;
  switch (dir) {
    case Direction::kForward:
      switch (algo) {
        case CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM: return kcrs;
        // The only algorithm that takes a KRSC filter, with NHWC x and y.
        case CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM: return kcrs || all_nhwc;
        case CUDNN_CONVOLUTION_FWD_ALGO_GEMM: return kcrs && fp32;
        case CUDNN_CONVOLUTION_FWD_ALGO_DIRECT: return false;  // not implemented in cuDNN
        case CUDNN_CONVOLUTION_FWD_ALGO_FFT: return fft;
        case CUDNN_CONVOLUTION_FWD_ALGO_FFT_TILING: return fft_tiling;
        case CUDNN_CONVOLUTION_FWD_ALGO_WINOGRAD: return kcrs && fp32 && unit && f3;
        case CUDNN_CONVOLUTION_FWD_ALGO_WINOGRAD_NONFUSED:
          return kcrs && fp32 && unit && (f3 || f5);
      }
      return false;
    case Direction::kBackwardData: {
      // A KCRS filter takes dy in NCHW (dx in either); a KRSC one NHWC dy and dx.
      const bool layouts = (kcrs && Nchw(t.out)) || all_nhwc;
      switch (algo) {
        case CUDNN_CONVOLUTION_BWD_DATA_ALGO_0:
        case CUDNN_CONVOLUTION_BWD_DATA_ALGO_1: return layouts;
        case CUDNN_CONVOLUTION_BWD_DATA_ALGO_FFT: return fft;
        case CUDNN_CONVOLUTION_BWD_DATA_ALGO_FFT_TILING: return fft_tiling;
        case CUDNN_CONVOLUTION_BWD_DATA_ALGO_WINOGRAD: return kcrs && layouts && fp32 && unit && f3;
        case CUDNN_CONVOLUTION_BWD_DATA_ALGO_WINOGRAD_NONFUSED:
          return kcrs && layouts && fp32 && unit && (f3 || f5);
      }
      return false;
    }
    case Direction::kBackwardFilter: {
      // A KCRS gradient from x and dy in either layout; a KRSC one from NHWC x.
      const bool layouts = kcrs || !Nchw(t.image);
      switch (algo) {
        case CUDNN_CONVOLUTION_BWD_FILTER_ALGO_0:
        case CUDNN_CONVOLUTION_BWD_FILTER_ALGO_1: return layouts;
        case CUDNN_CONVOLUTION_BWD_FILTER_ALGO_3: return kcrs && fp32;
        case CUDNN_CONVOLUTION_BWD_FILTER_ALGO_FFT: return fft;
        case CUDNN_CONVOLUTION_BWD_FILTER_ALGO_FFT_TILING: return fft_tiling;
        case CUDNN_CONVOLUTION_BWD_FILTER_ALGO_WINOGRAD: return false;  // not implemented
        case CUDNN_CONVOLUTION_BWD_FILTER_ALGO_WINOGRAD_NONFUSED:
          return all_nchw && fp32 && unit && (f3 || f5);
      }
      return false;
    }
  }
  return false;
}

int64_t NextPow2(int64_t v) {
  int64_t p = 1;
  while (p < v) p *= 2;
  return p;
}

// The scratch an algorithm asks for: roughly what its kind of kernel keeps (precomputed
// offsets, an explicit im2col of one image, transformed operands), so that sizes are plausible
// and the same for the cudnnFind functions and the call.
size_t WorkspaceBytes(Direction dir, int algo, const Geometry& g) {
  const int64_t elem = static_cast<int64_t>(ElementBytes(g.type));
  const int64_t offsets = (2 * g.crs() + 64) * int64_t{sizeof(int32_t)};
  const int64_t im2col = g.crs() * g.pixels() * elem;
  // FFT: complex transforms of image, filter and output over the padded plane.
  const int64_t plane = NextPow2(g.h + 2 * g.pad_h) * (NextPow2(g.w + 2 * g.pad_w) / 2 + 1);
  const int64_t fft = (g.n * g.c + g.k * g.cg + g.n * g.k) * plane * 8;
  const int64_t tiles = ((g.oh + 31) / 32) * ((g.ow + 31) / 32);
  const int64_t fft_tiling = (g.k * g.cg + (g.n * g.c + g.n * g.k) * tiles) * 32 * 17 * 8;
  // Winograd F(4×4, 3×3): 6×6 tiles of filter, image and output.
  const int64_t wtiles = ((g.oh + 3) / 4) * ((g.ow + 3) / 4);
  const int64_t winograd_nonfused = (g.k * g.cg + (g.n * g.c + g.n * g.k) * wtiles) * 36 * 4;
  const int64_t winograd = g.k * g.cg * 16 * 4;  // F(2×2, 3×3)'s transformed filter
  int64_t bytes = 0;
  switch (dir) {
    case Direction::kForward:
      switch (algo) {
        case CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM: bytes = offsets; break;
        case CUDNN_CONVOLUTION_FWD_ALGO_GEMM: bytes = im2col; break;
        case CUDNN_CONVOLUTION_FWD_ALGO_FFT: bytes = fft; break;
        case CUDNN_CONVOLUTION_FWD_ALGO_FFT_TILING: bytes = fft_tiling; break;
        case CUDNN_CONVOLUTION_FWD_ALGO_WINOGRAD: bytes = winograd; break;
        case CUDNN_CONVOLUTION_FWD_ALGO_WINOGRAD_NONFUSED: bytes = winograd_nonfused; break;
        default: break;
      }
      break;
    case Direction::kBackwardData:
      switch (algo) {
        case CUDNN_CONVOLUTION_BWD_DATA_ALGO_1: bytes = offsets + g.k * g.crs() * elem; break;
        case CUDNN_CONVOLUTION_BWD_DATA_ALGO_FFT: bytes = fft; break;
        case CUDNN_CONVOLUTION_BWD_DATA_ALGO_FFT_TILING: bytes = fft_tiling; break;
        case CUDNN_CONVOLUTION_BWD_DATA_ALGO_WINOGRAD: bytes = winograd; break;
        case CUDNN_CONVOLUTION_BWD_DATA_ALGO_WINOGRAD_NONFUSED: bytes = winograd_nonfused; break;
        default: break;
      }
      break;
    case Direction::kBackwardFilter:
      switch (algo) {
        case CUDNN_CONVOLUTION_BWD_FILTER_ALGO_1: bytes = im2col; break;
        case CUDNN_CONVOLUTION_BWD_FILTER_ALGO_3: bytes = offsets; break;
        case CUDNN_CONVOLUTION_BWD_FILTER_ALGO_FFT: bytes = fft; break;
        case CUDNN_CONVOLUTION_BWD_FILTER_ALGO_FFT_TILING: bytes = fft_tiling; break;
        case CUDNN_CONVOLUTION_BWD_FILTER_ALGO_WINOGRAD_NONFUSED: bytes = winograd_nonfused; break;
        default: break;
      }
      break;
  }
  return static_cast<size_t>(bytes);
}

bool AnyNhwc(const Operands& t) {
  return !Nchw(t.image) || !Nchw(t.out) || t.filter.format != CUDNN_TENSOR_NCHW;
}

const char* DirectionCall(Direction dir) {
  switch (dir) {
    case Direction::kForward: return "cudnnConvolutionForward";
    case Direction::kBackwardData: return "cudnnConvolutionBackwardData";
    case Direction::kBackwardFilter: break;
  }
  return "cudnnConvolutionBackwardFilter";
}

// The algorithm cudnnFind lists first for this configuration (the fastest that runs), or -1.
int Fastest(Direction dir, const Geometry& g, const Operands& t) {
  for (const AlgoTraits& a : Algorithms(dir))
    if (Supports(dir, a.algo, g, t)) return a.algo;
  return -1;
}

// The checks of a call that runs an algorithm: the algorithm exists, takes this configuration,
// and has the workspace it asked for; and the refusals asked for (faults.h).
cudnnStatus_t CheckAlgorithm(Direction dir, int algo, const Geometry& g, const Operands& t,
                             const void* workspace, size_t workspace_bytes, size_t* needed) {
  if (algo < 0 || algo >= AlgorithmCount(dir)) return CUDNN_STATUS_BAD_PARAM;
  if (!Supports(dir, algo, g, t)) return CUDNN_STATUS_NOT_SUPPORTED;
  if (algo == Fastest(dir, g, t) && hostcuda::FaultInjected("call-fastest", DirectionCall(dir)))
    return CUDNN_STATUS_NOT_SUPPORTED_SHAPE;
  if (AnyNhwc(t) && hostcuda::FaultInjected("call-nhwc", DirectionCall(dir)))
    return CUDNN_STATUS_NOT_SUPPORTED_LAYOUT;
  *needed = WorkspaceBytes(dir, algo, g);
  if (workspace_bytes < *needed || (*needed > 0 && workspace == nullptr))
    return CUDNN_STATUS_BAD_PARAM;
  return CUDNN_STATUS_SUCCESS;
}

// The cudnnFind functions: every algorithm, timed (nominally), the ones that ran first and
// fastest first, those that cannot run after them with their status, as cuDNN lists them.
// Finding needs memory of its own (cudaMalloc), which a capturing stream refuses.
template <typename Perf, typename Algo>
cudnnStatus_t Find(Direction dir, cudnnHandle_t handle, const Tensor* image, const Filter* filter,
                   const Conv* conv, const Tensor* out, int requested, int* returned,
                   Perf* perf) {
  if (handle == nullptr || returned == nullptr || perf == nullptr || requested < 1)
    return CUDNN_STATUS_BAD_PARAM;
  if (hostcuda::Capturing()) {
    hostcuda::InvalidateCapture();
    return CUDNN_STATUS_INTERNAL_ERROR_DEVICE_ALLOCATION_FAILED;
  }
  Geometry g{};
  const cudnnStatus_t described = Describe(dir, image, filter, conv, out, &g);
  if (described != CUDNN_STATUS_SUCCESS && described != CUDNN_STATUS_NOT_SUPPORTED)
    return described;
  // The refusals asked for (faults.h).
  const char* const find = "cudnnFind";
  static std::atomic<long> finds{0};
  if (finds.fetch_add(1) % 2 == 0 && hostcuda::FaultInjected("find-alloc", find))
    return CUDNN_STATUS_INTERNAL_ERROR_DEVICE_ALLOCATION_FAILED;
  if (image->type == CUDNN_DATA_BFLOAT16 && hostcuda::FaultInjected("find-bf16", find))
    return CUDNN_STATUS_NOT_SUPPORTED_DATA_TYPE;
  if (AnyNhwc(Operands{*image, *filter, *out}) && hostcuda::FaultInjected("find-nhwc", find))
    return CUDNN_STATUS_NOT_SUPPORTED_LAYOUT;
  std::vector<Perf> ran, failed;
  for (const AlgoTraits& a : Algorithms(dir)) {
    Perf p{};
    p.algo = static_cast<Algo>(a.algo);
    p.determinism = a.deterministic ? CUDNN_DETERMINISTIC : CUDNN_NON_DETERMINISTIC;
    p.mathType = conv->math;
    if (described == CUDNN_STATUS_SUCCESS &&
        Supports(dir, a.algo, g, Operands{*image, *filter, *out})) {
      p.status = CUDNN_STATUS_SUCCESS;
      p.time = static_cast<float>(0.01 + g.flops() / (a.gflops * 1e6));
      p.memory = WorkspaceBytes(dir, a.algo, g);
      ran.push_back(p);
    } else {
      p.status = CUDNN_STATUS_NOT_SUPPORTED;
      p.time = -1.0f;
      p.memory = 0;
      failed.push_back(p);
    }
  }
  std::stable_sort(ran.begin(), ran.end(),
                   [](const Perf& a, const Perf& b) { return a.time < b.time; });
  ran.insert(ran.end(), failed.begin(), failed.end());
  const int count = std::min(requested, static_cast<int>(ran.size()));
  std::copy(ran.begin(), ran.begin() + count, perf);
  *returned = count;
  return CUDNN_STATUS_SUCCESS;
}

// ---- the arithmetic -------------------------------------------------------------------------

// Float32 math permitted to use tensor cores sums TF32-rounded operands.
bool UsesTf32(const Conv& conv, cudnnDataType_t type) {
  return type == CUDNN_DATA_FLOAT && conv.math != CUDNN_FMA_MATH;
}

// The image as float32 NCHW, TF32-rounded if asked.
std::vector<float> ImageToNchw(const Tensor& t, const void* data, bool tf32) {
  std::vector<float> out(static_cast<size_t>(Numel(t)));
  size_t i = 0;
  for (int64_t n = 0; n < t.n; ++n)
    for (int64_t c = 0; c < t.c; ++c)
      for (int64_t h = 0; h < t.h; ++h)
        for (int64_t w = 0; w < t.w; ++w) {
          const float v = Load(data, t.type, Offset(t, n, c, h, w));
          out[i++] = tf32 ? RoundTf32(v) : v;
        }
  return out;
}

// The filter as float32 K × Cg × R × S, mirrored for CUDNN_CONVOLUTION.
std::vector<float> FilterToKcrs(const Filter& f, const void* data, bool flip, bool tf32) {
  std::vector<float> out(static_cast<size_t>(Numel(f)));
  size_t i = 0;
  for (int64_t k = 0; k < f.k; ++k)
    for (int64_t c = 0; c < f.c; ++c)
      for (int64_t r = 0; r < f.r; ++r)
        for (int64_t s = 0; s < f.s; ++s) {
          const float v =
              Load(data, f.type, Offset(f, k, c, flip ? f.r - 1 - r : r, flip ? f.s - 1 - s : s));
          out[i++] = tf32 ? RoundTf32(v) : v;
        }
  return out;
}

// out = alpha·result + beta·out over an image, result in NCHW order.
void BlendImage(const Tensor& t, void* data, const float* result, float alpha, float beta) {
  size_t i = 0;
  for (int64_t n = 0; n < t.n; ++n)
    for (int64_t c = 0; c < t.c; ++c)
      for (int64_t h = 0; h < t.h; ++h)
        for (int64_t w = 0; w < t.w; ++w) {
          const int64_t at = Offset(t, n, c, h, w);
          float v = alpha * result[i++];
          if (beta != 0.0f) v += beta * Load(data, t.type, at);
          Store(data, t.type, at, v);
        }
}

// The same over a filter, result in K × Cg × R × S order (mirrored for CUDNN_CONVOLUTION).
void BlendFilter(const Filter& f, void* data, const float* result, bool flip, float alpha,
                 float beta) {
  size_t i = 0;
  for (int64_t k = 0; k < f.k; ++k)
    for (int64_t c = 0; c < f.c; ++c)
      for (int64_t r = 0; r < f.r; ++r)
        for (int64_t s = 0; s < f.s; ++s) {
          const int64_t at = Offset(f, k, c, flip ? f.r - 1 - r : r, flip ? f.s - 1 - s : s);
          float v = alpha * result[i++];
          if (beta != 0.0f) v += beta * Load(data, f.type, at);
          Store(data, f.type, at, v);
        }
}

// GEMM operands for cublas.cc's engine (hostcuda::GemmPackFn): element (outer, depth).
constexpr int kMaxPanel = 8;  // the engine's widest panel

// A float32 matrix with element (outer, depth) at p[outer·outer_stride + depth·depth_stride].
struct Strided {
  const float* p;
  int64_t outer_stride, depth_stride;
};

void PackStrided(const void* operand, int64_t outer0, int count, int width, int64_t depth0,
                 int depth, float* dst) {
  const Strided& m = *static_cast<const Strided*>(operand);
  const float* base = m.p + outer0 * m.outer_stride + depth0 * m.depth_stride;
  if (m.depth_stride == 1) {
    for (int o = 0; o < count; ++o) {
      const float* src = base + o * m.outer_stride;
      for (int d = 0; d < depth; ++d) dst[d * width + o] = src[d];
    }
  } else {
    for (int d = 0; d < depth; ++d) {
      const float* src = base + d * m.depth_stride;
      for (int o = 0; o < count; ++o) dst[d * width + o] = src[o * m.outer_stride];
    }
  }
}

// One image's group of Cg channels (NCHW float32) unrolled, never stored: element
// (crs, pixel) is the input that filter tap (c, r, s) meets at output pixel (oh, ow), 0 in the
// padding. Im2col takes the pixel as the outer index (the right operand of the forward), its
// transpose the tap (the right operand of the filter gradient).
struct Im2col {
  const Geometry* g;
  const float* image;
};

inline float Tap(const Geometry& g, const float* plane, int64_t ih, int64_t iw) {
  const bool inside = static_cast<uint64_t>(ih) < static_cast<uint64_t>(g.h) &&
                      static_cast<uint64_t>(iw) < static_cast<uint64_t>(g.w);
  return inside ? plane[ih * g.w + iw] : 0.0f;
}

void PackIm2col(const void* operand, int64_t outer0, int count, int width, int64_t depth0,
                int depth, float* dst) {
  const Im2col& op = *static_cast<const Im2col*>(operand);
  const Geometry& g = *op.g;
  int64_t top[kMaxPanel], left[kMaxPanel];
  for (int o = 0; o < count; ++o) {
    const int64_t pixel = outer0 + o;
    top[o] = pixel / g.ow * g.stride_h - g.pad_h;
    left[o] = pixel % g.ow * g.stride_w - g.pad_w;
  }
  int64_t c = depth0 / (g.r * g.s), r = depth0 / g.s % g.r, s = depth0 % g.s;
  for (int d = 0; d < depth; ++d) {
    const float* plane = op.image + c * g.h * g.w;
    const int64_t dh = r * g.dil_h, dw = s * g.dil_w;
    float* row = dst + d * width;
    for (int o = 0; o < count; ++o) row[o] = Tap(g, plane, top[o] + dh, left[o] + dw);
    if (++s == g.s) {
      s = 0;
      if (++r == g.r) {
        r = 0;
        ++c;
      }
    }
  }
}

void PackIm2colTransposed(const void* operand, int64_t outer0, int count, int width,
                          int64_t depth0, int depth, float* dst) {
  const Im2col& op = *static_cast<const Im2col*>(operand);
  const Geometry& g = *op.g;
  const float* planes[kMaxPanel];
  int64_t dh[kMaxPanel], dw[kMaxPanel];
  for (int o = 0; o < count; ++o) {
    const int64_t tap = outer0 + o;
    planes[o] = op.image + tap / (g.r * g.s) * g.h * g.w;
    dh[o] = tap / g.s % g.r * g.dil_h - g.pad_h;
    dw[o] = tap % g.s * g.dil_w - g.pad_w;
  }
  int64_t oh = depth0 / g.ow, ow = depth0 % g.ow;
  for (int d = 0; d < depth; ++d) {
    const int64_t ih = oh * g.stride_h, iw = ow * g.stride_w;
    float* row = dst + d * width;
    for (int o = 0; o < count; ++o) row[o] = Tap(g, planes[o], ih + dh[o], iw + dw[o]);
    if (++ow == g.ow) {
      ow = 0;
      ++oh;
    }
  }
}

// y[n][k][pixel] (float32) = Σ w[k][crs] · im2col[crs][pixel], per image and group.
std::vector<float> ConvolveForward(const Geometry& g, const float* x, const float* w) {
  std::vector<float> y(static_cast<size_t>(g.n * g.k * g.pixels()));
  for (int64_t n = 0; n < g.n; ++n)
    for (int64_t grp = 0; grp < g.groups; ++grp) {
      const Strided filter{w + grp * g.kg * g.crs(), g.crs(), 1};
      const Im2col image{&g, x + (n * g.c + grp * g.cg) * g.h * g.w};
      hostcuda::HostSgemm(g.kg, g.pixels(), g.crs(), 1.0f, PackStrided, &filter, PackIm2col,
                          &image, 0.0f, y.data() + (n * g.k + grp * g.kg) * g.pixels(),
                          g.pixels(), 1, hostcuda::HostThreads());
    }
  return y;
}

// dx[n][c][h][w] (float32) = the transposed convolution of dy: per image and group, the
// columns wᵀ·dy, folded back onto the image (col2im).
std::vector<float> ConvolveBackwardData(const Geometry& g, const float* w, const float* dy) {
  std::vector<float> dx(static_cast<size_t>(g.n * g.c * g.h * g.w), 0.0f);
  std::vector<float> columns(static_cast<size_t>(g.crs() * g.pixels()));
  for (int64_t n = 0; n < g.n; ++n)
    for (int64_t grp = 0; grp < g.groups; ++grp) {
      const Strided filter_t{w + grp * g.kg * g.crs(), 1, g.crs()};
      const Strided grad{dy + (n * g.k + grp * g.kg) * g.pixels(), 1, g.pixels()};
      hostcuda::HostSgemm(g.crs(), g.pixels(), g.kg, 1.0f, PackStrided, &filter_t, PackStrided,
                          &grad, 0.0f, columns.data(), g.pixels(), 1, hostcuda::HostThreads());
      float* image = dx.data() + (n * g.c + grp * g.cg) * g.h * g.w;
      const float* row = columns.data();
      for (int64_t c = 0; c < g.cg; ++c)
        for (int64_t r = 0; r < g.r; ++r)
          for (int64_t s = 0; s < g.s; ++s, row += g.pixels())
            for (int64_t oh = 0; oh < g.oh; ++oh) {
              const int64_t ih = oh * g.stride_h - g.pad_h + r * g.dil_h;
              if (ih < 0 || ih >= g.h) continue;
              float* dst = image + (c * g.h + ih) * g.w;
              for (int64_t ow = 0; ow < g.ow; ++ow) {
                const int64_t iw = ow * g.stride_w - g.pad_w + s * g.dil_w;
                if (iw >= 0 && iw < g.w) dst[iw] += row[oh * g.ow + ow];
              }
            }
    }
  return dx;
}

// dw[k][crs] (float32) = Σ over images of dy[k][pixel] · im2col[crs][pixel], per group.
std::vector<float> ConvolveBackwardFilter(const Geometry& g, const float* x, const float* dy) {
  std::vector<float> dw(static_cast<size_t>(g.k * g.crs()));
  for (int64_t grp = 0; grp < g.groups; ++grp)
    for (int64_t n = 0; n < g.n; ++n) {
      const Strided grad{dy + (n * g.k + grp * g.kg) * g.pixels(), g.pixels(), 1};
      const Im2col image{&g, x + (n * g.c + grp * g.cg) * g.h * g.w};
      hostcuda::HostSgemm(g.kg, g.crs(), g.pixels(), 1.0f, PackStrided, &grad,
                          PackIm2colTransposed, &image, n == 0 ? 0.0f : 1.0f,
                          dw.data() + grp * g.kg * g.crs(), g.crs(), 1, hostcuda::HostThreads());
    }
  return dw;
}

// ---- queued work ----------------------------------------------------------------------------

// Whether [p, p + bytes) is device memory of the current device; a fault if not.
bool Reachable(const char* call, const char* what, const void* p, size_t bytes) {
  if (bytes == 0) return true;
  const char* why = nullptr;
  const char* last = static_cast<const char*>(p) + bytes - 1;
  if (hostcuda::DevicePointerOk(p, &why) && hostcuda::DevicePointerOk(last, &why)) return true;
  hostcuda::ReportFault(std::string(call) + ": " + what + " is " + why);
  return false;
}

size_t Bytes(const Tensor& t) { return static_cast<size_t>(Numel(t)) * ElementBytes(t.type); }
size_t Bytes(const Filter& f) { return static_cast<size_t>(Numel(f)) * ElementBytes(f.type); }

// The scratch a real algorithm would leave behind: NaN.
void Scribble(void* workspace, size_t bytes) {
  if (bytes > 0) std::memset(workspace, 0xff, bytes);
}

// y = act(alpha1·conv + alpha2·z + bias), act RELU without NaN propagation or IDENTITY.
struct Epilogue {
  bool fused = false;
  float alpha2 = 0.0f;
  Tensor z_desc, bias_desc;
  const void* z = nullptr;
  const void* bias = nullptr;
  bool relu = false;
};

struct ForwardWork {
  const char* call;
  Tensor x_desc, y_desc;
  Filter w_desc;
  Conv conv;
  Geometry g;
  const void* x;
  const void* w;
  void* y;
  void* workspace;
  size_t workspace_bytes;  // what the algorithm asked for
  float alpha, beta;
  Epilogue epilogue;

  std::vector<hostcuda::DeviceAccess> Accesses() const {
    std::vector<hostcuda::DeviceAccess> a{{x, Bytes(x_desc), false},
                                          {w, Bytes(w_desc), false},
                                          {y, Bytes(y_desc), true},
                                          {workspace, workspace_bytes, true}};
    if (epilogue.fused) {
      a.push_back({epilogue.z, Bytes(epilogue.z_desc), false});
      a.push_back({epilogue.bias, Bytes(epilogue.bias_desc), false});
    }
    return a;
  }

  void operator()() const {
    if (!Reachable(call, "x", x, Bytes(x_desc)) || !Reachable(call, "w", w, Bytes(w_desc)) ||
        !Reachable(call, "y", y, Bytes(y_desc)) ||
        !Reachable(call, "the workspace", workspace, workspace_bytes))
      return;
    const Epilogue& e = epilogue;
    if (e.fused && (!Reachable(call, "z", e.z, Bytes(e.z_desc)) ||
                    !Reachable(call, "the bias", e.bias, Bytes(e.bias_desc))))
      return;
    Scribble(workspace, workspace_bytes);
    const bool tf32 = UsesTf32(conv, g.type);
    const std::vector<float> xs = ImageToNchw(x_desc, x, tf32);
    const std::vector<float> ws = FilterToKcrs(w_desc, w, g.flip, tf32);
    const std::vector<float> result = ConvolveForward(g, xs.data(), ws.data());
    if (!epilogue.fused) {
      BlendImage(y_desc, y, result.data(), alpha, beta);
      return;
    }
    // alpha2·z is added whatever alpha2 is: cuDNN documents no exception for alpha2 = 0.
    size_t i = 0;
    for (int64_t n = 0; n < g.n; ++n)
      for (int64_t k = 0; k < g.k; ++k) {
        const float b = Load(epilogue.bias, epilogue.bias_desc.type,
                             Offset(epilogue.bias_desc, 0, k, 0, 0));
        for (int64_t h = 0; h < g.oh; ++h)
          for (int64_t w = 0; w < g.ow; ++w) {
            const int64_t at = Offset(y_desc, n, k, h, w);
            float v = alpha * result[i++] +
                      epilogue.alpha2 * Load(epilogue.z, epilogue.z_desc.type, at) + b;
            if (epilogue.relu) v = v > 0.0f ? v : 0.0f;  // NaN becomes 0: not propagated
            Store(y, y_desc.type, at, v);
          }
      }
  }
};

struct BackwardDataWork {
  Filter w_desc;
  Tensor dy_desc, dx_desc;
  Conv conv;
  Geometry g;
  const void* w;
  const void* dy;
  void* dx;
  void* workspace;
  size_t workspace_bytes;
  float alpha, beta;
  static constexpr const char* call = "cudnnConvolutionBackwardData";

  std::vector<hostcuda::DeviceAccess> Accesses() const {
    return {{w, Bytes(w_desc), false},
            {dy, Bytes(dy_desc), false},
            {dx, Bytes(dx_desc), true},
            {workspace, workspace_bytes, true}};
  }

  void operator()() const {
    if (!Reachable(call, "w", w, Bytes(w_desc)) || !Reachable(call, "dy", dy, Bytes(dy_desc)) ||
        !Reachable(call, "dx", dx, Bytes(dx_desc)) ||
        !Reachable(call, "the workspace", workspace, workspace_bytes))
      return;
    Scribble(workspace, workspace_bytes);
    const bool tf32 = UsesTf32(conv, g.type);
    const std::vector<float> ws = FilterToKcrs(w_desc, w, g.flip, tf32);
    const std::vector<float> dys = ImageToNchw(dy_desc, dy, tf32);
    const std::vector<float> result = ConvolveBackwardData(g, ws.data(), dys.data());
    BlendImage(dx_desc, dx, result.data(), alpha, beta);
  }
};

struct BackwardFilterWork {
  Tensor x_desc, dy_desc;
  Filter dw_desc;
  Conv conv;
  Geometry g;
  const void* x;
  const void* dy;
  void* dw;
  void* workspace;
  size_t workspace_bytes;
  float alpha, beta;
  static constexpr const char* call = "cudnnConvolutionBackwardFilter";

  std::vector<hostcuda::DeviceAccess> Accesses() const {
    return {{x, Bytes(x_desc), false},
            {dy, Bytes(dy_desc), false},
            {dw, Bytes(dw_desc), true},
            {workspace, workspace_bytes, true}};
  }

  void operator()() const {
    if (!Reachable(call, "x", x, Bytes(x_desc)) || !Reachable(call, "dy", dy, Bytes(dy_desc)) ||
        !Reachable(call, "dw", dw, Bytes(dw_desc)) ||
        !Reachable(call, "the workspace", workspace, workspace_bytes))
      return;
    Scribble(workspace, workspace_bytes);
    const bool tf32 = UsesTf32(conv, g.type);
    const std::vector<float> xs = ImageToNchw(x_desc, x, tf32);
    const std::vector<float> dys = ImageToNchw(dy_desc, dy, tf32);
    const std::vector<float> result = ConvolveBackwardFilter(g, xs.data(), dys.data());
    BlendFilter(dw_desc, dw, result.data(), g.flip, alpha, beta);
  }
};

// Queues a call's work on the handle's stream, its operands checked for races first.
template <typename Work>
cudnnStatus_t Queue(cudnnHandle_t handle, Work work) {
  hostcuda::TrackWork(handle->stream, work.Accesses(), work.call);
  hostcuda::Enqueue(handle->stream, std::move(work));
  return CUDNN_STATUS_SUCCESS;
}

// Alpha and beta point to float32 for float32 and bfloat16 data (cuDNN's scaling parameters).
float Scalar(const void* p) { return *static_cast<const float*>(p); }

// The forward's checks, shared by cudnnConvolutionForward and the fused call.
cudnnStatus_t CheckForward(cudnnHandle_t handle, const Tensor* x_desc, const void* x,
                           const Filter* w_desc, const void* w, const Conv* conv, int algo,
                           const void* workspace, size_t workspace_bytes, const Tensor* y_desc,
                           const void* y, Geometry* g, size_t* needed) {
  if (handle == nullptr || x == nullptr || w == nullptr || y == nullptr)
    return CUDNN_STATUS_BAD_PARAM;
  const cudnnStatus_t described = Describe(Direction::kForward, x_desc, w_desc, conv, y_desc, g);
  if (described != CUDNN_STATUS_SUCCESS) return described;
  return CheckAlgorithm(Direction::kForward, algo, *g, Operands{*x_desc, *w_desc, *y_desc},
                        workspace, workspace_bytes, needed);
}

// cuDNN's names for its statuses, as cudnnGetErrorString gives them.
const char* StatusName(cudnnStatus_t status) {
#define HOSTCUDA_STATUS(name) \
  case name:                  \
    return #name;
  switch (static_cast<int>(status)) {
    HOSTCUDA_STATUS(CUDNN_STATUS_SUCCESS)
    HOSTCUDA_STATUS(CUDNN_STATUS_NOT_INITIALIZED)
    HOSTCUDA_STATUS(CUDNN_STATUS_SUBLIBRARY_VERSION_MISMATCH)
    HOSTCUDA_STATUS(CUDNN_STATUS_SERIALIZATION_VERSION_MISMATCH)
    HOSTCUDA_STATUS(CUDNN_STATUS_DEPRECATED)
    HOSTCUDA_STATUS(CUDNN_STATUS_LICENSE_ERROR)
    HOSTCUDA_STATUS(CUDNN_STATUS_RUNTIME_IN_PROGRESS)
    HOSTCUDA_STATUS(CUDNN_STATUS_RUNTIME_FP_OVERFLOW)
    HOSTCUDA_STATUS(CUDNN_STATUS_SUBLIBRARY_LOADING_FAILED)
    HOSTCUDA_STATUS(CUDNN_STATUS_BAD_PARAM)
    case 2001: return "CUDNN_STATUS_INVALID_VALUE";  // deprecated, still named
    HOSTCUDA_STATUS(CUDNN_STATUS_BAD_PARAM_NULL_POINTER)
    HOSTCUDA_STATUS(CUDNN_STATUS_BAD_PARAM_MISALIGNED_POINTER)
    HOSTCUDA_STATUS(CUDNN_STATUS_BAD_PARAM_NOT_FINALIZED)
    HOSTCUDA_STATUS(CUDNN_STATUS_BAD_PARAM_OUT_OF_BOUND)
    HOSTCUDA_STATUS(CUDNN_STATUS_BAD_PARAM_SIZE_INSUFFICIENT)
    HOSTCUDA_STATUS(CUDNN_STATUS_BAD_PARAM_STREAM_MISMATCH)
    HOSTCUDA_STATUS(CUDNN_STATUS_BAD_PARAM_SHAPE_MISMATCH)
    HOSTCUDA_STATUS(CUDNN_STATUS_BAD_PARAM_DUPLICATED_ENTRIES)
    HOSTCUDA_STATUS(CUDNN_STATUS_BAD_PARAM_ATTRIBUTE_TYPE)
    HOSTCUDA_STATUS(CUDNN_STATUS_BAD_PARAM_CUDA_GRAPH_MISMATCH)
    HOSTCUDA_STATUS(CUDNN_STATUS_BAD_PARAM_DESCRIPTOR_TYPE)
    HOSTCUDA_STATUS(CUDNN_STATUS_NOT_SUPPORTED)
    HOSTCUDA_STATUS(CUDNN_STATUS_NOT_SUPPORTED_GRAPH_PATTERN)
    HOSTCUDA_STATUS(CUDNN_STATUS_NOT_SUPPORTED_SHAPE)
    HOSTCUDA_STATUS(CUDNN_STATUS_NOT_SUPPORTED_DATA_TYPE)
    HOSTCUDA_STATUS(CUDNN_STATUS_NOT_SUPPORTED_LAYOUT)
    HOSTCUDA_STATUS(CUDNN_STATUS_NOT_SUPPORTED_INCOMPATIBLE_CUDA_DRIVER)
    HOSTCUDA_STATUS(CUDNN_STATUS_NOT_SUPPORTED_INCOMPATIBLE_CUDART)
    HOSTCUDA_STATUS(CUDNN_STATUS_NOT_SUPPORTED_ARCH_MISMATCH)
    HOSTCUDA_STATUS(CUDNN_STATUS_NOT_SUPPORTED_RUNTIME_PREREQUISITE_MISSING)
    HOSTCUDA_STATUS(CUDNN_STATUS_NOT_SUPPORTED_SUBLIBRARY_UNAVAILABLE)
    HOSTCUDA_STATUS(CUDNN_STATUS_NOT_SUPPORTED_SHARED_MEMORY_INSUFFICIENT)
    HOSTCUDA_STATUS(CUDNN_STATUS_NOT_SUPPORTED_PADDING)
    HOSTCUDA_STATUS(CUDNN_STATUS_NOT_SUPPORTED_BAD_LAUNCH_PARAM)
    HOSTCUDA_STATUS(CUDNN_STATUS_NOT_SUPPORTED_CUDA_GRAPH_NATIVE_API)
    HOSTCUDA_STATUS(CUDNN_STATUS_INTERNAL_ERROR)
    HOSTCUDA_STATUS(CUDNN_STATUS_INTERNAL_ERROR_COMPILATION_FAILED)
    HOSTCUDA_STATUS(CUDNN_STATUS_INTERNAL_ERROR_UNEXPECTED_VALUE)
    HOSTCUDA_STATUS(CUDNN_STATUS_INTERNAL_ERROR_HOST_ALLOCATION_FAILED)
    HOSTCUDA_STATUS(CUDNN_STATUS_INTERNAL_ERROR_DEVICE_ALLOCATION_FAILED)
    HOSTCUDA_STATUS(CUDNN_STATUS_INTERNAL_ERROR_BAD_LAUNCH_PARAM)
    HOSTCUDA_STATUS(CUDNN_STATUS_INTERNAL_ERROR_TEXTURE_CREATION_FAILED)
    HOSTCUDA_STATUS(CUDNN_STATUS_EXECUTION_FAILED)
    HOSTCUDA_STATUS(CUDNN_STATUS_EXECUTION_FAILED_CUDA_DRIVER)
    HOSTCUDA_STATUS(CUDNN_STATUS_EXECUTION_FAILED_CUBLAS)
    HOSTCUDA_STATUS(CUDNN_STATUS_EXECUTION_FAILED_CUDART)
    HOSTCUDA_STATUS(CUDNN_STATUS_EXECUTION_FAILED_CURAND)
  }
#undef HOSTCUDA_STATUS
  return "CUDNN_UNKNOWN_STATUS";
}

}  // namespace

extern "C" {

// ---- library and handle ---------------------------------------------------------------------

size_t cudnnGetVersion(void) { return CUDNN_VERSION; }

const char* cudnnGetErrorString(cudnnStatus_t status) { return StatusName(status); }

cudnnStatus_t cudnnCreate(cudnnHandle_t* handle) {
  if (handle == nullptr) return CUDNN_STATUS_BAD_PARAM;
  *handle = new cudnnContext;
  return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnDestroy(cudnnHandle_t handle) {
  if (handle == nullptr) return CUDNN_STATUS_BAD_PARAM;
  delete handle;
  return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnSetStream(cudnnHandle_t handle, cudaStream_t streamId) {
  if (handle == nullptr) return CUDNN_STATUS_BAD_PARAM;
  handle->stream = streamId;
  return CUDNN_STATUS_SUCCESS;
}

// ---- descriptors ----------------------------------------------------------------------------

cudnnStatus_t cudnnCreateTensorDescriptor(cudnnTensorDescriptor_t* tensorDesc) {
  if (tensorDesc == nullptr) return CUDNN_STATUS_BAD_PARAM;
  *tensorDesc = new cudnnTensorStruct;
  return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnDestroyTensorDescriptor(cudnnTensorDescriptor_t tensorDesc) {
  delete tensorDesc;  // null is fine, as in cuDNN
  return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnSetTensor4dDescriptor(cudnnTensorDescriptor_t tensorDesc,
                                         cudnnTensorFormat_t format, cudnnDataType_t dataType,
                                         int n, int c, int h, int w) {
  if (tensorDesc == nullptr || !LegacyType(dataType) || n <= 0 || c <= 0 || h <= 0 || w <= 0)
    return CUDNN_STATUS_BAD_PARAM;
  if (const cudnnStatus_t s = CheckFormat(format, dataType); s != CUDNN_STATUS_SUCCESS) return s;
  // cuDNN refuses an image whose stride overflows int32 as a parameter error, and more than
  // 2^31 - 1 elements in all as not supported.
  if (int64_t{c} * h * w > kInt32Max) return CUDNN_STATUS_BAD_PARAM;
  if (int64_t{n} * c * h * w > kInt32Max) return CUDNN_STATUS_NOT_SUPPORTED;
  *tensorDesc = cudnnTensorStruct{true, dataType, format, n, c, h, w};
  return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnCreateFilterDescriptor(cudnnFilterDescriptor_t* filterDesc) {
  if (filterDesc == nullptr) return CUDNN_STATUS_BAD_PARAM;
  *filterDesc = new cudnnFilterStruct;
  return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnDestroyFilterDescriptor(cudnnFilterDescriptor_t filterDesc) {
  delete filterDesc;
  return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnSetFilter4dDescriptor(cudnnFilterDescriptor_t filterDesc,
                                         cudnnDataType_t dataType, cudnnTensorFormat_t format,
                                         int k, int c, int h, int w) {
  // As the tensor's, but INT32 filters are refused and the size is not limited.
  if (filterDesc == nullptr || !LegacyType(dataType) || dataType == CUDNN_DATA_INT32 || k <= 0 ||
      c <= 0 || h <= 0 || w <= 0)
    return CUDNN_STATUS_BAD_PARAM;
  if (const cudnnStatus_t s = CheckFormat(format, dataType); s != CUDNN_STATUS_SUCCESS) return s;
  *filterDesc = cudnnFilterStruct{true, dataType, format, k, c, h, w};
  return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnCreateConvolutionDescriptor(cudnnConvolutionDescriptor_t* convDesc) {
  if (convDesc == nullptr) return CUDNN_STATUS_BAD_PARAM;
  *convDesc = new cudnnConvolutionStruct;
  return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnDestroyConvolutionDescriptor(cudnnConvolutionDescriptor_t convDesc) {
  delete convDesc;
  return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnSetConvolution2dDescriptor(cudnnConvolutionDescriptor_t convDesc, int pad_h,
                                              int pad_w, int u, int v, int dilation_h,
                                              int dilation_w, cudnnConvolutionMode_t mode,
                                              cudnnDataType_t computeType) {
  if (convDesc == nullptr || pad_h < 0 || pad_w < 0 || u <= 0 || v <= 0 || dilation_h <= 0 ||
      dilation_w <= 0 || (mode != CUDNN_CONVOLUTION && mode != CUDNN_CROSS_CORRELATION))
    return CUDNN_STATUS_BAD_PARAM;
  // The compute types cuDNN takes here (BFLOAT16 and INT8 it refuses).
  if (computeType != CUDNN_DATA_FLOAT && computeType != CUDNN_DATA_DOUBLE &&
      computeType != CUDNN_DATA_HALF && computeType != CUDNN_DATA_INT32)
    return CUDNN_STATUS_BAD_PARAM;
  convDesc->set = true;
  convDesc->pad_h = pad_h;
  convDesc->pad_w = pad_w;
  convDesc->stride_h = u;
  convDesc->stride_w = v;
  convDesc->dil_h = dilation_h;
  convDesc->dil_w = dilation_w;
  convDesc->mode = mode;
  convDesc->compute = computeType;
  return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnSetConvolutionGroupCount(cudnnConvolutionDescriptor_t convDesc,
                                            int groupCount) {
  if (convDesc == nullptr || groupCount <= 0) return CUDNN_STATUS_BAD_PARAM;
  convDesc->groups = groupCount;
  return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnSetConvolutionMathType(cudnnConvolutionDescriptor_t convDesc,
                                          cudnnMathType_t mathType) {
  if (convDesc == nullptr || mathType < CUDNN_DEFAULT_MATH || mathType > CUDNN_FMA_MATH)
    return CUDNN_STATUS_BAD_PARAM;
  convDesc->math = mathType;
  return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnGetConvolution2dForwardOutputDim(const cudnnConvolutionDescriptor_t convDesc,
                                                    const cudnnTensorDescriptor_t inputTensorDesc,
                                                    const cudnnFilterDescriptor_t filterDesc,
                                                    int* n, int* c, int* h, int* w) {
  if (convDesc == nullptr || !convDesc->set || Unset(inputTensorDesc) || filterDesc == nullptr ||
      !filterDesc->set || n == nullptr || c == nullptr || h == nullptr || w == nullptr)
    return CUDNN_STATUS_BAD_PARAM;
  const Tensor& x = *inputTensorDesc;
  const Filter& f = *filterDesc;
  const Conv& conv = *convDesc;
  // Geometry only: formats and data types may differ here, channels and sizes may not.
  if (int64_t{x.c} != int64_t{f.c} * conv.groups) return CUDNN_STATUS_BAD_PARAM;
  if (int64_t{f.r - 1} * conv.dil_h + 1 > x.h + 2 * int64_t{conv.pad_h} ||
      int64_t{f.s - 1} * conv.dil_w + 1 > x.w + 2 * int64_t{conv.pad_w})
    return CUDNN_STATUS_BAD_PARAM;
  *n = x.n;
  *c = f.k;
  *h = static_cast<int>(OutputSize(x.h, conv.pad_h, f.r, conv.dil_h, conv.stride_h));
  *w = static_cast<int>(OutputSize(x.w, conv.pad_w, f.s, conv.dil_w, conv.stride_w));
  return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnCreateActivationDescriptor(cudnnActivationDescriptor_t* activationDesc) {
  if (activationDesc == nullptr) return CUDNN_STATUS_BAD_PARAM;
  *activationDesc = new cudnnActivationStruct;
  return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnDestroyActivationDescriptor(cudnnActivationDescriptor_t activationDesc) {
  delete activationDesc;
  return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnSetActivationDescriptor(cudnnActivationDescriptor_t activationDesc,
                                           cudnnActivationMode_t mode,
                                           cudnnNanPropagation_t reluNanOpt, double coef) {
  if (activationDesc == nullptr || mode < CUDNN_ACTIVATION_SIGMOID ||
      mode > CUDNN_ACTIVATION_SWISH ||
      (reluNanOpt != CUDNN_NOT_PROPAGATE_NAN && reluNanOpt != CUDNN_PROPAGATE_NAN))
    return CUDNN_STATUS_BAD_PARAM;
  *activationDesc = cudnnActivationStruct{true, mode, reluNanOpt, coef};
  return CUDNN_STATUS_SUCCESS;
}

// ---- algorithm search -----------------------------------------------------------------------

cudnnStatus_t cudnnGetConvolutionForwardAlgorithmMaxCount(cudnnHandle_t handle, int* count) {
  if (handle == nullptr || count == nullptr) return CUDNN_STATUS_BAD_PARAM;
  *count = AlgorithmCount(Direction::kForward);
  return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnGetConvolutionBackwardDataAlgorithmMaxCount(cudnnHandle_t handle, int* count) {
  if (handle == nullptr || count == nullptr) return CUDNN_STATUS_BAD_PARAM;
  *count = AlgorithmCount(Direction::kBackwardData);
  return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnGetConvolutionBackwardFilterAlgorithmMaxCount(cudnnHandle_t handle,
                                                                 int* count) {
  if (handle == nullptr || count == nullptr) return CUDNN_STATUS_BAD_PARAM;
  *count = AlgorithmCount(Direction::kBackwardFilter);
  return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnFindConvolutionForwardAlgorithm(cudnnHandle_t handle,
                                                   const cudnnTensorDescriptor_t xDesc,
                                                   const cudnnFilterDescriptor_t wDesc,
                                                   const cudnnConvolutionDescriptor_t convDesc,
                                                   const cudnnTensorDescriptor_t yDesc,
                                                   const int requestedAlgoCount,
                                                   int* returnedAlgoCount,
                                                   cudnnConvolutionFwdAlgoPerf_t* perfResults) {
  return Find<cudnnConvolutionFwdAlgoPerf_t, cudnnConvolutionFwdAlgo_t>(
      Direction::kForward, handle, xDesc, wDesc, convDesc, yDesc, requestedAlgoCount,
      returnedAlgoCount, perfResults);
}

cudnnStatus_t cudnnFindConvolutionBackwardDataAlgorithm(
    cudnnHandle_t handle, const cudnnFilterDescriptor_t wDesc, const cudnnTensorDescriptor_t dyDesc,
    const cudnnConvolutionDescriptor_t convDesc, const cudnnTensorDescriptor_t dxDesc,
    const int requestedAlgoCount, int* returnedAlgoCount,
    cudnnConvolutionBwdDataAlgoPerf_t* perfResults) {
  return Find<cudnnConvolutionBwdDataAlgoPerf_t, cudnnConvolutionBwdDataAlgo_t>(
      Direction::kBackwardData, handle, dxDesc, wDesc, convDesc, dyDesc, requestedAlgoCount,
      returnedAlgoCount, perfResults);
}

cudnnStatus_t cudnnFindConvolutionBackwardFilterAlgorithm(
    cudnnHandle_t handle, const cudnnTensorDescriptor_t xDesc, const cudnnTensorDescriptor_t dyDesc,
    const cudnnConvolutionDescriptor_t convDesc, const cudnnFilterDescriptor_t dwDesc,
    const int requestedAlgoCount, int* returnedAlgoCount,
    cudnnConvolutionBwdFilterAlgoPerf_t* perfResults) {
  return Find<cudnnConvolutionBwdFilterAlgoPerf_t, cudnnConvolutionBwdFilterAlgo_t>(
      Direction::kBackwardFilter, handle, xDesc, dwDesc, convDesc, dyDesc, requestedAlgoCount,
      returnedAlgoCount, perfResults);
}

// ---- convolutions ---------------------------------------------------------------------------

cudnnStatus_t cudnnConvolutionForward(cudnnHandle_t handle, const void* alpha,
                                      const cudnnTensorDescriptor_t xDesc, const void* x,
                                      const cudnnFilterDescriptor_t wDesc, const void* w,
                                      const cudnnConvolutionDescriptor_t convDesc,
                                      cudnnConvolutionFwdAlgo_t algo, void* workSpace,
                                      size_t workSpaceSizeInBytes, const void* beta,
                                      const cudnnTensorDescriptor_t yDesc, void* y) {
  if (alpha == nullptr || beta == nullptr) return CUDNN_STATUS_BAD_PARAM;
  Geometry g{};
  size_t needed = 0;
  const cudnnStatus_t status = CheckForward(handle, xDesc, x, wDesc, w, convDesc, algo, workSpace,
                                            workSpaceSizeInBytes, yDesc, y, &g, &needed);
  if (status != CUDNN_STATUS_SUCCESS) return status;
  return Queue(handle, ForwardWork{"cudnnConvolutionForward", *xDesc, *yDesc, *wDesc, *convDesc,
                                   g, x, w, y, workSpace, needed, Scalar(alpha), Scalar(beta),
                                   Epilogue{}});
}

cudnnStatus_t cudnnConvolutionBiasActivationForward(
    cudnnHandle_t handle, const void* alpha1, const cudnnTensorDescriptor_t xDesc, const void* x,
    const cudnnFilterDescriptor_t wDesc, const void* w, const cudnnConvolutionDescriptor_t convDesc,
    cudnnConvolutionFwdAlgo_t algo, void* workSpace, size_t workSpaceSizeInBytes,
    const void* alpha2, const cudnnTensorDescriptor_t zDesc, const void* z,
    const cudnnTensorDescriptor_t biasDesc, const void* bias,
    const cudnnActivationDescriptor_t activationDesc, const cudnnTensorDescriptor_t yDesc,
    void* y) {
  if (alpha1 == nullptr || alpha2 == nullptr || z == nullptr || bias == nullptr ||
      Unset(zDesc) || Unset(biasDesc) || activationDesc == nullptr || !activationDesc->set)
    return CUDNN_STATUS_BAD_PARAM;
  Geometry g{};
  size_t needed = 0;
  const cudnnStatus_t status = CheckForward(handle, xDesc, x, wDesc, w, convDesc, algo, workSpace,
                                            workSpaceSizeInBytes, yDesc, y, &g, &needed);
  if (status != CUDNN_STATUS_SUCCESS) return status;
  // cuDNN's documented limits of the fused call (CUDNN_STATUS_NOT_SUPPORTED): RELU or IDENTITY,
  // the latter with IMPLICIT_PRECOMP_GEMM alone; reluNanOpt CUDNN_NOT_PROPAGATE_NAN; a bias of
  // 1 × K × 1 × 1 with channel stride 1 and y's data type; z described as y.
  const Activation& act = *activationDesc;
  if (act.mode != CUDNN_ACTIVATION_RELU && act.mode != CUDNN_ACTIVATION_IDENTITY)
    return CUDNN_STATUS_NOT_SUPPORTED;
  if (act.mode == CUDNN_ACTIVATION_IDENTITY &&
      algo != CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM)
    return CUDNN_STATUS_NOT_SUPPORTED;
  if (act.nan != CUDNN_NOT_PROPAGATE_NAN) return CUDNN_STATUS_NOT_SUPPORTED;
  const Tensor& b = *biasDesc;
  const Tensor& zd = *zDesc;
  const Tensor& yd = *yDesc;
  if (b.n != 1 || b.c != wDesc->k || b.h != 1 || b.w != 1 || b.type != yd.type)
    return CUDNN_STATUS_NOT_SUPPORTED;
  if (zd.type != yd.type || zd.format != yd.format || zd.n != yd.n || zd.c != yd.c ||
      zd.h != yd.h || zd.w != yd.w)
    return CUDNN_STATUS_NOT_SUPPORTED;
  Epilogue epilogue;
  epilogue.fused = true;
  epilogue.alpha2 = Scalar(alpha2);
  epilogue.z_desc = zd;
  epilogue.bias_desc = b;
  epilogue.z = z;
  epilogue.bias = bias;
  epilogue.relu = act.mode == CUDNN_ACTIVATION_RELU;
  return Queue(handle, ForwardWork{"cudnnConvolutionBiasActivationForward", *xDesc, *yDesc,
                                   *wDesc, *convDesc, g, x, w, y, workSpace, needed,
                                   Scalar(alpha1), 0.0f, epilogue});
}

cudnnStatus_t cudnnConvolutionBackwardData(cudnnHandle_t handle, const void* alpha,
                                           const cudnnFilterDescriptor_t wDesc, const void* w,
                                           const cudnnTensorDescriptor_t dyDesc, const void* dy,
                                           const cudnnConvolutionDescriptor_t convDesc,
                                           cudnnConvolutionBwdDataAlgo_t algo, void* workSpace,
                                           size_t workSpaceSizeInBytes, const void* beta,
                                           const cudnnTensorDescriptor_t dxDesc, void* dx) {
  if (handle == nullptr || alpha == nullptr || beta == nullptr || w == nullptr || dy == nullptr ||
      dx == nullptr)
    return CUDNN_STATUS_BAD_PARAM;
  Geometry g{};
  cudnnStatus_t status = Describe(Direction::kBackwardData, dxDesc, wDesc, convDesc, dyDesc, &g);
  if (status != CUDNN_STATUS_SUCCESS) return status;
  size_t needed = 0;
  status = CheckAlgorithm(Direction::kBackwardData, algo, g, Operands{*dxDesc, *wDesc, *dyDesc},
                          workSpace, workSpaceSizeInBytes, &needed);
  if (status != CUDNN_STATUS_SUCCESS) return status;
  return Queue(handle, BackwardDataWork{*wDesc, *dyDesc, *dxDesc, *convDesc, g, w, dy, dx,
                                        workSpace, needed, Scalar(alpha), Scalar(beta)});
}

cudnnStatus_t cudnnConvolutionBackwardFilter(cudnnHandle_t handle, const void* alpha,
                                             const cudnnTensorDescriptor_t xDesc, const void* x,
                                             const cudnnTensorDescriptor_t dyDesc, const void* dy,
                                             const cudnnConvolutionDescriptor_t convDesc,
                                             cudnnConvolutionBwdFilterAlgo_t algo, void* workSpace,
                                             size_t workSpaceSizeInBytes, const void* beta,
                                             const cudnnFilterDescriptor_t dwDesc, void* dw) {
  if (handle == nullptr || alpha == nullptr || beta == nullptr || x == nullptr || dy == nullptr ||
      dw == nullptr)
    return CUDNN_STATUS_BAD_PARAM;
  Geometry g{};
  cudnnStatus_t status = Describe(Direction::kBackwardFilter, xDesc, dwDesc, convDesc, dyDesc, &g);
  if (status != CUDNN_STATUS_SUCCESS) return status;
  size_t needed = 0;
  status = CheckAlgorithm(Direction::kBackwardFilter, algo, g, Operands{*xDesc, *dwDesc, *dyDesc},
                          workSpace, workSpaceSizeInBytes, &needed);
  if (status != CUDNN_STATUS_SUCCESS) return status;
  return Queue(handle, BackwardFilterWork{*xDesc, *dyDesc, *dwDesc, *convDesc, g, x, dy, dw,
                                          workSpace, needed, Scalar(alpha), Scalar(beta)});
}

}  // extern "C"
