#include "kernels/dnnl_util.h"

#ifdef _OPENMP
#include <omp.h>
#endif

namespace pd {

const dnnl::engine& DnnlEngine() {
  static const dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

dnnl::stream& DnnlStream() {
  thread_local dnnl::stream stream(DnnlEngine());
  return stream;
}

void SetDnnlThreads(int n) {
  // Debian's libdnnl runs on OpenMP, whose thread count is a per-thread setting: each predictor
  // (clone) thread sets its own. Primitives size their work split at creation, so this runs before
  // creation as well as before execution.
#ifdef _OPENMP
  if (n < 1) n = 1;
  if (omp_get_max_threads() != n) omp_set_num_threads(n);
#else
  (void)n;
#endif
}

dnnl::memory::dims DnnlDims(const Dims& dims) {
  return dnnl::memory::dims(dims.begin(), dims.end());
}

}  // namespace pd
