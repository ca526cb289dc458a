// crf_decoding: Viterbi decoding of a linear-chain CRF.
//
// Transition is [K+2, K]: row 0 holds the start scores, row 1 the end scores, row 2+i the score
// of moving from tag i to each tag. Emission is [T, K] with a level-1 LoD (one sequence per
// entry), or padded [N, L, K] with Length [N]. ViterbiPath is int64 whatever the VarDesc says:
// the best tag per position, or with Label 1 where the best tag equals the label, else 0.
#include <cfloat>
#include <cstring>
#include <vector>

#include "framework/op_registry.h"
#include "kernels/cpu_features.h"
#include "kernels/kernel_util.h"
#include "kernels/register.h"
#include "kernels/vec_math.h"

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

// Scratch reused across the sequences of one run.
struct Viterbi {
  std::vector<float> alpha;  // best score of a path ending in tag j at position t
  std::vector<int> track;    // the previous tag on that path
};

// One position of the recursion: for every tag j, the best previous tag i of
// prev[i] + trans[i][j] (the first on ties: strict >), then alpha[j] = that score + x[j].
// The loop runs over i outside and j inside, so the k independent maxima vectorize.
PD_ALWAYS_INLINE void ViterbiStepLoop(int64_t k, const float* __restrict prev,
                                      const float* __restrict trans, const float* __restrict x,
                                      float* __restrict alpha, int* __restrict track) {
  for (int64_t j = 0; j < k; ++j) {
    alpha[j] = -FLT_MAX;
    track[j] = 0;
  }
  for (int64_t i = 0; i < k; ++i) {
    const float p = prev[i];
    const float* row = trans + i * k;
    const int tag = static_cast<int>(i);
    for (int64_t j = 0; j < k; ++j) {
      const float score = p + row[j];
      const bool better = score > alpha[j];
      alpha[j] = better ? score : alpha[j];
      track[j] = better ? tag : track[j];
    }
  }
  for (int64_t j = 0; j < k; ++j) alpha[j] += x[j];
}

#ifdef PD_HAVE_AVX2_VARIANT
PD_TARGET_AVX2 void ViterbiStepAvx2(int64_t k, const float* prev, const float* trans,
                                    const float* x, float* alpha, int* track) {
  ViterbiStepLoop(k, prev, trans, x, alpha, track);
}
#endif

void ViterbiStep(int64_t k, const float* prev, const float* trans, const float* x, float* alpha,
                 int* track) {
#ifdef PD_HAVE_AVX2_VARIANT
  if (CpuHasAvx2Fma()) return ViterbiStepAvx2(k, prev, trans, x, alpha, track);
#endif
  ViterbiStepLoop(k, prev, trans, x, alpha, track);
}

// Writes the best tag sequence for x [len, k] into path[len]. Ties go to the lowest tag
// (strict >), as in Paddle.
void Decode(const float* x, int64_t len, int64_t k, const float* w, Viterbi& v, int64_t* path) {
  v.alpha.resize(static_cast<size_t>(len * k));
  v.track.resize(static_cast<size_t>(len * k));
  float* alpha = v.alpha.data();
  int* track = v.track.data();
  const float* start = w;
  const float* end = w + k;
  const float* trans = w + 2 * k;  // trans[i*k + j]: from tag i to tag j
  for (int64_t j = 0; j < k; ++j) alpha[j] = start[j] + x[j];
  for (int64_t t = 1; t < len; ++t) {
    ViterbiStep(k, alpha + (t - 1) * k, trans, x + t * k, alpha + t * k, track + t * k);
  }
  float best = -FLT_MAX;
  int64_t tag = 0;
  for (int64_t j = 0; j < k; ++j) {
    const float score = alpha[(len - 1) * k + j] + end[j];
    if (score > best) {
      best = score;
      tag = j;
    }
  }
  path[len - 1] = tag;
  for (int64_t t = len - 1; t > 0; --t) {
    tag = track[t * k + tag];
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
  Viterbi v;

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
    if (len[s] > 0) Decode(x + begin[s] * k, len[s], k, w, v, path + begin[s]);
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
  r.AddKernel("crf_decoding", Place::kCPU, DType::kFP32, CrfKernel);
}

}  // namespace pd
