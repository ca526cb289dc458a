// oneDNN plumbing for the kernels that run on it: the CPU engine, a stream per thread, the thread
// count, and errors turned into pd::Error.
#pragma once

#include <dnnl.hpp>

#include "framework/op_registry.h"

namespace pd {

// The process-wide CPU engine; oneDNN engines may be shared by threads.
const dnnl::engine& DnnlEngine();
// This thread's stream: streams are not meant to be shared by threads running at once.
dnnl::stream& DnnlStream();
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
// True when t's layout holds more elements than numel() (channels padded to the block).
bool LayoutPads(const Tensor& t);
// The Tensor::layout code of channels-last 4-D data (oneDNN's acdb): [N, C, H, W] stored as a
// row-major [N, H, W, C] array, the layout the brgemm convolutions work in.
int ChannelsLastLayout();

// Whether the executor may hand op blocked inputs: the kernels that read DescOf(input) rather
// than assume row-major. Decided from the op's type and attributes once, when the executor is
// built; element-wise ops are asked again per run (AcceptsBlockedNow) because they need equal
// layouts and no padding, and the channel-axis copies (concat, split, shuffle_channel) because
// they take channels-last inputs only, all of them.
enum class BlockedUse { kNone, kAny, kElementwise, kChannelsLast };
// pool2d's attributes are ones that oneDNN pooling computes as Paddle does (kernels/pool.cc).
bool PoolRunsOnDnnl(const OpView& op);
BlockedUse BlockedUseOf(const OpView& op);
bool AcceptsBlockedNow(BlockedUse use, const OpContext& ctx);

// Turns a blocked tensor back into plain row-major in place, through a scratch buffer kept for
// the next run (no allocation once warm) and a reorder cached for the last layout and dims.
class PlainConverter {
 public:
  void ToPlain(Tensor* t, int num_threads);

 private:
  Tensor scratch_;
  Dims dims_;
  int layout_ = 0;
  dnnl::reorder reorder_;
  dnnl::memory src_, dst_;
};

// Runs body, turning oneDNN's exceptions into pd::Error naming the op.
template <typename F>
void WithDnnl(const OpContext& ctx, F&& body) {
  try {
    SetDnnlThreads(ctx.config().num_threads);
    body();
  } catch (const dnnl::error& e) {
    Fail(ctx.op().type(), ": oneDNN: ", e.what());
  }
}

}  // namespace pd
