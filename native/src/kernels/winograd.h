// 3x3, stride-1 convolutions by Winograd's minimal filtering F(4x4, 3x3) (Lavin and Gray, "Fast
// Algorithms for Convolutional Neural Networks", 2016). Each 4x4 block of output pixels comes
// from a 6x6 block of input through 36 products per input/output channel pair instead of 144:
// the input block and the filter are each carried into a 6x6 transform space, where the
// convolution becomes 36 independent matrix products over the channels, and the 36 results are
// carried back. oneDNN 3 has no Winograd kernel on x86, and the direct kernels already run near
// the FMA ceiling, so the four times fewer multiplications are where ResNet-50's 3x3 layers
// still had time to give.
//
// Data is channels-last on both sides (what oneDNN's brgemm kernels read and write), so the
// layers before and after see the same layouts as with oneDNN. The transforms work on 16
// channels per AVX-512 vector, or 8 per AVX2 vector (kernels/winograd_isa.inc, one copy per
// instruction set); on CPUs without AVX2 the kernels do not run.
//
// Numerics: the transforms add and scale values by small constants (up to 8 on the way out, 1/6
// and 1/24 in the filter), so results differ from the direct convolution's by some float32
// rounding steps of the largest intermediate values: on ResNet-50's layers about 1e-5 of the
// output's largest magnitude (BENCHMARKS.md), well inside the 1e-4 our model tests hold
// against Paddle.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "kernels/conv_shape.h"
#include "kernels/cpu_features.h"

namespace pd {

// A convolution's geometry as the Winograd kernel needs it.
struct WinogradShape {
  int64_t n, h, w, c;             // the input, channels-last
  int64_t k;                      // output channels
  int64_t pad_top, pad_left;      // the rest of the padding follows from the output size
  int64_t out_h, out_w;
};

// The forward convolution's post-ops that the kernel applies as it writes the output.
struct WinogradPostOps {
  bool bias = false;      // add bias[k]
  bool residual = false;  // add what the output buffer holds (a fused residual)
  bool relu = false;      // then max(0, x)
};

// The instruction set the kernels run on here: AVX-512 where the CPU has it, else AVX2 (with
// FMA), else kScalar, where they do not run.
VectorIsa WinogradIsa();

// Whether the kernels run on this CPU and both channel counts are multiples of 16.
bool WinogradRuns(int64_t in_channels, int64_t out_channels);

// The Winograd convolution that computes a float32 convolution's output (Forward) or its
// Input@GRAD from its Output@GRAD (BackwardData), when it runs here and the convolution is one it
// can: a 3x3 window, stride 1, no dilation, one group, not transposed. Whether it pays is
// WinogradPays's question.
std::optional<WinogradShape> WinogradForward(const ConvShape& s);
std::optional<WinogradShape> WinogradBackwardData(const ConvShape& s);

// Whether Winograd is faster than oneDNN's direct kernel for this shape on `threads` threads
// (BENCHMARKS.md, "Winograd convolutions"). The transformed filter is four times the filter
// and is read once per block of output tiles: layers with fewer than 8 tiles per thread
// (ResNet-50's 7x7 stage at small batches) stay on the direct kernel, and so on AVX2 do
// transformed filters over 16 MB, which leave the cache between blocks (ResNet-50's 512
// channels, 0.9-1.0x at batch 8).
bool WinogradPays(const WinogradShape& s, int threads, VectorIsa isa = WinogradIsa());

// kAuto follows WinogradPays; kAlways takes Winograd wherever it runs; kNever never does. The
// environment's GOHUB_CONV_WINOGRAD (off, always) sets it when the library loads; tests set it
// here. Convolutions planned after the call follow it.
enum class WinogradChoice { kAuto, kAlways, kNever };
void SetWinogradChoice(WinogradChoice choice);

// Filter@GRAD [k, c, 3, 3] of the forward convolution s (overwritten) from its input src
// [n, h, w, c] and its Output@GRAD dy [n, out_h, out_w, k], channels-last: the gradient of
// each transformed filter point is the product of the transformed input and the output
// gradient carried into the transform space (A dY A^T), summed over every tile of the batch,
// and G^T carries it back to the 3x3 taps. scratch must hold
// WinogradFilterGradScratchFloats(s) floats (the whole batch, transformed).
void WinogradFilterGrad(const WinogradShape& s, const float* src, const float* dy,
                        float* dfilter, int threads, float* scratch,
                        VectorIsa isa = WinogradIsa());
int64_t WinogradFilterGradScratchFloats(const WinogradShape& s);

class WinogradConv {
 public:
  // isa: the instruction set to run on (tests and benchmarks compare them).
  explicit WinogradConv(const WinogradShape& s, VectorIsa isa = WinogradIsa());

  // Transforms filter, Paddle's [k, c, 3, 3], on up to `threads` threads.
  void SetFilter(const float* filter, int threads);
  // For the gradient of a forward convolution's input (its Input@GRAD from its Output@GRAD):
  // that is this convolution over Output@GRAD with the forward filter [c, k, 3, 3] turned by 180
  // degrees and its channel axes swapped, padded by 2 - the forward's padding.
  void SetBackwardDataFilter(const float* forward_filter, int threads);

  // dst [n, out_h, out_w, k] = post(conv(src [n, h, w, c])); bias has k values when post.bias.
  // scratch must hold ScratchFloats(threads) floats.
  void Run(const float* src, const float* bias, float* dst, const WinogradPostOps& post,
           int threads, float* scratch) const;
  int64_t ScratchFloats(int threads) const;

 private:
  // Fills u_ from f: tap i (row-major in the window) from input channel c to output channel k
  // is f[k * k_stride + c * c_stride + i], or tap 8 - i when turned.
  void TransformFilter(const float* f, int64_t k_stride, int64_t c_stride, bool turned,
                       int threads);

  WinogradShape s_;
  VectorIsa isa_;
  int64_t tiles_h_, tiles_w_;
  int64_t tile_block_;   // output tiles transformed together, sized to stay in L2
  // The transformed filter: [36][k / column block][c][<= column block]; the column block is
  // 64 output channels on AVX-512, 16 on AVX2.
  std::vector<float> u_;
};

}  // namespace pd
