// Winograd F(4x4, 3x3) (kernels/winograd.h) against oneDNN's direct kernel on the 3x3 stride-1
// convolutions of ResNet-50, channels-last, with bias and a relu post-op, forward inference.
//
//   winograd_bench [-batch N] [-threads T] [-reps R] [-avx2]
//
// -avx2 runs both on AVX2 alone (oneDNN capped at AVX2 through dnnl::set_max_cpu_isa, Winograd
// on its AVX2 copy): what a CPU without AVX-512 gets.
// Prints one JSON line per shape: median milliseconds per execution of each, and whether
// WinogradPays chooses Winograd for it. The two run alternately, one execution each, so that a
// burst of other load on the machine lands on both.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "bench_util.h"
#include "kernels/cpu_context.h"
#include "kernels/dnnl_util.h"
#include "kernels/winograd.h"

namespace {

using pd::bench::IntFlag;
using pd::bench::Median;
using pd::bench::StandaloneCpu;

using dnnl::memory;
using Tag = memory::format_tag;

struct Shape {
  int count;  // ResNet-50's layers with this shape (3x3, stride 1, padding 1)
  int channels, hw;
};

constexpr Shape kShapes[] = {{3, 64, 56}, {3, 128, 28}, {5, 256, 14}, {2, 512, 7}};

void Fill(float* p, size_t n) {
  // Small values, so that neither side meets denormals or infinities.
  for (size_t i = 0; i < n; ++i) p[i] = 0.01f * static_cast<float>(i % 97) - 0.48f;
}

template <typename F>
double Millis(F&& f) {
  const auto start = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
      .count();
}

}  // namespace

int main(int argc, char** argv) {
  const int batch = IntFlag(argc, argv, "-batch", 1);
  const int threads = IntFlag(argc, argv, "-threads", 1);
  const int reps = IntFlag(argc, argv, "-reps", 40);
  if (batch < 1 || threads < 1 || reps < 1) {
    std::fprintf(stderr, "usage: winograd_bench [-batch N] [-threads T] [-reps R] [-avx2]\n");
    return 2;
  }
  bool avx2 = false;
  for (int i = 1; i < argc; ++i) avx2 = avx2 || std::strcmp(argv[i], "-avx2") == 0;
  const pd::VectorIsa isa = avx2 ? pd::VectorIsa::kAvx2 : pd::WinogradIsa();
  if (!pd::VectorIsaRuns(isa) || isa == pd::VectorIsa::kScalar) {
    std::fprintf(stderr, "winograd_bench: this CPU has neither AVX2 nor AVX-512\n");
    return 1;
  }
  if (avx2) dnnl::set_max_cpu_isa(dnnl::cpu_isa::avx2);
  pd::SetDnnlThreads(threads);
  const auto f32 = memory::data_type::f32;
  const auto& engine = StandaloneCpu().engine();
  dnnl::stream& stream = StandaloneCpu().stream_ref();
  for (const Shape& s : kShapes) {
    const int c = s.channels, hw = s.hw;
    const memory::desc src_md({batch, c, hw, hw}, f32, Tag::acdb);
    const memory::desc bias_md({c}, f32, Tag::x);
    dnnl::post_ops post;
    post.append_eltwise(dnnl::algorithm::eltwise_relu, 0.0f, 0.0f);
    dnnl::primitive_attr attr;
    attr.set_post_ops(post);
    const dnnl::convolution_forward::primitive_desc pd(
        engine, dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct, src_md,
        memory::desc({c, c, 3, 3}, f32, Tag::any), bias_md, src_md, {1, 1}, {1, 1}, {1, 1}, attr);
    const dnnl::convolution_forward conv(pd);
    memory src(src_md, engine), dst(src_md, engine), bias(bias_md, engine);
    memory filter(memory::desc({c, c, 3, 3}, f32, Tag::oihw), engine);
    memory weights(pd.weights_desc(), engine);
    for (memory* m : {&src, &bias, &filter})
      Fill(static_cast<float*>(m->get_data_handle()), m->get_desc().get_size() / sizeof(float));
    dnnl::reorder(filter, weights).execute(stream, filter, weights);

    const pd::WinogradShape ws{batch, hw, hw, c, c, 1, 1, hw, hw};
    pd::WinogradConv wino(ws, isa);
    wino.SetFilter(static_cast<const float*>(filter.get_data_handle()), threads);
    std::vector<float> scratch(wino.ScratchFloats(threads));
    std::vector<float> out(static_cast<size_t>(batch) * c * hw * hw);
    const pd::WinogradPostOps wpost{true, false, true};

    std::vector<double> direct_ms, wino_ms;
    for (int i = 0; i < reps + 3; ++i) {
      const double d = Millis([&] {
        conv.execute(stream, {{DNNL_ARG_SRC, src},
                              {DNNL_ARG_WEIGHTS, weights},
                              {DNNL_ARG_BIAS, bias},
                              {DNNL_ARG_DST, dst}});
        stream.wait();
      });
      const double w = Millis([&] {
        wino.Run(static_cast<const float*>(src.get_data_handle()),
                 static_cast<const float*>(bias.get_data_handle()), out.data(), wpost, threads,
                 scratch.data());
      });
      if (i >= 3) direct_ms.push_back(d), wino_ms.push_back(w);
    }
    // The two must agree, or the timing means nothing.
    const float* want = static_cast<const float*>(dst.get_data_handle());
    float max_diff = 0, max_abs = 0;
    for (size_t i = 0; i < out.size(); ++i) {
      max_diff = std::max(max_diff, std::abs(out[i] - want[i]));
      max_abs = std::max(max_abs, std::abs(want[i]));
    }
    std::printf(
        "{\"shape\":\"c%d %dx%d\",\"count\":%d,\"isa\":\"%s\",\"batch\":%d,\"threads\":%d,"
        "\"direct\":\"%s\",\"direct_ms\":%.4f,\"winograd_ms\":%.4f,\"speedup\":%.2f,"
        "\"chosen\":%s,\"max_rel_diff\":%.2e}\n",
        c, hw, hw, s.count, pd::VectorIsaName(isa), batch, threads, pd.impl_info_str(),
        Median(direct_ms),
        Median(wino_ms), Median(direct_ms) / Median(wino_ms),
        pd::WinogradPays(ws, threads, isa) ? "true" : "false", max_diff / max_abs);
  }
  return 0;
}
