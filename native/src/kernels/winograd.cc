#include "kernels/winograd.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdlib>
#include <string>
#include <utility>

#include "framework/error.h"
#include "kernels/cpu_features.h"
#include "kernels/parallel.h"

#ifdef PD_HAVE_AVX2_VARIANT
#include <immintrin.h>
#endif

namespace pd {
namespace {

constexpr int kPoints = 36;  // the 6x6 transform space

// The tiles of one block share a pass over the transformed filter; their transformed input
// ([36][tiles][c] floats) is kept to about 640 KB so that it stays in a 1 MB L2 with the
// products of one column block beside it.
constexpr int64_t kBlockFloats = 160 * 1024;
constexpr int64_t kMinTileBlock = 6, kMaxTileBlock = 96;

// GOHUB_CONV_WINOGRAD=off keeps every convolution on oneDNN's direct kernels (to compare the two
// in a benchmark, or to get the direct kernel's rounding); "always" takes Winograd wherever it
// runs.
WinogradChoice ChoiceFromEnvironment() {
  const char* v = std::getenv("GOHUB_CONV_WINOGRAD");
  if (v == nullptr) return WinogradChoice::kAuto;
  const std::string s(v);
  if (s == "off" || s == "0") return WinogradChoice::kNever;
  if (s == "always") return WinogradChoice::kAlways;
  return WinogradChoice::kAuto;
}

std::atomic<WinogradChoice> g_choice{ChoiceFromEnvironment()};

// Where one output tile lies: its image, its first input row and column (which may be in the
// padding) and its first output row and column.
struct TilePos {
  int64_t n, iy, ix, oy, ox;
};

TilePos PosOf(const WinogradShape& s, int64_t tiles_h, int64_t tiles_w, int64_t tile) {
  const int64_t per_image = tiles_h * tiles_w;
  const int64_t n = tile / per_image, r = tile % per_image;
  const int64_t oy = (r / tiles_w) * 4, ox = (r % tiles_w) * 4;
  return {n, oy - s.pad_top, ox - s.pad_left, oy, ox};
}

#ifdef PD_HAVE_AVX2_VARIANT

namespace avx512 {
#define PD_WINO_TARGET __attribute__((target("avx512f,avx2,fma")))
#define PD_WINO_INLINE inline __attribute__((always_inline, target("avx512f,avx2,fma")))
using V = __m512;
using VI = __m512i;
constexpr int64_t kLanes = 16;
constexpr int kRows = 6, kWidth = 4;  // 24 accumulators of AVX-512's 32 registers
PD_WINO_INLINE V Load(const float* p) { return _mm512_loadu_ps(p); }
PD_WINO_INLINE void Store(float* p, V v) { _mm512_storeu_ps(p, v); }
PD_WINO_INLINE V Set1(float x) { return _mm512_set1_ps(x); }
PD_WINO_INLINE V Zero() { return _mm512_setzero_ps(); }
PD_WINO_INLINE V Add(V a, V b) { return _mm512_add_ps(a, b); }
PD_WINO_INLINE V Sub(V a, V b) { return _mm512_sub_ps(a, b); }
PD_WINO_INLINE V Mul(V a, V b) { return _mm512_mul_ps(a, b); }
PD_WINO_INLINE V Fmadd(V a, V b, V c) { return _mm512_fmadd_ps(a, b, c); }
PD_WINO_INLINE V Fnmadd(V a, V b, V c) { return _mm512_fnmadd_ps(a, b, c); }
// (The masked forms take a pass-through register instead of an undefined one.)
PD_WINO_INLINE V MaxZero(V a) { return _mm512_mask_max_ps(a, 0xffff, a, Zero()); }
PD_WINO_INLINE VI StrideIndex(int64_t stride) {
  return _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                            _mm512_set1_epi32(static_cast<int>(stride)));
}
PD_WINO_INLINE V Gather(const float* base, VI index) {
  return _mm512_mask_i32gather_ps(Zero(), 0xffff, index, base, 4);
}
#include "kernels/winograd_isa.inc"
#undef PD_WINO_INLINE
#undef PD_WINO_TARGET
}  // namespace avx512

namespace avx2 {
#define PD_WINO_TARGET __attribute__((target("avx2,fma")))
#define PD_WINO_INLINE inline __attribute__((always_inline, target("avx2,fma")))
using V = __m256;
using VI = __m256i;
constexpr int64_t kLanes = 8;
constexpr int kRows = 6, kWidth = 2;  // 12 accumulators of AVX2's 16 registers
PD_WINO_INLINE V Load(const float* p) { return _mm256_loadu_ps(p); }
PD_WINO_INLINE void Store(float* p, V v) { _mm256_storeu_ps(p, v); }
PD_WINO_INLINE V Set1(float x) { return _mm256_set1_ps(x); }
PD_WINO_INLINE V Zero() { return _mm256_setzero_ps(); }
PD_WINO_INLINE V Add(V a, V b) { return _mm256_add_ps(a, b); }
PD_WINO_INLINE V Sub(V a, V b) { return _mm256_sub_ps(a, b); }
PD_WINO_INLINE V Mul(V a, V b) { return _mm256_mul_ps(a, b); }
PD_WINO_INLINE V Fmadd(V a, V b, V c) { return _mm256_fmadd_ps(a, b, c); }
PD_WINO_INLINE V Fnmadd(V a, V b, V c) { return _mm256_fnmadd_ps(a, b, c); }
PD_WINO_INLINE V MaxZero(V a) { return _mm256_max_ps(a, Zero()); }
PD_WINO_INLINE VI StrideIndex(int64_t stride) {
  return _mm256_mullo_epi32(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7),
                            _mm256_set1_epi32(static_cast<int>(stride)));
}
PD_WINO_INLINE V Gather(const float* base, VI index) {
  return _mm256_mask_i32gather_ps(Zero(), base, index, _mm256_castsi256_ps(_mm256_set1_epi32(-1)),
                                  4);
}
#include "kernels/winograd_isa.inc"
#undef PD_WINO_INLINE
#undef PD_WINO_TARGET
}  // namespace avx2

