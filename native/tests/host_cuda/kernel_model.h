// CUDA's kernel language on the host, for the CUDA backend's .cu files compiled by a C++
// compiler (included ahead of each of them; translate.cmake turns `k<<<grid, block, shmem,
// stream>>>(args)` into `k % ::hostcuda::Config(__FILE__, __LINE__, grid, block, shmem,
// stream)(args)`).
//
// A launch runs every thread of the grid on the calling thread, block after block
// (grid.cc). A kernel that never synchronises runs each thread as a plain call; one that calls
// __syncthreads or a warp shuffle runs each block's threads as fibers, switched at those calls,
// so that every thread reaches a barrier before any passes it and a shuffle reads the value its
// source lane passed in. __shared__ variables are static and thread-local: a grid's blocks run
// one at a time on one thread, so each block sees them as its own. Launches are checked as CUDA
// checks them (block and grid limits), and their pointer arguments must be device memory of
// the current device (runtime.cc).
#pragma once

#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <tuple>
#include <type_traits>
#include <utility>

#include "struct_fields.h"

#undef __global__
#undef __device__
#undef __host__
#undef __shared__
#undef __forceinline__
#undef __launch_bounds__
#undef __noinline__
#define __global__
#define __device__
#define __host__
#define __shared__ static thread_local
#define __forceinline__ inline
#define __noinline__
#define __launch_bounds__(...)

namespace hostcuda {

// The running thread's coordinates (thread-local, so that grids may run on several threads).
extern thread_local uint3 thread_idx, block_idx;
extern thread_local dim3 block_dim, grid_dim;

void SyncThreads();
// Exchanges 8 bytes with the lane src_lane(lane) of the calling thread's warp: returns what that
// lane passed in, or the caller's own value where the source lane is outside its segment.
enum class ShuffleKind { kXor, kDown, kUp, kIndex };
uint64_t Shuffle(ShuffleKind kind, uint64_t bits, int arg, int width);

template <typename T>
T ShuffleValue(ShuffleKind kind, T v, int arg, int width) {
  static_assert(sizeof(T) <= 8 && std::is_trivially_copyable_v<T>, "shuffles move 8 bytes");
  uint64_t bits = 0;
  std::memcpy(&bits, &v, sizeof(T));
  bits = Shuffle(kind, bits, arg, width);
  std::memcpy(&v, &bits, sizeof(T));
  return v;
}

// ---- launches -------------------------------------------------------------------------------

struct LaunchConfig {
  const char* file;  // where the launch is, for errors
  int line;
  dim3 grid, block;
  size_t shared_bytes;
  cudaStream_t stream;
};

// A kernel and its arguments, type-erased.
struct BoundKernel {
  const void* kernel;  // keys whether it needs fibers
  void* args;
  void (*body)(void* args);
  void (*destroy)(void* args);
  // Whether every pointer argument is device memory of the current device; sets *why if not.
  bool (*check)(const void* args, const char** why);
  // Hands each pointer argument, and each pointer in a struct argument, to use, with whether
  // the kernel may write through it (PointerUse), for the race check (races.h).
  void (*pointers)(const void* args, void (*use)(const void* p, bool write, void* ctx),
                   void* ctx);
};

// Checks the launch as CUDA does and runs every thread of the grid (now, or when the graph
// being captured on the stream is launched). Takes ownership of bound.args.
void RunGrid(const LaunchConfig& cfg, BoundKernel bound);

// Whether p may be read by a kernel on the current device (null, or inside a device allocation
// of the current device). Sets *why when not. With checking_launched_work (set while queued
// work is about to run), whether p is device memory that is there (graph memory comes and goes).
bool DevicePointerOk(const void* p, const char** why);
extern thread_local bool checking_launched_work;

template <typename... A>
struct ArgPack {
  LaunchConfig cfg;
  std::tuple<A...> args;
};

struct Config {
  LaunchConfig cfg;
  Config(const char* file, int line, dim3 grid, dim3 block, size_t shared_bytes = 0,
         cudaStream_t stream = nullptr)
      : cfg{file, line, grid, block, shared_bytes, stream} {}
  template <typename... A>
  ArgPack<std::decay_t<A>...> operator()(A&&... a) const {
    return {cfg, std::tuple<std::decay_t<A>...>(std::forward<A>(a)...)};
  }
};

template <typename T>
bool ArgOk(const T& v, const char** why) {
  if constexpr (std::is_pointer_v<T>) {
    return DevicePointerOk(static_cast<const void*>(v), why);
  } else {
    (void)v;
    (void)why;
    return true;
  }
}

// Hands use the pointers an argument carries, each with whether the kernel may write through
// it (a pointer to non-const): the argument itself if it is a pointer, the elements of an
// array, the fields of a struct (an aggregate, struct_fields.h), through any depth. A struct
// that is not an aggregate is not looked into.
template <typename T>
void PointerUse(const T& v, void (*use)(const void* p, bool write, void* ctx), void* ctx) {
  if constexpr (std::is_pointer_v<T>) {
    const bool write = !std::is_const_v<std::remove_pointer_t<T>>;
    if (v != nullptr) use(static_cast<const void*>(v), write, ctx);
  } else if constexpr (std::is_array_v<T>) {
    for (const auto& e : v) PointerUse(e, use, ctx);
  } else if constexpr (std::is_class_v<T> && std::is_aggregate_v<T>) {
    ForEachField(v, [&](const auto& field) { PointerUse(field, use, ctx); });
  }
}

template <typename... P>
struct Bound {
  void (*kernel)(P...);
  std::tuple<std::decay_t<P>...> params;

