// Element-wise binary ops (same shape, per-row/per-channel and general broadcasting) and scale,
// with the CPU kernels' arithmetic (kernels/elementwise.cc, kernels/math.cc): integers wrap
// instead of overflowing, max/min are plain comparisons (a NaN in X yields Y's element).
#include <type_traits>

#include "cuda/bf16_math.cuh"
#include "cuda/launchers.h"

namespace pd::cuda {
namespace {

// Integer add/sub/mul wrap: computed in the unsigned type of the same width.
template <typename T>
struct Unsigned {
  using type = T;
};
template <>
struct Unsigned<int32_t> {
  using type = uint32_t;
};
template <>
struct Unsigned<int64_t> {
  using type = uint64_t;
};

// The products and sums are rounded one at a time (no fused multiply-add), as the CPU does.
template <typename T>
__device__ __forceinline__ T Add(T a, T b) {
  if constexpr (std::is_same_v<T, float>) {
    return __fadd_rn(a, b);
  } else {
    using U = typename Unsigned<T>::type;
    return static_cast<T>(static_cast<U>(a) + static_cast<U>(b));
  }
}
template <typename T>
__device__ __forceinline__ T Mul(T a, T b) {
  if constexpr (std::is_same_v<T, float>) {
    return __fmul_rn(a, b);
  } else {
    using U = typename Unsigned<T>::type;
    return static_cast<T>(static_cast<U>(a) * static_cast<U>(b));
  }
}

template <BinaryOp kOp, typename T>
__device__ __forceinline__ T Apply(T a, T b) {
  if constexpr (kOp == BinaryOp::kAdd) return Add(a, b);
  if constexpr (kOp == BinaryOp::kAddRelu) {
    const T sum = Add(a, b);
    return sum > T(0) ? sum : T(0);  // kernels/activation.cc's Relu
  }
  if constexpr (kOp == BinaryOp::kSub) {
    if constexpr (std::is_same_v<T, float>) {
      return __fsub_rn(a, b);
    } else {
      using U = typename Unsigned<T>::type;
      return static_cast<T>(static_cast<U>(a) - static_cast<U>(b));
    }
  }
  if constexpr (kOp == BinaryOp::kMul) return Mul(a, b);
  if constexpr (kOp == BinaryOp::kDiv) return a / b;  // IEEE division (nvcc's default)
  if constexpr (kOp == BinaryOp::kMax) return a > b ? a : b;
  if constexpr (kOp == BinaryOp::kMin) return a < b ? a : b;
  if constexpr (kOp == BinaryOp::kPow) {
    if constexpr (std::is_same_v<T, float>) return powf(a, b);
  }
  return T{};
}

// The element-wise kernels take no __restrict__: Out may be X (in place).
template <BinaryOp kOp, typename T>
__global__ void SameKernel(const T* x, const T* y, T* out, int64_t n) {
  const int64_t stride = int64_t{gridDim.x} * blockDim.x;
  for (int64_t i = int64_t{blockIdx.x} * blockDim.x + threadIdx.x; i < n; i += stride)
    out[i] = Apply<kOp>(x[i], y[i]);
}

// Four floats per thread when every pointer is 16-byte aligned; the tail goes element-wise.
// out may be x or y itself (in place): each element is read before it is written.
template <BinaryOp kOp>
__global__ void SameKernelVec4(const float4* x, const float4* y, float4* out, int64_t n4) {
  const int64_t stride = int64_t{gridDim.x} * blockDim.x;
  for (int64_t i = int64_t{blockIdx.x} * blockDim.x + threadIdx.x; i < n4; i += stride) {
    const float4 a = x[i], b = y[i];
    out[i] = make_float4(Apply<kOp>(a.x, b.x), Apply<kOp>(a.y, b.y), Apply<kOp>(a.z, b.z),
                         Apply<kOp>(a.w, b.w));
  }
}

// One operand follows the output, the other varies along a single merged dim of `mid` elements
// with `inner` output elements per step ([N, C, H*W] + [C]: mid C, inner H*W; a row bias: inner
// 1; a scalar: mid 1).
template <BinaryOp kOp, typename T, bool kYSmall>
__global__ void OneDimKernel(const T* full, const T* small, T* out, int64_t n, int64_t mid,
                             int64_t inner) {
  const int64_t stride = int64_t{gridDim.x} * blockDim.x;
  for (int64_t i = int64_t{blockIdx.x} * blockDim.x + threadIdx.x; i < n; i += stride) {
    const T s = small[(i / inner) % mid];
    out[i] = kYSmall ? Apply<kOp>(full[i], s) : Apply<kOp>(s, full[i]);
  }
}

template <BinaryOp kOp, typename T>
__global__ void BroadcastKernel(BroadcastShape shape, const T* x, const T* y, T* out,
                                int64_t n) {
  const int64_t stride = int64_t{gridDim.x} * blockDim.x;
  for (int64_t i = int64_t{blockIdx.x} * blockDim.x + threadIdx.x; i < n; i += stride) {
    int64_t rest = i, xo = 0, yo = 0;
    for (int d = shape.rank - 1; d >= 0; --d) {
      const int64_t idx = rest % shape.size[d];
      rest /= shape.size[d];
      xo += idx * shape.x_step[d];
      yo += idx * shape.y_step[d];
    }
    out[i] = Apply<kOp>(x[xo], y[yo]);
  }
}

bool Aligned16(const void* p) { return reinterpret_cast<uintptr_t>(p) % 16 == 0; }

template <BinaryOp kOp, typename T>
void Same(const T* x, const T* y, T* out, int64_t n, cudaStream_t s) {
  if constexpr (std::is_same_v<T, float>) {
    if (Aligned16(x) && Aligned16(y) && Aligned16(out)) {
      const int64_t n4 = n / 4;
      if (n4 > 0) {
        SameKernelVec4<kOp><<<LaunchBlocks(n4), kLaunchThreads, 0, s>>>(
            reinterpret_cast<const float4*>(x), reinterpret_cast<const float4*>(y),
            reinterpret_cast<float4*>(out), n4);
      }
      const int64_t done = n4 * 4;
      if (done < n) {
        SameKernel<kOp, T><<<1, kLaunchThreads, 0, s>>>(x + done, y + done, out + done,
                                                       n - done);
      }
      return;
    }
  }
  SameKernel<kOp, T><<<LaunchBlocks(n), kLaunchThreads, 0, s>>>(x, y, out, n);
}

// The single dim along which `small` varies while `full` varies along every dim (full's steps
// are then those of a contiguous array); -1 when the shape is not of that kind. small may vary
// along no dim (a scalar): then dim 0 with mid 1 is returned via mid.
int OneDim(const BroadcastShape& sh, const int64_t* full_step, const int64_t* small_step,
           int64_t* mid, int64_t* inner) {
  int64_t contiguous = 1;
  int found = -2;
  for (int d = sh.rank - 1; d >= 0; --d) {
    if (full_step[d] != contiguous) return -1;
    contiguous *= sh.size[d];
    if (small_step[d] != 0) {
      if (found != -2 || small_step[d] != 1) return -1;
      found = d;
    }
  }
  if (found == -2) {
    *mid = 1;
    *inner = 1;
    return 0;
  }
  *mid = sh.size[found];
  *inner = 1;
  for (int d = found + 1; d < sh.rank; ++d) *inner *= sh.size[d];
  return found;
}

template <BinaryOp kOp, typename T>
void Broadcast(const BroadcastShape& sh, const T* x, const T* y, T* out, int64_t n,
               cudaStream_t s) {
  int64_t mid = 1, inner = 1;
  if (OneDim(sh, sh.x_step, sh.y_step, &mid, &inner) >= 0) {
    OneDimKernel<kOp, T, true>
        <<<LaunchBlocks(n), kLaunchThreads, 0, s>>>(x, y, out, n, mid, inner);
  } else if (OneDim(sh, sh.y_step, sh.x_step, &mid, &inner) >= 0) {
    OneDimKernel<kOp, T, false>
        <<<LaunchBlocks(n), kLaunchThreads, 0, s>>>(y, x, out, n, mid, inner);
  } else {
    BroadcastKernel<kOp, T><<<LaunchBlocks(n), kLaunchThreads, 0, s>>>(sh, x, y, out, n);
  }
}

// Calls f with the op as a compile-time constant.
template <typename T, typename F>
void Dispatch(BinaryOp op, F f) {
  switch (op) {
    case BinaryOp::kAdd: return f(std::integral_constant<BinaryOp, BinaryOp::kAdd>{});
    case BinaryOp::kAddRelu: return f(std::integral_constant<BinaryOp, BinaryOp::kAddRelu>{});
    case BinaryOp::kSub: return f(std::integral_constant<BinaryOp, BinaryOp::kSub>{});
    case BinaryOp::kMul: return f(std::integral_constant<BinaryOp, BinaryOp::kMul>{});
    case BinaryOp::kDiv: return f(std::integral_constant<BinaryOp, BinaryOp::kDiv>{});
    case BinaryOp::kMax: return f(std::integral_constant<BinaryOp, BinaryOp::kMax>{});
    case BinaryOp::kMin: return f(std::integral_constant<BinaryOp, BinaryOp::kMin>{});
    case BinaryOp::kPow: return f(std::integral_constant<BinaryOp, BinaryOp::kPow>{});
  }
}

// x + y (then relu) with the operands widened from how they are stored, out stored as TO.
template <BinaryOp kOp, typename TX, typename TY, typename TO>
__global__ void AddStoredKernel(const TX* x, const TY* y, TO* out, int64_t n) {
  const int64_t stride = int64_t{gridDim.x} * blockDim.x;
  for (int64_t i = int64_t{blockIdx.x} * blockDim.x + threadIdx.x; i < n; i += stride)
    StoreAs(Apply<kOp>(Widen(x[i]), Widen(y[i])), out + i);
}

template <BinaryOp kOp, typename TX, typename TY, typename TO>
void AddStored(const void* x, const void* y, void* out, int64_t n, cudaStream_t s) {
  AddStoredKernel<kOp, TX, TY, TO><<<LaunchBlocks(n), kLaunchThreads, 0, s>>>(
      static_cast<const TX*>(x), static_cast<const TY*>(y), static_cast<TO*>(out), n);
}

// Two bfloat16 operands may give a bfloat16 sum; a float32 one makes it float32.
template <BinaryOp kOp>
void AddStored(FloatData x, FloatData y, void* out, bool out_bf16, int64_t n, cudaStream_t s) {
  if (x.bf16 && y.bf16 && out_bf16)
    return AddStored<kOp, uint16_t, uint16_t, uint16_t>(x.data, y.data, out, n, s);
  if (x.bf16 && y.bf16) return AddStored<kOp, uint16_t, uint16_t, float>(x.data, y.data, out, n, s);
  if (x.bf16) return AddStored<kOp, uint16_t, float, float>(x.data, y.data, out, n, s);
  if (y.bf16) return AddStored<kOp, float, uint16_t, float>(x.data, y.data, out, n, s);
  AddStored<kOp, float, float, float>(x.data, y.data, out, n, s);
}

template <typename T>
__global__ void ScaleKernel(const T* x, T* out, int64_t n, T scale, T bias, bool bias_after) {
  const int64_t stride = int64_t{gridDim.x} * blockDim.x;
  for (int64_t i = int64_t{blockIdx.x} * blockDim.x + threadIdx.x; i < n; i += stride)
    out[i] = bias_after ? Add(Mul(x[i], scale), bias) : Mul(Add(x[i], bias), scale);
}

}  // namespace

template <typename T>
void LaunchBinarySame(BinaryOp op, const T* x, const T* y, T* out, int64_t n, cudaStream_t s) {
  if (n == 0) return;
  Dispatch<T>(op, [&](auto k) { Same<decltype(k)::value, T>(x, y, out, n, s); });
}

void LaunchAddStored(FloatData x, FloatData y, bool relu, void* out, bool out_bf16, int64_t n,
                     cudaStream_t s) {
  if (n == 0) return;
  if (relu) {
    AddStored<BinaryOp::kAddRelu>(x, y, out, out_bf16, n, s);
  } else {
    AddStored<BinaryOp::kAdd>(x, y, out, out_bf16, n, s);
  }
}

template <typename T>
void LaunchBinaryBroadcast(BinaryOp op, const BroadcastShape& shape, const T* x, const T* y,
                           T* out, int64_t n, cudaStream_t s) {
  if (n == 0) return;
  Dispatch<T>(op, [&](auto k) { Broadcast<decltype(k)::value, T>(shape, x, y, out, n, s); });
}

template <typename T>
void LaunchScale(const T* x, T* out, int64_t n, T scale, T bias, bool bias_after_scale,
                 cudaStream_t s) {
  if (n == 0) return;
  ScaleKernel<T>
      <<<LaunchBlocks(n), kLaunchThreads, 0, s>>>(x, out, n, scale, bias, bias_after_scale);
}

#define PD_INSTANTIATE(T)                                                                    \
  template void LaunchBinarySame<T>(BinaryOp, const T*, const T*, T*, int64_t, cudaStream_t); \
  template void LaunchBinaryBroadcast<T>(BinaryOp, const BroadcastShape&, const T*, const T*, \
                                         T*, int64_t, cudaStream_t);                          \
  template void LaunchScale<T>(const T*, T*, int64_t, T, T, bool, cudaStream_t);
PD_INSTANTIATE(float)
PD_INSTANTIATE(int32_t)
PD_INSTANTIATE(int64_t)
#undef PD_INSTANTIATE

}  // namespace pd::cuda
