// oneDNN's first-choice convolution kernel against the one kernels/conv_kernel_choice.h picks,
// on the convolution shapes of the benchmarked models where the two differ (ResNet-50's 1x1
// convolutions and 7x7 first layer, SSD-MobileNetV1's and ShuffleNetV2's depthwise convolutions
// and 3x3 first layers). Channels-last data, a relu post-op, forward inference.
//
//   conv_kernel_bench [-batch N] [-threads T] [-reps R]
//
// Prints one JSON line per shape: both kernels' names and median milliseconds per execution.
// The two primitives run alternately, one execution each, so that a burst of other load on the
// machine lands on both.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "bench_util.h"
#include "kernels/conv_kernel_choice.h"
#include "kernels/cpu_context.h"
#include "kernels/dnnl_util.h"

namespace {

using pd::bench::IntFlag;
using pd::bench::Median;
using pd::bench::StandaloneCpu;

using dnnl::memory;
using Tag = memory::format_tag;

struct Shape {
  const char* group;  // the model layers it stands for
  int count;          // how many layers of that model have it
  int ic, oc, groups, hw, k, stride;
};

// Each model's layers whose kernel the choice changes, with their multiplicity in one pass.
constexpr Shape kShapes[] = {
    {"resnet50_1x1", 6, 256, 1024, 1, 14, 1, 1}, {"resnet50_1x1", 5, 1024, 256, 1, 14, 1, 1},
    {"resnet50_1x1", 4, 64, 256, 1, 56, 1, 1},   {"resnet50_1x1", 4, 128, 512, 1, 28, 1, 1},
    {"resnet50_1x1", 3, 512, 2048, 1, 7, 1, 1},  {"resnet50_1x1", 3, 512, 128, 1, 28, 1, 1},
    {"resnet50_1x1", 2, 256, 64, 1, 56, 1, 1},   {"resnet50_1x1", 2, 2048, 512, 1, 7, 1, 1},
    {"resnet50_1x1", 1, 64, 64, 1, 56, 1, 1},    {"resnet50_1x1", 1, 512, 256, 1, 28, 1, 1},
    {"resnet50_1x1", 1, 512, 1024, 1, 28, 1, 2}, {"resnet50_1x1", 1, 256, 512, 1, 56, 1, 2},
    {"resnet50_1x1", 1, 256, 128, 1, 56, 1, 1},  {"resnet50_1x1", 1, 1024, 512, 1, 14, 1, 1},
    {"resnet50_1x1", 1, 1024, 2048, 1, 14, 1, 2},
    {"resnet50_first", 1, 3, 64, 1, 224, 7, 2},
    {"mobilenet_dw", 1, 32, 32, 32, 150, 3, 1},   {"mobilenet_dw", 1, 64, 64, 64, 150, 3, 2},
    {"mobilenet_dw", 1, 128, 128, 128, 75, 3, 1}, {"mobilenet_dw", 1, 128, 128, 128, 75, 3, 2},
    {"mobilenet_dw", 1, 256, 256, 256, 38, 3, 1}, {"mobilenet_dw", 1, 256, 256, 256, 38, 3, 2},
    {"mobilenet_dw", 5, 512, 512, 512, 19, 3, 1}, {"mobilenet_dw", 1, 512, 512, 512, 19, 3, 2},
    {"mobilenet_dw", 1, 1024, 1024, 1024, 10, 3, 1},
    {"mobilenet_first", 1, 3, 32, 1, 300, 3, 2},
    {"shufflenet_dw", 1, 24, 24, 24, 56, 3, 2},     {"shufflenet_dw", 1, 58, 58, 58, 56, 3, 2},
    {"shufflenet_dw", 3, 58, 58, 58, 28, 3, 1},     {"shufflenet_dw", 2, 116, 116, 116, 28, 3, 2},
    {"shufflenet_dw", 7, 116, 116, 116, 14, 3, 1},  {"shufflenet_dw", 2, 232, 232, 232, 14, 3, 2},
    {"shufflenet_dw", 3, 232, 232, 232, 7, 3, 1},
    {"shufflenet_first", 1, 3, 24, 1, 224, 3, 2},
};

struct Run {
  dnnl::convolution_forward conv;
  std::string impl;
  memory src, weights, bias, dst;
  std::vector<double> ms;
};

Run Prepare(const dnnl::convolution_forward::primitive_desc& pd, const memory::desc& bias_md) {
  const auto& engine = StandaloneCpu().engine();
  Run r{dnnl::convolution_forward(pd), pd.impl_info_str(), memory(pd.src_desc(), engine),
        memory(pd.weights_desc(), engine), memory(bias_md, engine), memory(pd.dst_desc(), engine),
        {}};
  // Small values, so that no kernel meets denormals or infinities.
  for (memory* m : {&r.src, &r.weights, &r.bias}) {
    float* p = static_cast<float*>(m->get_data_handle());
    const size_t n = m->get_desc().get_size() / sizeof(float);
    for (size_t i = 0; i < n; ++i) p[i] = 0.01f * static_cast<float>(i % 97) - 0.48f;
  }
  return r;
}

void Execute(Run& r, bool timed) {
  dnnl::stream& stream = StandaloneCpu().stream_ref();
  const auto start = std::chrono::steady_clock::now();
  r.conv.execute(stream, {{DNNL_ARG_SRC, r.src},
                          {DNNL_ARG_WEIGHTS, r.weights},
                          {DNNL_ARG_BIAS, r.bias},
                          {DNNL_ARG_DST, r.dst}});
  stream.wait();
  if (timed)
    r.ms.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
            .count());
}

}  // namespace

