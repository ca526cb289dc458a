// The host CUDA's cuBLAS: the cuBLAS functions the CUDA backend calls (src/cuda), computed on
// the CPU over the runtime's device blocks (runtime.cc), and the GEMM engine that cudnn.cc's
// convolutions run on too.
//
// Each call checks its arguments as cuBLAS documents (CUBLAS_STATUS_INVALID_VALUE for a bad
// size, leading dimension or operation) when it is made, reads alpha and beta then (the host
// pointer mode), and queues the product on the handle's stream (stream.h), so that a captured
// stream records it. Where the product runs, its operands must be device memory of the current
// device, as a GPU's kernel needs; anything else faults (errors.h). C = alpha·op(A)·op(B) +
// beta·C sums in float32; with beta 0, C is not read (cuBLAS: C need not hold valid values).
// Math modes that let cuBLAS use tensor cores round the operands as the tensor cores would:
// CUBLAS_TF32_TENSOR_OP_MATH to TF32 (10 mantissa bits), the legacy CUBLAS_TENSOR_OP_MATH to
// half precision (CUBLAS_COMPUTE_32F_FAST_16F), so a test that allows them sees what a GPU gives.
// cublasGemmEx takes bfloat16 A and B (training's mixed precision), widened exactly.
#include <cublas_v2.h>
#include <cuda_fp16.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "errors.h"
#include "gemm.h"
#include "kernel_model.h"
#include "stream.h"

struct cublasContext {
  cudaStream_t stream = nullptr;
  cublasMath_t math = CUBLAS_DEFAULT_MATH;
};

