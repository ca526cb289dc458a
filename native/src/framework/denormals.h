// Denormal floats flushed to zero while an executor runs, as Paddle's executors run
// (ScopedFlushDenormal around NaiveExecutor::Run and around each dygraph op): arithmetic on
// denormals takes a microcode path on many x86 CPUs, tens of times slower (a training step whose
// gradients underflow once the loss saturates slowed from 0.3 s to 14 s on a Xeon), and the
// values lost lie below float's normal range. x86 only (MXCSR's FTZ and DAZ bits); elsewhere
// nothing changes.
#pragma once

namespace pd {

class ScopedFlushDenormals {
 public:
  // On the calling thread until the destructor restores its state, and on the threads of the
  // OpenMP team of `threads` it runs the kernels on, which keep it (they run only kernels).
  explicit ScopedFlushDenormals(int threads);
  ~ScopedFlushDenormals();
  ScopedFlushDenormals(const ScopedFlushDenormals&) = delete;
  ScopedFlushDenormals& operator=(const ScopedFlushDenormals&) = delete;

 private:
  unsigned saved_ = 0;
};

}  // namespace pd