#endif  // PD_HAVE_AVX2_VARIANT

// The column block of the transformed filter's layout on isa.
int64_t ColumnsOf(VectorIsa isa) {
#ifdef PD_HAVE_AVX2_VARIANT
  return isa == VectorIsa::kAvx512 ? avx512::kColumns : avx2::kColumns;
#else
  (void)isa;
  return 1;
#endif
}

}  // namespace

VectorIsa WinogradIsa() {
  const VectorIsa widest = WidestVectorIsa();
  return widest == VectorIsa::kAvx512 || widest == VectorIsa::kAvx2 ? widest : VectorIsa::kScalar;
}

bool WinogradRuns(int64_t in_channels, int64_t out_channels) {
  return WinogradIsa() != VectorIsa::kScalar && in_channels % 16 == 0 && out_channels % 16 == 0;
}

namespace {

bool Fits(const ConvShape& s) {
  using Pair = std::array<int64_t, 2>;
  return !s.transpose && s.groups == 1 && s.win.k == Pair{3, 3} && s.win.stride == Pair{1, 1} &&
         s.win.dilation == Pair{1, 1};
}

void CheckRuns(const WinogradShape& s, VectorIsa isa) {
  PD_CHECK((isa == VectorIsa::kAvx2 || isa == VectorIsa::kAvx512) && VectorIsaRuns(isa),
           "Winograd convolution: needs AVX2 or AVX-512, and ", VectorIsaName(isa),
           " does not run here");
  PD_CHECK(s.c % 16 == 0 && s.k % 16 == 0, "Winograd convolution: needs channel counts that are "
           "multiples of 16, got ", s.c, " in and ", s.k, " out");
}

}  // namespace

std::optional<WinogradShape> WinogradForward(const ConvShape& s) {
  if (!Fits(s) || !WinogradRuns(s.in.c, s.out.c)) return std::nullopt;
  return WinogradShape{s.in.n,  s.in.h,  s.in.w, s.in.c, s.out.c, s.win.pad_begin[0],
                       s.win.pad_begin[1], s.out.h, s.out.w};
}