  static void Body(void* self) {
    auto* b = static_cast<Bound*>(self);
    std::apply(b->kernel, b->params);
  }
  static void Destroy(void* self) { delete static_cast<Bound*>(self); }
  static bool Check(const void* self, const char** why) {
    const auto* b = static_cast<const Bound*>(self);
    return std::apply([&](const auto&... p) { return (ArgOk(p, why) && ...); }, b->params);
  }
  static void Pointers(const void* self, void (*use)(const void* p, bool write, void* ctx),
                       void* ctx) {
    const auto* b = static_cast<const Bound*>(self);
    std::apply([&](const auto&... p) { (PointerUse(p, use, ctx), ...); }, b->params);
  }
};

template <typename... P, typename... A>
void operator%(void (*kernel)(P...), ArgPack<A...>&& pack) {
  static_assert(sizeof...(P) == sizeof...(A), "a kernel launched with the wrong argument count");
  auto* bound = std::apply(
      [&](auto&... a) {
        return new Bound<P...>{kernel, std::tuple<std::decay_t<P>...>(static_cast<P>(a)...)};
      },
      pack.args);
  RunGrid(pack.cfg, BoundKernel{reinterpret_cast<const void*>(kernel), bound, &Bound<P...>::Body,
                                &Bound<P...>::Destroy, &Bound<P...>::Check,
                                &Bound<P...>::Pointers});
}

}  // namespace hostcuda

#define threadIdx (::hostcuda::thread_idx)
#define blockIdx (::hostcuda::block_idx)
#define blockDim (::hostcuda::block_dim)
#define gridDim (::hostcuda::grid_dim)

inline void __syncthreads() { ::hostcuda::SyncThreads(); }
inline void __syncwarp(unsigned = 0xffffffffu) {}

template <typename T>
T __shfl_xor_sync(unsigned, T v, int lane_mask, int width = 32) {
  return ::hostcuda::ShuffleValue(::hostcuda::ShuffleKind::kXor, v, lane_mask, width);
}
template <typename T>
T __shfl_down_sync(unsigned, T v, unsigned delta, int width = 32) {
  return ::hostcuda::ShuffleValue(::hostcuda::ShuffleKind::kDown, v, static_cast<int>(delta),
                                  width);
}
template <typename T>
T __shfl_up_sync(unsigned, T v, unsigned delta, int width = 32) {
  return ::hostcuda::ShuffleValue(::hostcuda::ShuffleKind::kUp, v, static_cast<int>(delta), width);
}
template <typename T>
T __shfl_sync(unsigned, T v, int src_lane, int width = 32) {
  return ::hostcuda::ShuffleValue(::hostcuda::ShuffleKind::kIndex, v, src_lane, width);
}

// The device math intrinsics. The _rn ones are single IEEE operations, never contracted into a
// fused multiply-add (the library is built with -ffp-contract=off); the fast ones run at the
// host's full precision.
inline float __fadd_rn(float a, float b) { return a + b; }
inline float __fsub_rn(float a, float b) { return a - b; }
inline float __fmul_rn(float a, float b) { return a * b; }
inline float __fdiv_rn(float a, float b) { return a / b; }
inline double __dadd_rn(double a, double b) { return a + b; }
inline double __dsub_rn(double a, double b) { return a - b; }
inline double __dmul_rn(double a, double b) { return a * b; }
using std::isfinite;
using std::isinf;
using std::isnan;

// CUDA's global min and max: for integers of any mix of types, in their common type; for
// floating point, fminf/fmaxf's (a NaN loses to a number).
template <typename A, typename B>
std::common_type_t<A, B> min(A a, B b) {
  using C = std::common_type_t<A, B>;
  if constexpr (std::is_floating_point_v<C>) {
    return std::fmin(C(a), C(b));
  } else {
    return C(b) < C(a) ? C(b) : C(a);
  }
}
template <typename A, typename B>
std::common_type_t<A, B> max(A a, B b) {
  using C = std::common_type_t<A, B>;
  if constexpr (std::is_floating_point_v<C>) {
    return std::fmax(C(a), C(b));
  } else {
    return C(a) < C(b) ? C(b) : C(a);
  }
}

inline float __expf(float x) { return std::exp(x); }
inline float __logf(float x) { return std::log(x); }
inline float __powf(float x, float y) { return std::pow(x, y); }
inline float __fdividef(float x, float y) { return x / y; }
inline float rsqrtf(float x) { return 1.0f / std::sqrt(x); }
inline double rsqrt(double x) { return 1.0 / std::sqrt(x); }
inline float __uint_as_float(unsigned bits) {
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}
inline unsigned __float_as_uint(float f) {
  unsigned bits;
  std::memcpy(&bits, &f, sizeof bits);
  return bits;
}
inline float __saturatef(float x) { return x < 0.0f ? 0.0f : x > 1.0f ? 1.0f : x; }
template <typename T>
T __ldg(const T* p) {
  return *p;
}
