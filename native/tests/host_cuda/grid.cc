// The host CUDA's grids: a launch's checks, and its threads run on the calling thread
// (kernel_model.h says how). A block whose kernel synchronises runs as fibers, one per CUDA
// thread, resumed in thread order until each reaches a barrier, a shuffle or its end;
// a barrier opens when every thread still running has reached it (any __syncthreads: a GPU's
// barrier counts arrivals, not call sites), a warp's shuffle when every lane of the warp has.
// Lanes of one warp split between a shuffle and a barrier can never all arrive, which on a GPU
// is a hang or undefined values: here it is an error naming the launch.
#include <cstdio>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <utility>
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
  void* sp = nullptr;  // its saved stack pointer while it is switched out
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
  void* scheduler_sp = nullptr;
  Fiber* current = nullptr;
  const BoundKernel* bound = nullptr;
  std::exception_ptr error;
};
thread_local FiberBlock* active = nullptr;
thread_local std::vector<std::unique_ptr<char[]>> stacks;

std::mutex kernels_mu;
std::set<const void*> kernels_with_fibers;  // kernels seen to synchronise

// Saves the callee-saved registers and the floating-point control words on the current stack,
// stores the stack pointer in *save and resumes the stack `load` (the System V x86-64 calling
// convention: everything else is the caller's to save). glibc's swapcontext also saves the
// signal mask, a system call per switch, which made barrier-heavy kernels spend most of their
// time in the kernel.
extern "C" void hostcuda_switch(void** save, void* load);
asm(R"(
  .text
  .globl hostcuda_switch
  .hidden hostcuda_switch
  .type hostcuda_switch, @function
hostcuda_switch:
  pushq %rbp
  pushq %rbx
  pushq %r12
  pushq %r13
  pushq %r14
  pushq %r15
  subq $16, %rsp
  stmxcsr 8(%rsp)
  fnstcw (%rsp)
  movq %rsp, (%rdi)
  movq %rsi, %rsp
  fldcw (%rsp)
  ldmxcsr 8(%rsp)
  addq $16, %rsp
  popq %r15
  popq %r14
  popq %r13
  popq %r12
  popq %rbx
  popq %rbp
  ret
  .size hostcuda_switch, .-hostcuda_switch
)");

// Where a fiber starts (hostcuda_switch "returns" here on its fresh stack): runs the kernel's
// thread, then switches back to the scheduler for good.
[[noreturn]] void FiberStart() {
  FiberBlock& b = *active;
  Fiber& f = *b.current;
  try {
    b.bound->body(b.bound->args);
  } catch (...) {
    if (!b.error) b.error = std::current_exception();
  }
  f.state = Fiber::kDone;
  hostcuda_switch(&f.sp, b.scheduler_sp);
  __builtin_unreachable();
}

// A fresh stack laid out as hostcuda_switch leaves one: control words, six registers, then
// FiberStart as the return address over a pad that gives FiberStart the alignment a call would.
void* FreshStack(char* base, size_t size) {
  auto* top = reinterpret_cast<uint64_t*>(
      (reinterpret_cast<uintptr_t>(base) + size) & ~uintptr_t{15});
  uint64_t* sp = top;
  *--sp = 0;                                            // pad
  *--sp = reinterpret_cast<uint64_t>(&FiberStart);      // return address
  for (int r = 0; r < 6; ++r) *--sp = 0;                // rbp, rbx, r12..r15
  uint32_t mxcsr = 0;
  uint16_t fpu = 0;
  asm volatile("stmxcsr %0" : "=m"(mxcsr));
  asm volatile("fnstcw %0" : "=m"(fpu));
  *--sp = mxcsr;                                        // at 8(%rsp)
  *--sp = fpu;                                          // at (%rsp)
  return sp;
}

void Yield(Fiber::State state) {
  Fiber& f = *active->current;
  f.state = state;
  hostcuda_switch(&f.sp, active->scheduler_sp);
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
    b.fibers[i].sp = FreshStack(stacks[i].get(), kFiberStack);
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
      hostcuda_switch(&b.scheduler_sp, f.sp);
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

// The race check's view of a launch (races.h): each pointer argument touches its block from
// there to the block's end (the kernel's own range is not known), written where the kernel
// takes it as a pointer to non-const; so does each pointer field of a struct argument
// (PointerUse, kernel_model.h). Named by where it was launched, the name made once per
// launch site and kept for the process (a race found later names it).
void TrackKernel(const LaunchConfig& cfg, const BoundKernel& bound) {
  static std::mutex mu;
  static auto* names = new std::map<std::pair<const char*, int>, std::string>;
  const char* what;
  {
    std::lock_guard<std::mutex> lock(mu);
    std::string& name = (*names)[{cfg.file, cfg.line}];
    if (name.empty()) name = "the kernel launched at " + Where(cfg);
    what = name.c_str();
  }
  std::vector<DeviceAccess> accesses;
  bound.pointers(
      bound.args,
      [](const void* p, bool write, void* ctx) {
        static_cast<std::vector<DeviceAccess>*>(ctx)->push_back({p, kToBlockEnd, write});
      },
      &accesses);
  TrackWork(cfg.stream, accesses, what);
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
  TrackKernel(cfg, bound);
  Enqueue(cfg.stream, [cfg, bound, args] {
    BoundKernel b = bound;
    b.args = args.get();
    const char* gone = nullptr;
    checking_launched_work = true;
    const bool ok = b.check(b.args, &gone);
    checking_launched_work = false;
    if (!ok) {
      ReportFault(Where(cfg) + ": a kernel ran on " + gone);
      return;
    }
    try {
      Run(cfg, b);
    } catch (const std::exception& e) {
      ReportFault(Where(cfg) + ": " + e.what());
    }
  });
}

}  // namespace hostcuda
