// Which oneDNN kernel a forward convolution runs. oneDNN's first choice, except on CPUs with AVX2
// but not AVX-512: there oneDNN 3 ranks its brgemm kernels first, yet on the same channels-last
// data its older jit kernels are faster for three kinds of convolution (BENCHMARKS.md, "oneDNN
// convolution kernels", from native/bench/conv_kernels.cc): 1x1 (ResNet-50's), depthwise over
// inputs of up to 8x56x56 pixels (MobileNet's and ShuffleNet's; over MobileNet's 75x75 and
// 150x150 at batch 8, jit_dw was up to 40 % slower) and a first layer with fewer input channels
// than a vector holds (7x7 or 3x3 over RGB).
#pragma once

#include <dnnl.hpp>
#include <string>

namespace pd {

// The older kernel to prefer over oneDNN's choice impl, or null to keep impl. src_pixels: batch
// x height x width of the input.
inline const char* OlderAvx2Kernel(const std::string& impl, int64_t ic_per_group,
                                   int64_t src_pixels) {
  if (impl == "brgconv_1x1:avx2") return "jit_1x1:avx2";
  if (impl == "brdgmm_dw:avx2" && src_pixels <= 8 * 56 * 56) return "jit_dw:avx2";
  if (impl == "brg_conv_fwd:avx2" && ic_per_group < 8) return "jit:avx2";
  return nullptr;
}

// Whether a convolution asks oneDNN for a channels-last output rather than letting it choose: a
// first layer (fewer input channels than a vector holds, as over RGB). On AVX-512 oneDNN's jit
// kernel for it writes nChw16c, while every convolution after it runs on brgemm kernels that
// read and write channels-last: that output was reordered on its way to the next convolution,
// and a training step's batch norm, ReLU and max pool behind the stem ran on plain copies of it.
// Asked for channels-last, the same kernel writes it directly. Measured on an AVX-512 Xeon, one
// thread, alternating runs: the ShuffleNetV2 training step at batch 32 +4 %; inference of
// ResNet-50, ShuffleNetV2 and SSD MobileNetV1 at batch 1 and 8 from -2 % to +4 %, within noise.
inline bool FirstLayerWritesChannelsLast(int64_t groups, int64_t in_channels) {
  return groups == 1 && in_channels < 8;
}

// make(src, dst) builds the primitive descriptor for those source and destination descriptors.
// oneDNN picks the layouts (src_any, dst_any: format any); the older kernel, when preferred, is
// searched for among the implementations oneDNN accepts for exactly those layouts, so the choice
// never adds a reorder.
template <typename Make>
dnnl::convolution_forward::primitive_desc ChooseConvKernel(const Make& make,
                                                           const dnnl::memory::desc& src_any,
                                                           const dnnl::memory::desc& dst_any,
                                                           int64_t ic_per_group) {
  dnnl::convolution_forward::primitive_desc first = make(src_any, dst_any);
  const dnnl::memory::dims src = src_any.get_dims();  // N, C, H, W
  const char* older = OlderAvx2Kernel(first.impl_info_str(), ic_per_group,
                                      src[0] * src[2] * src[3]);
  if (older == nullptr) return first;
  dnnl::convolution_forward::primitive_desc alt = make(first.src_desc(), first.dst_desc());
  while (alt.next_impl())
    if (std::string(alt.impl_info_str()) == older) return alt;
  return first;
}

}  // namespace pd