int main(int argc, char** argv) {
  const int batch = IntFlag(argc, argv, "-batch", 1);
  const int threads = IntFlag(argc, argv, "-threads", 1);
  const int reps = IntFlag(argc, argv, "-reps", 40);
  if (batch < 1 || threads < 1 || reps < 1) {
    std::fprintf(stderr, "usage: conv_kernel_bench [-batch N] [-threads T] [-reps R]\n");
    return 2;
  }
  pd::SetDnnlThreads(threads);
  const auto f32 = memory::data_type::f32;
  for (const Shape& s : kShapes) {
    const int pad = s.k / 2, out = (s.hw + 2 * pad - s.k) / s.stride + 1;
    const memory::desc src_any({batch, s.ic, s.hw, s.hw}, f32, Tag::acdb);
    const memory::desc dst_any({batch, s.oc, out, out}, f32, Tag::acdb);
    const memory::desc w_any(s.groups == 1 ? memory::dims{s.oc, s.ic, s.k, s.k}
                                           : memory::dims{s.groups, s.oc / s.groups,
                                                          s.ic / s.groups, s.k, s.k},
                             f32, Tag::any);
    const memory::desc bias_md({s.oc}, f32, Tag::x);
    dnnl::post_ops post;
    post.append_eltwise(dnnl::algorithm::eltwise_relu, 0.0f, 0.0f);
    dnnl::primitive_attr attr;
    attr.set_post_ops(post);
    const auto make = [&](const memory::desc& src, const memory::desc& dst) {
      return dnnl::convolution_forward::primitive_desc(
          StandaloneCpu().engine(), dnnl::prop_kind::forward_inference,
          dnnl::algorithm::convolution_direct, src, w_any, bias_md, dst, {s.stride, s.stride},
          {pad, pad}, {pad, pad}, attr);
    };
    // Channels-last, as the models' convolutions run (the layout is what oneDNN picks for
    // them); the kernel is then oneDNN's first, or the chosen one, for that layout.
    Run first = Prepare(make(src_any, dst_any), bias_md);
    Run chosen = Prepare(pd::ChooseConvKernel(make, src_any, dst_any, s.ic / s.groups), bias_md);
    for (int i = 0; i < reps + 3; ++i) {
      Execute(first, i >= 3);
      Execute(chosen, i >= 3);
    }
    std::printf(
        "{\"group\":\"%s\",\"count\":%d,\"shape\":\"ic%d oc%d g%d %dx%d k%d s%d\",\"batch\":%d,"
        "\"threads\":%d,\"onednn\":\"%s\",\"onednn_ms\":%.4f,\"chosen\":\"%s\",\"chosen_ms\":%.4f}\n",
        s.group, s.count, s.ic, s.oc, s.groups, s.hw, s.hw, s.k, s.stride, batch, threads,
        first.impl.c_str(), Median(first.ms), chosen.impl.c_str(), Median(chosen.ms));
  }
  return 0;
}