namespace hostcuda {

namespace {

// Register tile (kMr rows of C by kNr columns, 8 vector accumulators of 4) and cache blocks:
// a kMc × kKc block of A (128 KiB) stays in L2 while kNc columns of B stream past it.
constexpr int kMr = 8, kNr = 4;
constexpr int kKc = 256, kMc = 128, kNc = 1024;
// Below this many multiply-adds a product runs on the calling thread alone.
constexpr int64_t kParallelWork = int64_t{1} << 20;

// Four floats in one SSE/NEON register (GCC and Clang vector extension): the kernel below is
// vectorised whatever the optimisation level.
typedef float Vec4 __attribute__((vector_size(16)));

inline Vec4 Load4(const float* p) {
  Vec4 v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}

// acc[j][i] = Σ_p a[p·kMr + i] · b[p·kNr + j]: one kMr × kNr tile of C over kc packed steps.
void MicroKernel(int kc, const float* a, const float* b, float acc[kNr][kMr]) {
  Vec4 c00{}, c01{}, c10{}, c11{}, c20{}, c21{}, c30{}, c31{};
  for (int p = 0; p < kc; ++p, a += kMr, b += kNr) {
    const Vec4 a0 = Load4(a), a1 = Load4(a + 4);
    c00 += a0 * b[0];
    c01 += a1 * b[0];
    c10 += a0 * b[1];
    c11 += a1 * b[1];
    c20 += a0 * b[2];
    c21 += a1 * b[2];
    c30 += a0 * b[3];
    c31 += a1 * b[3];
  }
  const Vec4 tiles[kNr][2] = {{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31}};
  for (int j = 0; j < kNr; ++j) std::memcpy(acc[j], tiles[j], sizeof(tiles[j]));
}

struct GemmJob {
  int64_t k;
  float alpha;
  GemmPackFn pack_a;
  const void* a;
  GemmPackFn pack_b;
  const void* b;
  float beta;
  float* c;
  int64_t rs, cs;
};

// Packs rows [i0, i0 + rows) (or columns) × depth [p0, p0 + kc) into panels of `width`.
void PackPanels(GemmPackFn pack, const void* operand, int64_t i0, int64_t rows, int width,
                int64_t p0, int kc, float* dst) {
  for (int64_t q = 0; q < rows; q += width, dst += int64_t{width} * kc) {
    const int count = static_cast<int>(std::min<int64_t>(width, rows - q));
    if (count < width) std::fill(dst, dst + int64_t{width} * kc, 0.0f);
    pack(operand, i0 + q, count, width, p0, kc, dst);
  }
}

// Rows [i0, i1) by columns [j0, j1) of C on the calling thread.
void SerialGemm(const GemmJob& job, int64_t i0, int64_t i1, int64_t j0, int64_t j1) {
  thread_local std::vector<float> a_pack, b_pack;
  float acc[kNr][kMr];
  for (int64_t jc = j0; jc < j1; jc += kNc) {
    const int64_t nc = std::min<int64_t>(kNc, j1 - jc);
    const int64_t n_panels = (nc + kNr - 1) / kNr;
    for (int64_t pc = 0; pc < job.k; pc += kKc) {
      const int kc = static_cast<int>(std::min<int64_t>(kKc, job.k - pc));
      const bool first = pc == 0;
      b_pack.resize(static_cast<size_t>(n_panels * kNr * kc));
      PackPanels(job.pack_b, job.b, jc, nc, kNr, pc, kc, b_pack.data());
      for (int64_t ic = i0; ic < i1; ic += kMc) {
        const int64_t mc = std::min<int64_t>(kMc, i1 - ic);
        const int64_t m_panels = (mc + kMr - 1) / kMr;
        a_pack.resize(static_cast<size_t>(m_panels * kMr * kc));
        PackPanels(job.pack_a, job.a, ic, mc, kMr, pc, kc, a_pack.data());
        for (int64_t jp = 0; jp < n_panels; ++jp) {
          const float* bp = b_pack.data() + jp * kNr * kc;
          const int64_t j = jc + jp * kNr;
          const int cols = static_cast<int>(std::min<int64_t>(kNr, jc + nc - j));
          for (int64_t ip = 0; ip < m_panels; ++ip) {
            MicroKernel(kc, a_pack.data() + ip * kMr * kc, bp, acc);
            const int64_t i = ic + ip * kMr;
            const int rows = static_cast<int>(std::min<int64_t>(kMr, ic + mc - i));
            for (int jj = 0; jj < cols; ++jj) {
              float* cp = job.c + i * job.rs + (j + jj) * job.cs;
              for (int ii = 0; ii < rows; ++ii, cp += job.rs) {
                const float v = job.alpha * acc[jj][ii];
                // The first depth block applies beta; beta 0 never reads C (it may be NaN).
                if (!first) {
                  *cp += v;
                } else {
                  *cp = job.beta == 0.0f ? v : v + job.beta * *cp;
                }
              }
            }
          }
        }
      }
    }
  }
}

}  // namespace

int HostThreads() {
  static const int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  return threads;
}

void HostSgemm(int64_t m, int64_t n, int64_t k, float alpha, GemmPackFn pack_a, const void* a,
               GemmPackFn pack_b, const void* b, float beta, float* c, int64_t c_row_stride,
               int64_t c_col_stride, int threads) {
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {  // a sum over nothing: C = beta·C
    for (int64_t j = 0; j < n; ++j)
      for (int64_t i = 0; i < m; ++i) {
        float& v = c[i * c_row_stride + j * c_col_stride];
        v = beta == 0.0f ? 0.0f : beta * v;
      }
    return;
  }
  const GemmJob job{k, alpha, pack_a, a, pack_b, b, beta, c, c_row_stride, c_col_stride};
  // Split C into bands of whole register tiles, one per thread: columns where there are enough
  // (each thread then packs only its own part of B), else rows.
  const int64_t work = m * n * k;
  int parts =
      static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(threads, work / kParallelWork)));
  const bool by_columns = n >= m || n >= int64_t{kNr} * parts * 4;
  const int64_t extent = by_columns ? n : m, tile = by_columns ? kNr : kMr;
  parts = static_cast<int>(std::min<int64_t>(parts, (extent + tile - 1) / tile));
  if (parts <= 1) {
    SerialGemm(job, 0, m, 0, n);
    return;
  }
  const int64_t tiles = (extent + tile - 1) / tile;
  auto band = [&](int part) {
    const int64_t lo = std::min(extent, tiles * part / parts * tile);
    const int64_t hi = std::min(extent, tiles * (part + 1) / parts * tile);
    if (by_columns) {
      SerialGemm(job, 0, m, lo, hi);
    } else {
      SerialGemm(job, lo, hi, 0, n);
    }
  };
  std::vector<std::thread> pool;
  for (int part = 1; part < parts; ++part) pool.emplace_back(band, part);
  band(0);
  for (auto& t : pool) t.join();
}

}  // namespace hostcuda