std::optional<WinogradShape> WinogradBackwardData(const ConvShape& s) {
  // A padding over 2 would crop Output@GRAD's border instead of padding it.
  if (!Fits(s) || s.win.pad_begin[0] > 2 || s.win.pad_begin[1] > 2 ||
      !WinogradRuns(s.out.c, s.in.c))
    return std::nullopt;
  return WinogradShape{s.out.n, s.out.h, s.out.w, s.out.c, s.in.c, 2 - s.win.pad_begin[0],
                       2 - s.win.pad_begin[1], s.in.h, s.in.w};
}

bool WinogradPays(const WinogradShape& s, int threads, VectorIsa isa) {
  switch (g_choice.load()) {
    case WinogradChoice::kAlways: return true;
    case WinogradChoice::kNever: return false;
    case WinogradChoice::kAuto: break;
  }
  const int64_t tiles = s.n * ((s.out_h + 3) / 4) * ((s.out_w + 3) / 4);
  const int64_t filter_bytes = kPoints * s.c * s.k * int64_t{sizeof(float)};
  return tiles >= 8 * std::max(threads, 1) &&
         (isa != VectorIsa::kAvx2 || filter_bytes <= int64_t{16} << 20);
}

void SetWinogradChoice(WinogradChoice choice) { g_choice = choice; }

WinogradConv::WinogradConv(const WinogradShape& s, VectorIsa isa)
    : s_(s),
      isa_(isa),
      tiles_h_((s.out_h + 3) / 4),
      tiles_w_((s.out_w + 3) / 4),
      tile_block_(
          std::clamp<int64_t>(kBlockFloats / (kPoints * s.c), kMinTileBlock, kMaxTileBlock)),
      u_(static_cast<size_t>(kPoints * s.c * s.k)) {
  CheckRuns(s, isa);
}

void WinogradConv::TransformFilter(const float* f, int64_t k_stride, int64_t c_stride,
                                   bool turned, int threads) {
  ParallelFor(s_.c, threads, 8, [&](int64_t begin, int64_t end) {
#ifdef PD_HAVE_AVX2_VARIANT
    if (isa_ == VectorIsa::kAvx512)
      avx512::TransformFilterPart(s_.c, s_.k, f, k_stride, c_stride, turned, begin, end,
                                  u_.data());
    else
      avx2::TransformFilterPart(s_.c, s_.k, f, k_stride, c_stride, turned, begin, end,
                                u_.data());
#endif
  });
}

void WinogradConv::SetFilter(const float* filter, int threads) {
  TransformFilter(filter, s_.c * 9, 9, false, threads);
}

void WinogradConv::SetBackwardDataFilter(const float* forward_filter, int threads) {
  // The forward filter is [c, k, 3, 3] here (its outputs are this convolution's inputs).
  TransformFilter(forward_filter, 9, s_.k * 9, true, threads);
}

int64_t WinogradConv::ScratchFloats(int threads) const {
  return std::max(threads, 1) * kPoints * tile_block_ * (s_.c + ColumnsOf(isa_));
}

void WinogradConv::Run(const float* src, const float* bias, float* dst,
                       const WinogradPostOps& post, int threads, float* scratch) const {
#ifdef PD_HAVE_AVX2_VARIANT
  const auto forward = isa_ == VectorIsa::kAvx512 ? avx512::Forward : avx2::Forward;
  forward(s_, tiles_h_, tiles_w_, tile_block_, u_.data(), src, bias, dst, post, threads,
          scratch);
#else
  (void)src, (void)bias, (void)dst, (void)post, (void)threads, (void)scratch;
#endif
}

int64_t WinogradFilterGradScratchFloats(const WinogradShape& s) {
  const int64_t tiles = s.n * ((s.out_h + 3) / 4) * ((s.out_w + 3) / 4);
  return kPoints * (tiles * (s.c + s.k) + s.k * s.c);
}

void WinogradFilterGrad(const WinogradShape& s, const float* src, const float* dy,
                        float* dfilter, int threads, float* scratch, VectorIsa isa) {
  CheckRuns(s, isa);
#ifdef PD_HAVE_AVX2_VARIANT
  const auto grad = isa == VectorIsa::kAvx512 ? avx512::FilterGrad : avx2::FilterGrad;
  grad(s, src, dy, dfilter, threads, scratch);
#else
  (void)src, (void)dy, (void)dfilter, (void)threads, (void)scratch;
#endif
}

}  // namespace pd
