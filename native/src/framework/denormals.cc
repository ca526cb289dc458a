#include "framework/denormals.h"

#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>
#define PD_HAVE_MXCSR 1
#endif

#ifdef _OPENMP
#include <omp.h>
#endif

namespace pd {

#ifdef PD_HAVE_MXCSR
namespace {
constexpr unsigned kFlushToZero = 0x8000, kDenormalsAreZero = 0x0040;

// The largest team this thread has set its workers for. A thread a later, larger team adds is
// created while the calling thread flushes, and inherits its state.
thread_local int team_flushed = 1;
}  // namespace

ScopedFlushDenormals::ScopedFlushDenormals(int threads) : saved_(_mm_getcsr()) {
  _mm_setcsr(saved_ | kFlushToZero | kDenormalsAreZero);
#ifdef _OPENMP
  if (threads > team_flushed) {
#pragma omp parallel num_threads(threads)
    _mm_setcsr(_mm_getcsr() | kFlushToZero | kDenormalsAreZero);
    team_flushed = threads;
  }
#else
  (void)threads;
#endif
}

ScopedFlushDenormals::~ScopedFlushDenormals() { _mm_setcsr(saved_); }
#else
ScopedFlushDenormals::ScopedFlushDenormals(int) {}
ScopedFlushDenormals::~ScopedFlushDenormals() = default;
#endif

}  // namespace pd