namespace {

using hostcuda::GemmPackFn;

// How the operands are rounded before they are multiplied (the math mode's tensor-core type).
enum class Rounding { kNone, kTf32, kHalf };

// TF32 keeps float32's exponent and 10 mantissa bits: round to nearest even on the 13 dropped.
float RoundTf32(float v) {
  uint32_t u;
  std::memcpy(&u, &v, sizeof(u));
  if ((u & 0x7f800000u) == 0x7f800000u) return v;  // inf and NaN stay
  u += 0xfffu + ((u >> 13) & 1u);
  u &= ~0x1fffu;
  std::memcpy(&v, &u, sizeof(v));
  return v;
}

float Round(float v, Rounding r) {
  switch (r) {
    case Rounding::kTf32: return RoundTf32(v);
    case Rounding::kHalf: return __half2float(__float2half_rn(v));
    case Rounding::kNone: break;
  }
  return v;
}

// An operand's element as float32: itself, or a bfloat16 value (its 16 bits) widened exactly.
float Widen(float v) { return v; }
float Widen(uint16_t bits) {
  const uint32_t u = uint32_t{bits} << 16;
  float v;
  std::memcpy(&v, &u, sizeof(v));
  return v;
}

// op(A) or op(B) of a column-major matrix: element (outer, depth) at
// p[outer * outer_stride + depth * depth_stride], of type float or (bfloat16) uint16_t.
struct Operand {
  const void* p;
  int64_t outer_stride, depth_stride;
  Rounding rounding;
};

template <typename T>
void PackOperand(const void* operand, int64_t outer0, int count, int width, int64_t depth0,
                 int depth, float* dst) {
  const Operand& op = *static_cast<const Operand*>(operand);
  const T* base =
      static_cast<const T*>(op.p) + outer0 * op.outer_stride + depth0 * op.depth_stride;
  // Reads along whichever index is contiguous in memory.
  if (op.depth_stride == 1) {
    for (int o = 0; o < count; ++o) {
      const T* src = base + o * op.outer_stride;
      for (int d = 0; d < depth; ++d) dst[d * width + o] = Round(Widen(src[d]), op.rounding);
    }
  } else {
    for (int d = 0; d < depth; ++d) {
      const T* src = base + d * op.depth_stride;
      for (int o = 0; o < count; ++o)
        dst[d * width + o] = Round(Widen(src[o * op.outer_stride]), op.rounding);
    }
  }
}

Rounding MathRounding(cublasMath_t math) {
  const int disallow = CUBLAS_MATH_DISALLOW_REDUCED_PRECISION_REDUCTION;
  switch (static_cast<int>(math) & ~disallow) {
    case CUBLAS_TF32_TENSOR_OP_MATH: return Rounding::kTf32;
    case CUBLAS_TENSOR_OP_MATH: return Rounding::kHalf;
    default: return Rounding::kNone;
  }
}

bool ValidOp(cublasOperation_t op) {
  return op == CUBLAS_OP_N || op == CUBLAS_OP_T || op == CUBLAS_OP_C;  // C is T for real types
}

// cublas<t>gemm's documented checks (CUBLAS_STATUS_INVALID_VALUE).
bool GemmArgsValid(cublasOperation_t transa, cublasOperation_t transb, int m, int n, int k,
                   const float* alpha, int lda, int ldb, const float* beta, int ldc) {
  if (!ValidOp(transa) || !ValidOp(transb) || m < 0 || n < 0 || k < 0) return false;
  if (lda < std::max(1, transa == CUBLAS_OP_N ? m : k)) return false;
  if (ldb < std::max(1, transb == CUBLAS_OP_N ? k : n)) return false;
  if (ldc < std::max(1, m)) return false;
  return alpha != nullptr && beta != nullptr;
}

// Elements from the first of a column-major rows × cols matrix with leading dimension ld to its
// last, through `batch` matrices `stride` apart.
int64_t Span(int64_t rows, int64_t cols, int64_t ld, int64_t stride, int64_t batch) {
  if (rows == 0 || cols == 0 || batch == 0) return 0;
  return (cols - 1) * ld + rows + (batch - 1) * std::max<int64_t>(stride, 0);
}

// One product's operands, copied into the queued work. A and B hold float32, or bfloat16
// (cublasGemmEx's CUDA_R_16BF); C is float32.
struct GemmCall {
  const char* name;
  bool trans_a, trans_b;
  int64_t m, n, k, lda, ldb, ldc;
  float alpha, beta;
  Rounding rounding;
  const void *a, *b;
  float* c;
  int64_t stride_a, stride_b, stride_c;
  int64_t batch;
  bool bf16 = false;  // A's and B's element type

