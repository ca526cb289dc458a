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
