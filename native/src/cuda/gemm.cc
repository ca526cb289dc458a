#include "cuda/gemm.h"

#include "cuda/bf16_buffers.h"
#include "kernels/bf16_attr.h"

namespace pd::cuda {
namespace {

// The common stride of offsets, or -1 when they are not evenly spaced.
int64_t EvenStride(const std::vector<int64_t>& offsets) {
  if (offsets.size() < 2) return 0;
  const int64_t step = offsets[1] - offsets[0];
  for (size_t i = 2; i < offsets.size(); ++i)
    if (offsets[i] - offsets[i - 1] != step) return -1;
  return step;
}

int CublasInt(int64_t v) {
  PD_CHECK(v <= INT32_MAX, "a GEMM dimension of ", v, " is too large for cuBLAS");
  return static_cast<int>(v);
}

// The operand's matrix `offset` elements in.
const void* At(const Operand& x, int64_t offset) {
  const size_t size = x.bf16 ? sizeof(uint16_t) : sizeof(float);
  return static_cast<const char*>(x.p) + offset * static_cast<int64_t>(size);
}

}  // namespace

void Gemms(CudaContext& cu, int64_t m, int64_t n, int64_t k, float alpha, Operand a,
           const std::vector<int64_t>& a_off, Operand b, const std::vector<int64_t>& b_off,
           float* c) {
  PD_CHECK(a.bf16 == b.bf16 && a_off.size() == b_off.size(),
           "a GEMM's operands must share their element type and batch");
  const size_t count = a_off.size();
  if (count == 0 || m == 0 || n == 0) return;
  if (k == 0) {  // an empty sum
    PD_CUDA_CHECK(cudaMemsetAsync(c, 0, count * m * n * sizeof(float), cu.cuda_stream()));
    return;
  }
  const cublasOperation_t ta = a.trans ? CUBLAS_OP_T : CUBLAS_OP_N;
  const cublasOperation_t tb = b.trans ? CUBLAS_OP_T : CUBLAS_OP_N;
  const int mi = CublasInt(m), ni = CublasInt(n), ki = CublasInt(k);
  const int lda = CublasInt(a.ld), ldb = CublasInt(b.ld);
  const float zero = 0.0f;
  const int64_t sa = EvenStride(a_off), sb = EvenStride(b_off);
  const bool batched = count > 1 && sa >= 0 && sb >= 0;
  if (a.bf16) {
    // bfloat16 operands on the tensor cores, summed in float32 (CUBLAS_COMPUTE_32F: the
    // handle's pedantic math mode, for float32 without TF32, does not apply to them).
    const auto one = [&](int64_t ao, int64_t bo, float* ci) {
      PD_CUBLAS_CHECK(cublasGemmEx(cu.cublas(), tb, ta, ni, mi, ki, &alpha, At(b, bo),
                                   CUDA_R_16BF, ldb, At(a, ao), CUDA_R_16BF, lda, &zero, ci,
                                   CUDA_R_32F, ni, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
    };
    if (batched) {
      PD_CUBLAS_CHECK(cublasGemmStridedBatchedEx(
          cu.cublas(), tb, ta, ni, mi, ki, &alpha, At(b, b_off[0]), CUDA_R_16BF, ldb, sb,
          At(a, a_off[0]), CUDA_R_16BF, lda, sa, &zero, c, CUDA_R_32F, ni, m * n,
          CublasInt(int64_t(count)), CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
    } else {
      for (size_t i = 0; i < count; ++i) one(a_off[i], b_off[i], c + i * m * n);
    }
    return;
  }
  const auto* ap = static_cast<const float*>(a.p);
  const auto* bp = static_cast<const float*>(b.p);
  if (batched) {
    PD_CUBLAS_CHECK(cublasSgemmStridedBatched(cu.cublas(), tb, ta, ni, mi, ki, &alpha,
                                              bp + b_off[0], ldb, sb, ap + a_off[0], lda, sa,
                                              &zero, c, ni, m * n, CublasInt(int64_t(count))));
  } else {
    for (size_t i = 0; i < count; ++i)
      PD_CUBLAS_CHECK(cublasSgemm(cu.cublas(), tb, ta, ni, mi, ki, &alpha, bp + b_off[i], ldb,
                                  ap + a_off[i], lda, &zero, c + i * m * n, ni));
  }
}

bool ProductRunsBf16(const OpContext& ctx, const CudaContext& cu) {
  return cu.config().gpu_bf16 && WantsBf16(ctx.op());
}

const void* ProductData(const Tensor& t, bool bf16, const CudaContext& cu, Tensor* scratch) {
  const float* data = t.data<float>();
  if (!bf16) return data;
  return Bf16Copy(data, t.numel(), cu.place(), scratch, cu.cuda_stream());
}

}  // namespace pd::cuda