  // alpha 0 reads neither A nor B (as reference BLAS documents): C is only scaled.
  bool ReadsAB() const { return k > 0 && alpha != 0.0f; }
  // The elements each operand's matrices cover.
  int64_t SpanA() const {
    return trans_a ? Span(k, m, lda, stride_a, batch) : Span(m, k, lda, stride_a, batch);
  }
  int64_t SpanB() const {
    return trans_b ? Span(n, k, ldb, stride_b, batch) : Span(k, n, ldb, stride_b, batch);
  }
  int64_t SpanC() const { return Span(m, n, ldc, stride_c, batch); }
  // Bytes of `elements` of A or B.
  size_t AbBytes(int64_t elements) const {
    return static_cast<size_t>(elements) * (bf16 ? sizeof(uint16_t) : sizeof(float));
  }
};

// Bytes [p, p + bytes) must be device memory of the current device, as a GPU kernel's operands
// are; else the work faults as it would on a GPU.
bool Reachable(const char* call, const char* what, const void* p, size_t bytes) {
  if (bytes == 0) return true;
  const char* why = nullptr;
  if (hostcuda::DevicePointerOk(p, &why) &&
      hostcuda::DevicePointerOk(static_cast<const char*>(p) + bytes - 1, &why))
    return true;
  hostcuda::ReportFault(std::string(call) + ": " + what + " is " + why);
  return false;
}

void RunGemms(const GemmCall& g) {
  if (g.ReadsAB() && (!Reachable(g.name, "A", g.a, g.AbBytes(g.SpanA())) ||
                      !Reachable(g.name, "B", g.b, g.AbBytes(g.SpanB()))))
    return;
  if (!Reachable(g.name, "C", g.c, g.SpanC() * sizeof(float))) return;
  const GemmPackFn pack = g.bf16 ? PackOperand<uint16_t> : PackOperand<float>;
  const size_t ab_size = g.bf16 ? sizeof(uint16_t) : sizeof(float);
  auto one = [&g, pack, ab_size](int64_t i, int threads) {
    // op(A)[row, p] and op(B)[p, col] of the column-major operands.
    const Operand a{static_cast<const char*>(g.a) + i * g.stride_a * ab_size,
                    g.trans_a ? g.lda : 1, g.trans_a ? 1 : g.lda, g.rounding};
    const Operand b{static_cast<const char*>(g.b) + i * g.stride_b * ab_size,
                    g.trans_b ? 1 : g.ldb, g.trans_b ? g.ldb : 1, g.rounding};
    const int64_t k = g.ReadsAB() ? g.k : 0;
    hostcuda::HostSgemm(g.m, g.n, k, g.alpha, pack, &a, pack, &b, g.beta, g.c + i * g.stride_c,
                        1, g.ldc, threads);
  };
  const int threads = hostcuda::HostThreads();
  if (g.batch < threads || g.m * g.n * g.k >= int64_t{4} << 20) {
    for (int64_t i = 0; i < g.batch; ++i) one(i, threads);
    return;
  }
  // Many small products: one thread each, the batch shared out.
  std::vector<std::thread> pool;
  auto share = [&](int t) {
    for (int64_t i = t; i < g.batch; i += threads) one(i, 1);
  };
  for (int t = 1; t < threads; ++t) pool.emplace_back(share, t);
  share(0);
  for (auto& t : pool) t.join();
}

cublasStatus_t QueueGemms(cublasHandle_t handle, GemmCall g) {
  if (g.m == 0 || g.n == 0 || g.batch == 0) return CUBLAS_STATUS_SUCCESS;  // nothing to do
  const auto bytes = [](int64_t elements) { return static_cast<size_t>(elements) * sizeof(float); };
  std::vector<hostcuda::DeviceAccess> accesses{{g.c, bytes(g.SpanC()), true}};
  if (g.ReadsAB()) {
    accesses.push_back({g.a, g.AbBytes(g.SpanA()), false});
    accesses.push_back({g.b, g.AbBytes(g.SpanB()), false});
  }
  hostcuda::TrackWork(handle->stream, accesses, g.name);
  hostcuda::Enqueue(handle->stream, [g] { RunGemms(g); });
  return CUBLAS_STATUS_SUCCESS;
}

}  // namespace

