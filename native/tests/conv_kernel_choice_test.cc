// kernels/conv_kernel_choice.h: where it overrides oneDNN's first convolution kernel (on CPUs
// with AVX2 but not AVX-512), the older kernel must run on exactly the layouts oneDNN chose and
// give the first kernel's results; where oneDNN does not offer the older kernel for a shape, the
// first one stays. On other CPUs both are the same kernel and the check holds trivially; the rule
// itself is checked on its own.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "kernels/conv_kernel_choice.h"
#include "kernels/cpu_context.h"
#include "kernels/dnnl_util.h"
#include "test_util.h"

namespace pd::test {
namespace {

using dnnl::memory;
using Tag = memory::format_tag;

TEST(ConvKernelChoice, RuleNamesTheOlderKernelOnlyWhereItWasMeasuredFaster) {
  EXPECT_STREQ(OlderAvx2Kernel("brgconv_1x1:avx2", 256, 14 * 14), "jit_1x1:avx2");
  EXPECT_STREQ(OlderAvx2Kernel("brdgmm_dw:avx2", 1, 8 * 56 * 56), "jit_dw:avx2");
  EXPECT_EQ(OlderAvx2Kernel("brdgmm_dw:avx2", 1, 8 * 75 * 75), nullptr);
  EXPECT_STREQ(OlderAvx2Kernel("brg_conv_fwd:avx2", 3, 224 * 224), "jit:avx2");
  EXPECT_EQ(OlderAvx2Kernel("brg_conv_fwd:avx2", 64, 56 * 56), nullptr);
  EXPECT_EQ(OlderAvx2Kernel("brgconv_1x1:avx512_core", 256, 14 * 14), nullptr);
}


// These kernels run outside any executor: one CPU context (oneDNN engine and stream) for all.
pd::CpuContext& StandaloneCpu() {
  static pd::CpuContext cpu(pd::Place::CPU(), pd::ExecConfig{});
  return cpu;
}

struct Case {
  int n, ic, oc, groups, hw, k, stride;
  bool older_offered;  // oneDNN 3.7 offers the older kernel for this shape (when it is preferred)
};

// Runs pd's kernel over seeded src and weights given in plain layouts; returns dst as plain nchw.
std::vector<float> RunConv(const dnnl::convolution_forward::primitive_desc& pd, const Case& c,
                           const std::vector<float>& x, const std::vector<float>& w,
                           const std::vector<float>& b) {
  const auto& engine = StandaloneCpu().engine();
  dnnl::stream& stream = StandaloneCpu().stream_ref();
  const auto f32 = memory::data_type::f32;
  const int out = (c.hw + 2 * (c.k / 2) - c.k) / c.stride + 1;
  const memory::dims wdims = c.groups == 1 ? memory::dims{c.oc, c.ic, c.k, c.k}
                                           : memory::dims{c.groups, c.oc / c.groups,
                                                          c.ic / c.groups, c.k, c.k};
  memory x_plain({{c.n, c.ic, c.hw, c.hw}, f32, Tag::nchw}, engine, const_cast<float*>(x.data()));
  memory w_plain({wdims, f32, c.groups == 1 ? Tag::oihw : Tag::goihw}, engine,
                 const_cast<float*>(w.data()));
  memory bias({{c.oc}, f32, Tag::x}, engine, const_cast<float*>(b.data()));
  std::vector<float> y(static_cast<size_t>(c.n) * c.oc * out * out);
  memory y_plain({{c.n, c.oc, out, out}, f32, Tag::nchw}, engine, y.data());
  memory src(pd.src_desc(), engine), weights(pd.weights_desc(), engine), dst(pd.dst_desc(), engine);
  dnnl::reorder(x_plain, src).execute(stream, x_plain, src);
  dnnl::reorder(w_plain, weights).execute(stream, w_plain, weights);
  dnnl::convolution_forward(pd).execute(
      stream, {{DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, weights}, {DNNL_ARG_BIAS, bias},
               {DNNL_ARG_DST, dst}});
  dnnl::reorder(dst, y_plain).execute(stream, dst, y_plain);
  stream.wait();
  return y;
}

TEST(ConvKernelChoice, ChosenKernelKeepsTheLayoutsAndTheResults) {
  // 1x1 (also strided), depthwise small and large, a first layer over RGB, a 3x3 kept as is.
  // oneDNN 3.7 offers no jit_1x1 for the strided 1x1 over an odd size in channels-last data.
  const Case cases[] = {{1, 64, 96, 1, 14, 1, 1, true},   {2, 32, 64, 1, 16, 1, 2, true},
                        {2, 32, 64, 1, 15, 1, 2, false},  {1, 40, 40, 40, 28, 3, 1, true},
                        {8, 24, 24, 24, 80, 3, 2, true},  {1, 3, 16, 1, 33, 7, 2, true},
                        {1, 16, 16, 1, 9, 3, 1, true}};
  const auto f32 = memory::data_type::f32;
  for (const Case& c : cases) {
    SCOPED_TRACE("ic " + std::to_string(c.ic) + " groups " + std::to_string(c.groups) + " k " +
                 std::to_string(c.k) + " batch " + std::to_string(c.n));
    const int pad = c.k / 2, out = (c.hw + 2 * pad - c.k) / c.stride + 1;
    const memory::desc src_any({c.n, c.ic, c.hw, c.hw}, f32, Tag::any);
    const memory::desc dst_any({c.n, c.oc, out, out}, f32, Tag::any);
    const memory::dims wdims = c.groups == 1 ? memory::dims{c.oc, c.ic, c.k, c.k}
                                             : memory::dims{c.groups, c.oc / c.groups,
                                                            c.ic / c.groups, c.k, c.k};
    dnnl::post_ops post;
    post.append_eltwise(dnnl::algorithm::eltwise_relu, 0.0f, 0.0f);
    dnnl::primitive_attr attr;
    attr.set_post_ops(post);
    const auto make = [&](const memory::desc& src, const memory::desc& dst) {
      return dnnl::convolution_forward::primitive_desc(
          StandaloneCpu().engine(), dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct,
          src, memory::desc(wdims, f32, Tag::any), memory::desc({c.oc}, f32, Tag::x), dst,
          {c.stride, c.stride}, {pad, pad}, {pad, pad}, attr);
    };
    const auto first = make(src_any, dst_any);
    const auto chosen = ChooseConvKernel(make, src_any, dst_any, c.ic / c.groups);
    const char* older = OlderAvx2Kernel(first.impl_info_str(), c.ic / c.groups,
                                        int64_t{c.n} * c.hw * c.hw);
    std::cout << "[ kernel   ] " << first.impl_info_str() << " -> " << chosen.impl_info_str()
              << "\n";
    EXPECT_EQ(std::string(chosen.impl_info_str()),
              older && c.older_offered ? older : first.impl_info_str());
    EXPECT_TRUE(chosen.src_desc() == first.src_desc());
    EXPECT_TRUE(chosen.dst_desc() == first.dst_desc());
    const auto x = RandomFloats(static_cast<size_t>(c.n) * c.ic * c.hw * c.hw, 1);
    const auto w = RandomFloats(static_cast<size_t>(c.oc) * (c.ic / c.groups) * c.k * c.k, 2);
    const auto b = RandomFloats(static_cast<size_t>(c.oc), 3);
    ExpectNear(RunConv(chosen, c, x, w, b), RunConv(first, c, x, w, b), 1e-4f);
  }
}

}  // namespace
}  // namespace pd::test
