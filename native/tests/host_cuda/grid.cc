// The host CUDA's grids: a launch's checks, and its threads run on the calling thread
// (kernel_model.h says how). A block whose kernel synchronises runs as fibers (ucontext), one
// per CUDA thread, resumed in thread order until each reaches a barrier, a shuffle or its end;
// a barrier opens when every thread still running has reached it (any __syncthreads: a GPU's
// barrier counts arrivals, not call sites), a warp's shuffle when every lane of the warp has.
// Lanes of one warp split between a shuffle and a barrier can never all arrive, which on a GPU
// is a hang or undefined values: here it is an error naming the launch.
#include <ucontext.h>

#include <cstdio>
#include <exception>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "errors.h"
#include "kernel_model.h"
#include "stream.h"

namespace hostcuda {

thread_local uint3 thread_idx, block_idx;
thread_local dim3 block_dim, grid_dim;

namespace {

constexpr int kWarp = 32;
constexpr size_t kFiberStack = 64 << 10;

// Thrown by a barrier or a shuffle reached outside a fiber: the kernel synchronises, so its
// grid reruns as fibers.
struct NeedsFibers {};

struct Fiber {
  enum State { kRunnable, kAtBarrier, kAtShuffle, kDone };
  ucontext_t context;
  uint3 idx;
  State state = kRunnable;
  // A shuffle's request and answer.
  ShuffleKind kind = ShuffleKind::kXor;
  uint64_t bits = 0, result = 0;
  int arg = 0, width = kWarp;
};

// The block running as fibers on this thread.
struct FiberBlock {
  std::vector<Fiber> fibers;
  ucontext_t scheduler;
  Fiber* current = nullptr;
  const BoundKernel* bound = nullptr;
  std::exception_ptr error;
};
thread_local FiberBlock* active = nullptr;
thread_local std::vector<std::unique_ptr<char[]>> stacks;

std::mutex kernels_mu;
std::set<const void*> kernels_with_fibers;  // kernels seen to synchronise

void FiberMain(int index) {
  FiberBlock& b = *active;
  try {
    b.bound->body(b.bound->args);
  } catch (...) {
    if (!b.error) b.error = std::current_exception();
  }
  b.fibers[index].state = Fiber::kDone;
}  // returns to the scheduler (uc_link)

void Yield(Fiber::State state) {
  Fiber& f = *active->current;
  f.state = state;
  swapcontext(&f.context, &active->scheduler);
}

std::string Where(const LaunchConfig& cfg) {
  return std::string(cfg.file) + ":" + std::to_string(cfg.line);
}

// Answers the shuffles of one warp whose live lanes all wait at one.
void AnswerShuffles(std::vector<Fiber>& fibers, int first, int end, const LaunchConfig& cfg) {
  for (int lane = 0; lane < end - first; ++lane) {
    Fiber& f = fibers[first + lane];
    const int w = f.width;
    if (w <= 0 || w > kWarp || (w & (w - 1)) != 0)
      Fail(Where(cfg), ": a shuffle's width must be a power of two up to 32, not ", w);
    const int segment = lane / w * w;
    int src = lane;
    switch (f.kind) {
      case ShuffleKind::kXor: src = lane ^ f.arg; break;
      case ShuffleKind::kDown: src = lane + f.arg; break;
      case ShuffleKind::kUp: src = lane - f.arg; break;
      case ShuffleKind::kIndex: src = segment + ((f.arg % w) + w) % w; break;
    }
    if (src < segment || src >= segment + w) src = lane;  // outside its segment: its own value
    if (first + src >= end || fibers[first + src].state != Fiber::kAtShuffle)
      Fail(Where(cfg), ": a full-mask warp shuffle in a warp with exited or missing lanes");
    f.result = fibers[first + src].bits;
  }
  for (int i = first; i < end; ++i) fibers[i].state = Fiber::kRunnable;
}

// Apart, so that getcontext (which returns twice) has no loop state of the caller's to clobber.
__attribute__((noinline)) void PrepareFiber(FiberBlock& b, int i) {
  Fiber& f = b.fibers[i];
  getcontext(&f.context);
  f.context.uc_stack.ss_sp = stacks[i].get();
  f.context.uc_stack.ss_size = kFiberStack;
  f.context.uc_link = &b.scheduler;
  makecontext(&f.context, reinterpret_cast<void (*)()>(&FiberMain), 1, i);
}

void RunBlockAsFibers(const LaunchConfig& cfg, const BoundKernel& bound) {
  const int n = static_cast<int>(cfg.block.x * cfg.block.y * cfg.block.z);
  while (static_cast<int>(stacks.size()) < n) stacks.emplace_back(new char[kFiberStack]);
  FiberBlock b;
  b.bound = &bound;
  b.fibers.resize(n);
  for (int i = 0; i < n; ++i) {
    b.fibers[i].idx = uint3{static_cast<unsigned>(i) % cfg.block.x,
                            static_cast<unsigned>(i) / cfg.block.x % cfg.block.y,
                            static_cast<unsigned>(i) / (cfg.block.x * cfg.block.y)};
    PrepareFiber(b, i);
  }
  FiberBlock* outer = active;
  active = &b;
  struct Restore {
    FiberBlock* outer;
    ~Restore() { active = outer; }
  } restore{outer};
  for (;;) {
    for (Fiber& f : b.fibers) {
      if (f.state != Fiber::kRunnable) continue;
      b.current = &f;
      thread_idx = f.idx;
      swapcontext(&b.scheduler, &f.context);
      if (b.error) std::rethrow_exception(b.error);
    }
    int live = 0, at_barrier = 0;
    bool released = false;
    for (int first = 0; first < n; first += kWarp) {
      const int end = std::min(n, first + kWarp);
      int lanes = 0, shuffling = 0;
      for (int i = first; i < end; ++i) {
        if (b.fibers[i].state == Fiber::kDone) continue;
        ++lanes;
        if (b.fibers[i].state == Fiber::kAtShuffle) ++shuffling;
        if (b.fibers[i].state == Fiber::kAtBarrier) ++at_barrier;
      }
      live += lanes;
      if (shuffling > 0 && shuffling == lanes) {
        AnswerShuffles(b.fibers, first, end, cfg);
        released = true;
      }
    }
    if (live == 0) return;
    if (released) continue;
    if (at_barrier == live) {
      for (Fiber& f : b.fibers)
        if (f.state == Fiber::kAtBarrier) f.state = Fiber::kRunnable;
      continue;
    }
    Fail(Where(cfg), ": threads of block (", block_idx.x, ",", block_idx.y, ",", block_idx.z,
         ") wait at a barrier and a warp shuffle at once (a hang on a GPU)");
  }
}

// Every thread of the grid as plain calls; false if the kernel turned out to synchronise.
bool RunPlain(const LaunchConfig& cfg, const BoundKernel& bound) {
  try {
    for (unsigned z = 0; z < cfg.grid.z; ++z)
      for (unsigned y = 0; y < cfg.grid.y; ++y)
        for (unsigned x = 0; x < cfg.grid.x; ++x) {
          block_idx = uint3{x, y, z};
          for (unsigned tz = 0; tz < cfg.block.z; ++tz)
            for (unsigned ty = 0; ty < cfg.block.y; ++ty)
              for (unsigned tx = 0; tx < cfg.block.x; ++tx) {
                thread_idx = uint3{tx, ty, tz};
                bound.body(bound.args);
              }
        }
    return true;
  } catch (const NeedsFibers&) {
    return false;
  }
}

void RunAsFibers(const LaunchConfig& cfg, const BoundKernel& bound) {
  for (unsigned z = 0; z < cfg.grid.z; ++z)
    for (unsigned y = 0; y < cfg.grid.y; ++y)
      for (unsigned x = 0; x < cfg.grid.x; ++x) {
        block_idx = uint3{x, y, z};
        RunBlockAsFibers(cfg, bound);
      }
}

void Run(const LaunchConfig& cfg, const BoundKernel& bound) {
  grid_dim = cfg.grid;
  block_dim = cfg.block;
  bool fibers;
  {
    std::lock_guard<std::mutex> lock(kernels_mu);
    fibers = kernels_with_fibers.count(bound.kernel) != 0;
  }
  // A synchronising kernel is found at its first barrier in its first thread, before it has
  // written anything but its shared memory (true of every kernel the backend has), and reruns.
  if (!fibers && RunPlain(cfg, bound)) return;
  {
    std::lock_guard<std::mutex> lock(kernels_mu);
    kernels_with_fibers.insert(bound.kernel);
  }
  RunAsFibers(cfg, bound);
}

// CUDA's launch limits: a launch outside them fails with cudaErrorInvalidConfiguration.
const char* ConfigError(const LaunchConfig& cfg) {
  const uint64_t threads = uint64_t{cfg.block.x} * cfg.block.y * cfg.block.z;
  if (threads == 0 || cfg.grid.x == 0 || cfg.grid.y == 0 || cfg.grid.z == 0)
    return "an empty grid or block";
  if (threads > 1024 || cfg.block.x > 1024 || cfg.block.y > 1024 || cfg.block.z > 64)
    return "more than 1024 threads in a block";
  if (cfg.grid.x > 0x7fffffffu || cfg.grid.y > 65535 || cfg.grid.z > 65535)
    return "a grid beyond 2^31-1 x 65535 x 65535 blocks";
  if (cfg.shared_bytes > 48 << 10) return "more than 48 KiB of dynamic shared memory";
  return nullptr;
}

}  // namespace

void SyncThreads() {
  if (active == nullptr) throw NeedsFibers{};
  Yield(Fiber::kAtBarrier);
}

uint64_t Shuffle(ShuffleKind kind, uint64_t bits, int arg, int width) {
  if (active == nullptr) throw NeedsFibers{};
  Fiber& f = *active->current;
  f.kind = kind;
  f.bits = bits;
  f.arg = arg;
  f.width = width;
  Yield(Fiber::kAtShuffle);
  return f.result;
}

void RunGrid(const LaunchConfig& cfg, BoundKernel bound) {
  std::shared_ptr<void> args(bound.args, bound.destroy);
  if (const char* why = ConfigError(cfg)) {
    ReportError(cudaErrorInvalidConfiguration, Where(cfg) + ": launch with " + why + " (grid " +
                                                   std::to_string(cfg.grid.x) + "x" +
                                                   std::to_string(cfg.grid.y) + "x" +
                                                   std::to_string(cfg.grid.z) + ", block " +
                                                   std::to_string(cfg.block.x) + "x" +
                                                   std::to_string(cfg.block.y) + "x" +
                                                   std::to_string(cfg.block.z) + ")");
    return;
  }
  const char* why = nullptr;
  if (!bound.check(bound.args, &why)) {
    ReportFault(Where(cfg) + ": a kernel was handed " + why);
    return;
  }
  Enqueue(cfg.stream, [cfg, bound, args] {
    BoundKernel b = bound;
    b.args = args.get();
    try {
      Run(cfg, b);
    } catch (const std::exception& e) {
      ReportFault(Where(cfg) + ": " + e.what());
    }
  });
}

}  // namespace hostcuda