extern "C" {

cublasStatus_t cublasCreate_v2(cublasHandle_t* handle) {
  if (handle == nullptr) return CUBLAS_STATUS_INVALID_VALUE;
  *handle = new cublasContext;
  return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t cublasDestroy_v2(cublasHandle_t handle) {
  if (handle == nullptr) return CUBLAS_STATUS_NOT_INITIALIZED;
  delete handle;
  return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t cublasSetStream_v2(cublasHandle_t handle, cudaStream_t streamId) {
  if (handle == nullptr) return CUBLAS_STATUS_NOT_INITIALIZED;
  handle->stream = streamId;
  return CUBLAS_STATUS_SUCCESS;
}

// cuBLAS's scratch for its kernels, in place of the pool it would otherwise allocate from
// (within a CUDA graph, into the graph): device memory of the current device, or none.
cublasStatus_t cublasSetWorkspace_v2(cublasHandle_t handle, void* workspace, size_t bytes) {
  if (handle == nullptr) return CUBLAS_STATUS_NOT_INITIALIZED;
  const char* why = nullptr;
  if (bytes > 0 && (workspace == nullptr || !hostcuda::DevicePointerOk(workspace, &why) ||
                    !hostcuda::DevicePointerOk(static_cast<char*>(workspace) + bytes - 1, &why)))
    return CUBLAS_STATUS_INVALID_VALUE;
  return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t cublasSetMathMode(cublasHandle_t handle, cublasMath_t mode) {
  if (handle == nullptr) return CUBLAS_STATUS_NOT_INITIALIZED;
  // One of the four modes, optionally with CUBLAS_MATH_DISALLOW_REDUCED_PRECISION_REDUCTION.
  const int base = static_cast<int>(mode) &
                   ~static_cast<int>(CUBLAS_MATH_DISALLOW_REDUCED_PRECISION_REDUCTION);
  if (base < CUBLAS_DEFAULT_MATH || base > CUBLAS_TF32_TENSOR_OP_MATH)
    return CUBLAS_STATUS_INVALID_VALUE;
  handle->math = mode;
  return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t cublasGetProperty(libraryPropertyType type, int* value) {
  if (value == nullptr) return CUBLAS_STATUS_INVALID_VALUE;
  switch (type) {
    case MAJOR_VERSION: *value = CUBLAS_VER_MAJOR; return CUBLAS_STATUS_SUCCESS;
    case MINOR_VERSION: *value = CUBLAS_VER_MINOR; return CUBLAS_STATUS_SUCCESS;
    case PATCH_LEVEL: *value = CUBLAS_VER_PATCH; return CUBLAS_STATUS_SUCCESS;
  }
  return CUBLAS_STATUS_INVALID_VALUE;
}

cublasStatus_t cublasSgemm_v2(cublasHandle_t handle, cublasOperation_t transa,
                              cublasOperation_t transb, int m, int n, int k, const float* alpha,
                              const float* A, int lda, const float* B, int ldb, const float* beta,
                              float* C, int ldc) {
  if (handle == nullptr) return CUBLAS_STATUS_NOT_INITIALIZED;
  if (!GemmArgsValid(transa, transb, m, n, k, alpha, lda, ldb, beta, ldc))
    return CUBLAS_STATUS_INVALID_VALUE;
  return QueueGemms(handle, GemmCall{"cublasSgemm", transa != CUBLAS_OP_N, transb != CUBLAS_OP_N,
                                     m, n, k, lda, ldb, ldc, *alpha, *beta,
                                     MathRounding(handle->math), A, B, C, 0, 0, 0, 1});
}

cublasStatus_t cublasSgemmStridedBatched(cublasHandle_t handle, cublasOperation_t transa,
                                         cublasOperation_t transb, int m, int n, int k,
                                         const float* alpha, const float* A, int lda,
                                         long long int strideA, const float* B, int ldb,
                                         long long int strideB, const float* beta, float* C,
                                         int ldc, long long int strideC, int batchCount) {
  if (handle == nullptr) return CUBLAS_STATUS_NOT_INITIALIZED;
  if (!GemmArgsValid(transa, transb, m, n, k, alpha, lda, ldb, beta, ldc) || batchCount < 0)
    return CUBLAS_STATUS_INVALID_VALUE;
  return QueueGemms(handle,
                    GemmCall{"cublasSgemmStridedBatched", transa != CUBLAS_OP_N,
                             transb != CUBLAS_OP_N, m, n, k, lda, ldb, ldc, *alpha, *beta,
                             MathRounding(handle->math), A, B, C, strideA, strideB, strideC,
                             batchCount});
}

// cublasGemmEx and its strided batched form for what the backend gives them: bfloat16 A and B,
// float32 C and the float32 compute type (training's mixed precision). bfloat16 products are
// exact in float32, so no math mode rounds them further. Other type combinations, valid on a
// GPU, are not modelled: CUBLAS_STATUS_NOT_SUPPORTED.
cublasStatus_t cublasGemmStridedBatchedEx(cublasHandle_t handle, cublasOperation_t transa,
                                          cublasOperation_t transb, int m, int n, int k,
                                          const void* alpha, const void* A, cudaDataType Atype,
                                          int lda, long long int strideA, const void* B,
                                          cudaDataType Btype, int ldb, long long int strideB,
                                          const void* beta, void* C, cudaDataType Ctype, int ldc,
                                          long long int strideC, int batchCount,
                                          cublasComputeType_t computeType,
                                          cublasGemmAlgo_t algo) {
  if (handle == nullptr) return CUBLAS_STATUS_NOT_INITIALIZED;
  const auto* a = static_cast<const float*>(alpha);
  const auto* b = static_cast<const float*>(beta);
  if (!GemmArgsValid(transa, transb, m, n, k, a, lda, ldb, b, ldc) || batchCount < 0 ||
      algo < CUBLAS_GEMM_DEFAULT)
    return CUBLAS_STATUS_INVALID_VALUE;
  if (Atype != CUDA_R_16BF || Btype != CUDA_R_16BF || Ctype != CUDA_R_32F ||
      (computeType != CUBLAS_COMPUTE_32F && computeType != CUBLAS_COMPUTE_32F_PEDANTIC))
    return CUBLAS_STATUS_NOT_SUPPORTED;
  GemmCall call{"cublasGemmEx", transa != CUBLAS_OP_N, transb != CUBLAS_OP_N, m, n, k, lda, ldb,
                ldc, *a, *b, Rounding::kNone, A, B, static_cast<float*>(C), strideA, strideB,
                strideC, batchCount};
  call.bf16 = true;
  return QueueGemms(handle, call);
}

cublasStatus_t cublasGemmEx(cublasHandle_t handle, cublasOperation_t transa,
                            cublasOperation_t transb, int m, int n, int k, const void* alpha,
                            const void* A, cudaDataType Atype, int lda, const void* B,
                            cudaDataType Btype, int ldb, const void* beta, void* C,
                            cudaDataType Ctype, int ldc, cublasComputeType_t computeType,
                            cublasGemmAlgo_t algo) {
  return cublasGemmStridedBatchedEx(handle, transa, transb, m, n, k, alpha, A, Atype, lda, 0, B,
                                    Btype, ldb, 0, beta, C, Ctype, ldc, 0, 1, computeType, algo);
}

}  // extern "C"
