// crf_decoding: Viterbi decoding of a linear-chain CRF.
//
// Transition is [K+2, K]: row 0 holds the start scores, row 1 the end scores, row 2+i the score
// of moving from tag i to each tag. Emission is [T, K] with a level-1 LoD (one sequence per
// entry), or padded [N, L, K] with Length [N]. ViterbiPath is int64 whatever the VarDesc says:
// the best tag per position, or with Label 1 where the best tag equals the label, else 0.
#include <cfloat>
#include <cstring>
#include <limits>
#include <vector>

#include "framework/op_registry.h"
#include "kernels/cpu_features.h"
#include "kernels/kernel_util.h"
#include "kernels/register.h"
#include "kernels/vec_math.h"
#include "kernels/viterbi_step.h"

#ifdef PD_HAVE_AVX2_VARIANT
#include <immintrin.h>
#endif

namespace pd {
namespace {

void CrfInferShape(OpContext& ctx) {
  CheckNotInPlace(ctx, "ViterbiPath", {"Emission", "Transition", "Label", "Length"});
  const Tensor& emission = InputWithData(ctx, "Emission");
  const Tensor& trans = InputOfType(ctx, "Transition", DType::kFP32);
  const bool padded = ctx.HasInput("Length");
  const Dims& ed = emission.dims();
  PD_CHECK(static_cast<int>(ed.size()) == (padded ? 3 : 2), "crf_decoding: Emission must be ",
           padded ? "[N, L, K] when Length is given" : "[T, K]", ", got ", DimsToString(ed));
  const int64_t k = ed.back();
  PD_CHECK(k > 0, "crf_decoding: Emission ", DimsToString(ed), " has no tags");
  PD_CHECK(trans.rank() == 2 && trans.dim(0) == k + 2 && trans.dim(1) == k,
           "crf_decoding: Transition must be [K+2, K] = [", k + 2, ", ", k, "] for Emission ",
           DimsToString(ed), ", got ", DimsToString(trans.dims()));
  if (padded) {
    const Tensor& length = InputOfType(ctx, "Length", DType::kInt64);
    PD_CHECK(length.numel() == ed[0], "crf_decoding: Length must hold one length per sequence (",
             ed[0], "), got shape ", DimsToString(length.dims()));
  } else {
    PD_CHECK(emission.lod().size() == 1, "crf_decoding: Emission must carry a level-1 LoD ",
             "(one entry per sequence) unless Length is given, got ", emission.lod().size(),
             " levels");
    ValidateLoD(emission.lod(), ed[0]);
  }
  if (ctx.HasInput("Label")) {
    const Tensor& label = InputOfType(ctx, "Label", DType::kInt64);
    const int64_t positions = padded ? ed[0] * ed[1] : ed[0];
    PD_CHECK(label.rank() >= 1 && label.numel() == positions && label.dim(0) == ed[0],
             "crf_decoding: Label must hold one tag per position of Emission ", DimsToString(ed),
             ", got shape ", DimsToString(label.dims()));
  }
  Tensor* path = ctx.Out("ViterbiPath");
  path->Resize(padded ? Dims{ed[0], ed[1]} : Dims{ed[0], 1});
  ShareLoD(ctx, "Emission", "ViterbiPath");
}

// Scratch reused across the sequences of one run. Rows are `stride` wide, k rounded up to
// whole AVX2 vectors: the padded tags have -inf transitions, so they never win, and the
// step's loops run without remainders.
struct Viterbi {
  Viterbi(const float* transition, int64_t k) : k(k), stride(ViterbiStride(k)) {
    trans.assign(static_cast<size_t>(k * stride), -std::numeric_limits<float>::infinity());
    for (int64_t i = 0; i < k; ++i) {
      std::copy(transition + i * k, transition + (i + 1) * k, trans.begin() + i * stride);
    }
  }
  int64_t k, stride;
  std::vector<float> trans;  // trans[i*stride + j]: from tag i to tag j
  std::vector<float> alpha;  // best score of a path ending in tag j at position t
  std::vector<int> track;    // the previous tag on that path
};

// One position of the recursion: for every tag j, the best previous tag i of
// prev[i] + trans[i][j] (the first on ties: strict >), then alpha[j] = that score + x[j].
// The loop runs over i outside and j inside, so the independent maxima vectorize; rows of
// trans, alpha and track are `stride` wide.
PD_ALWAYS_INLINE void ViterbiStepLoop(int64_t k, int64_t stride, const float* __restrict prev,
                                      const float* __restrict trans, const float* __restrict x,
                                      float* __restrict alpha, int* __restrict track) {
  for (int64_t j = 0; j < stride; ++j) {
    alpha[j] = -FLT_MAX;
    track[j] = 0;
  }
  for (int64_t i = 0; i < k; ++i) {
    const float p = prev[i];
    const float* row = trans + i * stride;
    const int tag = static_cast<int>(i);
    for (int64_t j = 0; j < stride; ++j) {
      const float score = p + row[j];
      const bool better = score > alpha[j];
      alpha[j] = better ? score : alpha[j];
      track[j] = better ? tag : track[j];
    }
  }
  for (int64_t j = 0; j < k; ++j) alpha[j] += x[j];
}

#ifdef PD_HAVE_AVX2_VARIANT
// B vectors of 8 tags [j, j + 8B), their running maxima and arg-maxima in registers for the
// whole loop over i. Updating on score > best keeps the first i on ties, like the loop above;
// B chains in flight hide the compare-and-blend latency.
template <int B>
PD_TARGET_AVX2 inline void ViterbiColumns(int64_t k, int64_t stride, const float* prev,
                                          const float* trans, float* alpha, int* track) {
  static_assert(B >= 1 && B <= 4, "column group");
  const __m256 lowest = _mm256_set1_ps(-FLT_MAX);
  __m256 best0 = lowest, best1 = lowest, best2 = lowest, best3 = lowest;
  __m256i arg0 = _mm256_setzero_si256(), arg1 = arg0, arg2 = arg0, arg3 = arg0;
#define PD_VITERBI_UPDATE(b)                                                              \
  if constexpr (B > b) {                                                                  \
    const __m256 score = _mm256_add_ps(p, _mm256_loadu_ps(row + 8 * (b)));                \
    const __m256 better = _mm256_cmp_ps(score, best##b, _CMP_GT_OQ);                      \
    best##b = _mm256_blendv_ps(best##b, score, better);                                   \
    arg##b = _mm256_castps_si256(_mm256_blendv_ps(_mm256_castsi256_ps(arg##b),            \
                                                  _mm256_castsi256_ps(tag), better));    \
  }
  for (int64_t i = 0; i < k; ++i) {
    const __m256 p = _mm256_broadcast_ss(prev + i);
    const __m256i tag = _mm256_set1_epi32(static_cast<int>(i));
    const float* row = trans + i * stride;
    PD_VITERBI_UPDATE(0) PD_VITERBI_UPDATE(1) PD_VITERBI_UPDATE(2) PD_VITERBI_UPDATE(3)
  }
#undef PD_VITERBI_UPDATE
#define PD_VITERBI_STORE(b)                                                         \
  if constexpr (B > b) {                                                            \
    _mm256_storeu_ps(alpha + 8 * (b), best##b);                                     \
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(track + 8 * (b)), arg##b);       \
  }
  PD_VITERBI_STORE(0) PD_VITERBI_STORE(1) PD_VITERBI_STORE(2) PD_VITERBI_STORE(3)
#undef PD_VITERBI_STORE
}

PD_TARGET_AVX2 void ViterbiStepAvx2(int64_t k, int64_t stride, const float* prev,
                                    const float* trans, const float* x, float* alpha, int* track) {
  int64_t j = 0;  // stride is a multiple of 8
  for (; j + 32 <= stride; j += 32) ViterbiColumns<4>(k, stride, prev, trans + j, alpha + j, track + j);
  switch ((stride - j) / 8) {
    case 3: ViterbiColumns<3>(k, stride, prev, trans + j, alpha + j, track + j); break;
    case 2: ViterbiColumns<2>(k, stride, prev, trans + j, alpha + j, track + j); break;
    case 1: ViterbiColumns<1>(k, stride, prev, trans + j, alpha + j, track + j); break;
    default: break;
  }
  for (int64_t c = 0; c < k; ++c) alpha[c] += x[c];
}

// The AVX2 loop 16 tags wide, with the comparisons in mask registers and masked moves for the
// blends: with LAC's 57 tags (stride 64) one pass over i covers every tag where AVX2 takes two.
// Each lane computes exactly what AVX2's does. On LAC's shapes (57 tags, 32 sentences of 10 to
// 100 words) the recursion ran 3.6 times as fast as on AVX2 (bench/vector_isa.cc).
template <int B>
PD_TARGET_AVX512 inline void ViterbiColumnsAvx512(int64_t k, int64_t stride, const float* prev,
                                                  const float* trans, float* alpha, int* track) {
  static_assert(B >= 1 && B <= 4, "column group");
  const __m512 lowest = _mm512_set1_ps(-FLT_MAX);
  __m512 best0 = lowest, best1 = lowest, best2 = lowest, best3 = lowest;
  __m512i arg0 = _mm512_setzero_si512(), arg1 = arg0, arg2 = arg0, arg3 = arg0;
#define PD_VITERBI_UPDATE(b)                                                      \
  if constexpr (B > b) {                                                          \
    const __m512 score = _mm512_add_ps(p, _mm512_loadu_ps(row + 16 * (b)));       \
    const __mmask16 better = _mm512_cmp_ps_mask(score, best##b, _CMP_GT_OQ);      \
    best##b = _mm512_mask_mov_ps(best##b, better, score);                         \
    arg##b = _mm512_mask_mov_epi32(arg##b, better, tag);                          \
  }
  for (int64_t i = 0; i < k; ++i) {
    const __m512 p = _mm512_set1_ps(prev[i]);
    const __m512i tag = _mm512_set1_epi32(static_cast<int>(i));
    const float* row = trans + i * stride;
    PD_VITERBI_UPDATE(0) PD_VITERBI_UPDATE(1) PD_VITERBI_UPDATE(2) PD_VITERBI_UPDATE(3)
  }
#undef PD_VITERBI_UPDATE
#define PD_VITERBI_STORE(b)                                        \
  if constexpr (B > b) {                                           \
    _mm512_storeu_ps(alpha + 16 * (b), best##b);                   \
    _mm512_storeu_si512(track + 16 * (b), arg##b);                 \
  }
  PD_VITERBI_STORE(0) PD_VITERBI_STORE(1) PD_VITERBI_STORE(2) PD_VITERBI_STORE(3)
#undef PD_VITERBI_STORE
}

// Groups of 64 tags, then 48, 32 or 16, then a last 8 (stride is a multiple of 8, not of 16)
// on AVX2's 8-wide loop.
PD_TARGET_AVX512 void ViterbiStepAvx512(int64_t k, int64_t stride, const float* prev,
                                        const float* trans, const float* x, float* alpha,
                                        int* track) {
  int64_t j = 0;
  for (; j + 64 <= stride; j += 64) {
    ViterbiColumnsAvx512<4>(k, stride, prev, trans + j, alpha + j, track + j);
  }
  const int64_t vectors = (stride - j) / 16;
  switch (vectors) {
    case 3: ViterbiColumnsAvx512<3>(k, stride, prev, trans + j, alpha + j, track + j); break;
    case 2: ViterbiColumnsAvx512<2>(k, stride, prev, trans + j, alpha + j, track + j); break;
    case 1: ViterbiColumnsAvx512<1>(k, stride, prev, trans + j, alpha + j, track + j); break;
    default: break;
  }
  j += 16 * vectors;
  if (j < stride) ViterbiColumns<1>(k, stride, prev, trans + j, alpha + j, track + j);
  for (int64_t c = 0; c < k; ++c) alpha[c] += x[c];
}
#endif

}  // namespace

void ViterbiStepOn(VectorIsa isa, int64_t k, int64_t stride, const float* prev,
                   const float* trans, const float* x, float* alpha, int* track) {
  switch (isa) {
#ifdef PD_HAVE_AVX2_VARIANT
    case VectorIsa::kAvx2: return ViterbiStepAvx2(k, stride, prev, trans, x, alpha, track);
    case VectorIsa::kAvx512: return ViterbiStepAvx512(k, stride, prev, trans, x, alpha, track);
#endif
    default: return ViterbiStepLoop(k, stride, prev, trans, x, alpha, track);
  }
}

void ViterbiStep(int64_t k, int64_t stride, const float* prev, const float* trans, const float* x,
                 float* alpha, int* track) {
  static const VectorIsa widest = WidestVectorIsa();
  ViterbiStepOn(widest, k, stride, prev, trans, x, alpha, track);
}

namespace {

// Writes the best tag sequence for x [len, k] into path[len]. Ties go to the lowest tag
// (strict >), as in Paddle.
void Decode(const float* x, int64_t len, const float* w, Viterbi& v, int64_t* path) {
  const int64_t k = v.k, stride = v.stride;
  v.alpha.resize(static_cast<size_t>(len * stride));
  v.track.resize(static_cast<size_t>(len * stride));
  float* alpha = v.alpha.data();
  int* track = v.track.data();
  const float* start = w;
  const float* end = w + k;
  for (int64_t j = 0; j < k; ++j) alpha[j] = start[j] + x[j];
  for (int64_t t = 1; t < len; ++t) {
    ViterbiStep(k, stride, alpha + (t - 1) * stride, v.trans.data(), x + t * k,
                alpha + t * stride, track + t * stride);
  }
  float best = -FLT_MAX;
  int64_t tag = 0;
  for (int64_t j = 0; j < k; ++j) {
    const float score = alpha[(len - 1) * stride + j] + end[j];
    if (score > best) {
      best = score;
      tag = j;
    }
  }
  path[len - 1] = tag;
  for (int64_t t = len - 1; t > 0; --t) {
    tag = track[t * stride + tag];
    path[t - 1] = tag;
  }
}

void CrfKernel(OpContext& ctx) {
  const Tensor& emission = ctx.In("Emission");
  const float* x = emission.data<float>();
  const float* w = ctx.In("Transition").data<float>();
  const int64_t k = emission.dims().back();
  Tensor* out = ctx.Out("ViterbiPath");
  int64_t* path = out->mutable_data<int64_t>();
  Viterbi v(w + 2 * k, k);

  // Sequence s covers rows [begin[s], begin[s] + len[s]) of the [rows, k] emission matrix.
  std::vector<int64_t> begin, len;
  if (ctx.HasInput("Length")) {
    const int64_t n = emission.dim(0), max_len = emission.dim(1);
    const int64_t* lengths = ctx.In("Length").data<int64_t>();
    std::memset(path, 0, static_cast<size_t>(n * max_len) * sizeof(int64_t));  // padding
    for (int64_t s = 0; s < n; ++s) {
      PD_CHECK(lengths[s] >= 0 && lengths[s] <= max_len, "crf_decoding: Length[", s,
               "] = ", lengths[s], " is outside [0, ", max_len, "]");
      begin.push_back(s * max_len);
      len.push_back(lengths[s]);
    }
  } else {
    const auto& offsets = emission.lod()[0];
    for (size_t s = 0; s + 1 < offsets.size(); ++s) {
      begin.push_back(static_cast<int64_t>(offsets[s]));
      len.push_back(static_cast<int64_t>(offsets[s + 1] - offsets[s]));
    }
  }
  for (size_t s = 0; s < begin.size(); ++s) {
    if (len[s] > 0) Decode(x + begin[s] * k, len[s], w, v, path + begin[s]);
  }

  if (ctx.HasInput("Label")) {
    const int64_t* label = ctx.In("Label").data<int64_t>();
    for (size_t s = 0; s < begin.size(); ++s) {
      for (int64_t i = begin[s]; i < begin[s] + len[s]; ++i) path[i] = path[i] == label[i] ? 1 : 0;
    }
  }
}

}  // namespace

void RegisterCrfKernels(OpRegistry& r) {
  r.Add("crf_decoding", CrfInferShape, "Emission");
  r.AddKernel("crf_decoding", DeviceType::kCPU, DType::kFP32, CrfKernel);
}

}  // namespace pd
