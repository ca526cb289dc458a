// oneDNN plumbing for the kernels that run on it: the thread count, the CPU's own tensor layouts
// (Tensor::layout codes are oneDNN format tags) and the layout rules kernels register, and
// errors turned into pd::Error. The engine and stream come from the op's CpuContext.
#pragma once

#include <dnnl.hpp>
#include <utility>
#include <vector>

#include "framework/op_registry.h"
#include "kernels/cpu_context.h"
#include "kernels/layout_rules.h"

namespace pd {

// Makes oneDNN's next primitive creation and execution on this thread use n threads.
void SetDnnlThreads(int n);

dnnl::memory::dims DnnlDims(const Dims& dims);

// ---- blocked layouts between oneDNN ops (Tensor::layout) ----

// The f32 descriptor of t's buffer: row-major over its dims, or its blocked layout.
dnnl::memory::desc DescOf(const Tensor& t);
// The Tensor::layout code for md over 4-D dims: 0 for plain nchw, the tag for the blocked
// layouts that kernels pass on (acdb, nChw8c, nChw16c); -1 for anything else, which the kernel must
// reorder to plain itself.
int LayoutCode(const dnnl::memory::desc& md, const Dims& dims);
// Whether m is float32 stored channels-last (nhwc, which is acdb over oneDNN's n, c, h, w).
bool IsChannelsLastF32(const dnnl::memory& m);
// True when t's layout holds more elements than numel() (channels padded to the block).
bool LayoutPads(const Tensor& t);

// The CPU's LayoutConverter: turns a blocked tensor back into plain row-major in place, through
// a new buffer from the allocator's cache (the blocked one goes back to it), with the reorder
// cached for the last layout and dims.
class PlainConverter final : public LayoutConverter {
 public:
  void ToPlain(Tensor* t, DeviceContext& ctx) override;

 private:
  Dims dims_;
  int layout_ = 0;
  dnnl::reorder reorder_;
  dnnl::memory src_, dst_;
};

// Buffers borrowed from the CPU allocator for one kernel run: reordered copies of inputs and
// scratchpads. A plan that owned them would hold activation-sized memory per convolution for
// the executor's life (gigabytes over a ResNet's training step); borrowed, they come from the
// allocator's cache, which serves the same sizes run after run. Freed when it goes out of
// scope: after the stream has been waited for.
class TempBuffers {
 public:
  TempBuffers() = default;
  TempBuffers(const TempBuffers&) = delete;
  TempBuffers& operator=(const TempBuffers&) = delete;
  ~TempBuffers();
  // Points m at a fresh buffer of its size, which reorders and oneDNN overwrite.
  void Bind(dnnl::memory& m);
  // A fresh buffer of bytes (not zeroed).
  void* Borrow(size_t bytes);

 private:
  std::vector<std::pair<void*, size_t>> blocks_;
};

// Runs body, turning oneDNN's exceptions into pd::Error naming the op.
template <typename F>
void WithDnnl(const OpContext& ctx, F&& body) {
  try {
    SetDnnlThreads(ctx.device().num_threads());
    body();
  } catch (const dnnl::error& e) {
    Fail(ctx.op().type(), ": oneDNN: ", e.what());
  }
}

}  // namespace pd
