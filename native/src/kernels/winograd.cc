#include "kernels/winograd.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdlib>
#include <string>

#include "framework/error.h"
#include "kernels/cpu_features.h"
#include "kernels/parallel.h"

#ifdef PD_HAVE_AVX2_VARIANT
#include <immintrin.h>
#endif

namespace pd {
namespace {

constexpr int kPoints = 36;        // the 6x6 transform space
constexpr int64_t kColumns = 64;   // output channels per matrix-product column block
constexpr int kRows = 6;           // tiles per pass of the matrix-product kernel
constexpr int64_t kLanes = 16;     // floats per AVX-512 vector

// The tiles of one block share a pass over the transformed filter; their transformed input
// ([36][tiles][c] floats) is kept to about 640 KB so that it stays in a 1 MB L2 with the
// products of one column block beside it.
constexpr int64_t kBlockFloats = 160 * 1024;

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

#ifdef PD_HAVE_AVX2_VARIANT

#define PD_AVX512_INLINE inline __attribute__((always_inline, target("avx512f,avx2,fma")))

// B^T x over six vectors: a column, then a row, of the 6x6 input block.
PD_AVX512_INLINE void InputPoints(const __m512* d, __m512* o) {
  const __m512 four = _mm512_set1_ps(4.0f), five = _mm512_set1_ps(5.0f);
  const __m512 two = _mm512_set1_ps(2.0f);
  const __m512 d4_minus_d2 = _mm512_sub_ps(d[4], d[2]);
  const __m512 d1_minus_d3 = _mm512_sub_ps(d[1], d[3]);
  o[0] = _mm512_fmadd_ps(four, d[0], _mm512_fnmadd_ps(five, d[2], d[4]));
  o[1] = _mm512_fnmadd_ps(four, _mm512_add_ps(d[1], d[2]), _mm512_add_ps(d[3], d[4]));
  o[2] = _mm512_fmadd_ps(four, _mm512_sub_ps(d[1], d[2]), _mm512_sub_ps(d[4], d[3]));
  o[3] = _mm512_fnmadd_ps(two, d1_minus_d3, d4_minus_d2);
  o[4] = _mm512_fmadd_ps(two, d1_minus_d3, d4_minus_d2);
  o[5] = _mm512_fmadd_ps(four, d[1], _mm512_fnmadd_ps(five, d[3], d[5]));
}

// A^T x over six vectors: four outputs from a column, then a row, of the 6x6 products.
PD_AVX512_INLINE void OutputPoints(const __m512* m, __m512* o) {
  const __m512 m1_plus_m2 = _mm512_add_ps(m[1], m[2]), m1_minus_m2 = _mm512_sub_ps(m[1], m[2]);
  const __m512 m3_plus_m4 = _mm512_add_ps(m[3], m[4]), m3_minus_m4 = _mm512_sub_ps(m[3], m[4]);
  o[0] = _mm512_add_ps(_mm512_add_ps(m[0], m1_plus_m2), m3_plus_m4);
  o[1] = _mm512_fmadd_ps(_mm512_set1_ps(2.0f), m3_minus_m4, m1_minus_m2);
  o[2] = _mm512_fmadd_ps(_mm512_set1_ps(4.0f), m3_plus_m4, m1_plus_m2);
  o[3] = _mm512_add_ps(_mm512_fmadd_ps(_mm512_set1_ps(8.0f), m3_minus_m4, m1_minus_m2), m[5]);
}

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

// The tile's 6x6xC input block into v[point * point_stride + channel], zeros where the block
// reaches into the padding.
__attribute__((target("avx512f,avx2,fma"))) void TransformInput(const WinogradShape& s,
                                                                 const float* src, TilePos t,
                                                                 float* v, int64_t point_stride) {
  const float* rows[6];
  bool col_in[6];
  for (int i = 0; i < 6; ++i) {
    const int64_t y = t.iy + i, x = t.ix + i;
    rows[i] = y >= 0 && y < s.h ? src + ((t.n * s.h + y) * s.w + t.ix) * s.c : nullptr;
    col_in[i] = x >= 0 && x < s.w;
  }
  const __m512 zero = _mm512_setzero_ps();
  for (int64_t c = 0; c < s.c; c += kLanes) {
    __m512 cols[6][6];  // cols[j][i]: B^T applied down column j
    for (int j = 0; j < 6; ++j) {
      __m512 d[6];
      for (int i = 0; i < 6; ++i)
        d[i] = rows[i] && col_in[j] ? _mm512_loadu_ps(rows[i] + j * s.c + c) : zero;
      InputPoints(d, cols[j]);
    }
    for (int i = 0; i < 6; ++i) {
      const __m512 row[6] = {cols[0][i], cols[1][i], cols[2][i],
                             cols[3][i], cols[4][i], cols[5][i]};
      __m512 o[6];
      InputPoints(row, o);
      for (int j = 0; j < 6; ++j) _mm512_storeu_ps(v + (i * 6 + j) * point_stride + c, o[j]);
    }
  }
}

// R rows by W vectors of columns: m[r][:] = sum over p < depth of a(r, p) * b[p][:], where
// a(r, p) = a[r * a_row + p * a_depth], held in registers while the whole depth loop runs
// (R*W <= 24 accumulators, W loads and R broadcasts per step). The forward convolution's rows
// are tiles and its depth channels; the filter gradient's rows are output channels and its depth
// tiles.
template <int R, int W>
__attribute__((target("avx512f,avx2,fma"))) void Product(int64_t depth, const float* a,
                                                         int64_t a_row, int64_t a_depth,
                                                         const float* b, int64_t ldb, float* m,
                                                         int64_t ldm) {
  __m512 acc[R][W];
#pragma GCC unroll 6
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 4
    for (int w = 0; w < W; ++w) acc[r][w] = _mm512_setzero_ps();
  for (int64_t p = 0; p < depth; ++p) {
    __m512 col[W];
#pragma GCC unroll 4
    for (int w = 0; w < W; ++w) col[w] = _mm512_loadu_ps(b + p * ldb + w * kLanes);
#pragma GCC unroll 6
    for (int r = 0; r < R; ++r) {
      const __m512 x = _mm512_set1_ps(a[r * a_row + p * a_depth]);
#pragma GCC unroll 4
      for (int w = 0; w < W; ++w) acc[r][w] = _mm512_fmadd_ps(x, col[w], acc[r][w]);
    }
  }
#pragma GCC unroll 6
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 4
    for (int w = 0; w < W; ++w) _mm512_storeu_ps(m + r * ldm + w * kLanes, acc[r][w]);
}

using ProductFn = void (*)(int64_t, const float*, int64_t, int64_t, const float*, int64_t,
                           float*, int64_t);

template <int R>
constexpr ProductFn kProductsOfRows[4] = {Product<R, 1>, Product<R, 2>, Product<R, 3>,
                                          Product<R, 4>};
// kProducts[R - 1][W - 1].
constexpr const ProductFn* kProducts[kRows] = {kProductsOfRows<1>, kProductsOfRows<2>,
                                               kProductsOfRows<3>, kProductsOfRows<4>,
                                               kProductsOfRows<5>, kProductsOfRows<6>};

// One column block's products (m: [36][tiles][kw]) back to the tile's output pixels, with the
// post-ops, for output channels k0 .. k0 + kw.
__attribute__((target("avx512f,avx2,fma"))) void TransformOutput(
    const WinogradShape& s, const float* m, int64_t point_stride, int64_t kw, int64_t k0,
    TilePos t, const float* bias, const WinogradPostOps& post, float* dst) {
  const int64_t rows = std::min<int64_t>(4, s.out_h - t.oy);
  const int64_t cols = std::min<int64_t>(4, s.out_w - t.ox);
  const __m512 zero = _mm512_setzero_ps();
  for (int64_t k = 0; k < kw; k += kLanes) {
    __m512 cols_out[6][4];  // cols_out[j][i]: A^T applied down column j
    for (int j = 0; j < 6; ++j) {
      __m512 d[6];
      for (int i = 0; i < 6; ++i) d[i] = _mm512_loadu_ps(m + (i * 6 + j) * point_stride + k);
      OutputPoints(d, cols_out[j]);
    }
    const __m512 b = post.bias ? _mm512_loadu_ps(bias + k0 + k) : zero;
    for (int64_t i = 0; i < rows; ++i) {
      const __m512 row[6] = {cols_out[0][i], cols_out[1][i], cols_out[2][i],
                             cols_out[3][i], cols_out[4][i], cols_out[5][i]};
      __m512 y[4];
      OutputPoints(row, y);
      float* out = dst + ((t.n * s.out_h + t.oy + i) * s.out_w + t.ox) * s.k + k0 + k;
      for (int64_t j = 0; j < cols; ++j) {
        __m512 o = _mm512_add_ps(y[j], b);
        if (post.residual) o = _mm512_add_ps(o, _mm512_loadu_ps(out + j * s.k));
        if (post.relu) o = _mm512_mask_max_ps(o, 0xffff, o, zero);  // no undefined passthrough
        _mm512_storeu_ps(out + j * s.k, o);
      }
    }
  }
}

// G x over three vectors (a column, then a row, of the 3x3 filter): the six transform points.
PD_AVX512_INLINE void FilterPoints(const __m512* g, __m512* o) {
  const __m512 sum_ends = _mm512_add_ps(g[0], g[2]);
  const __m512 quarter_ends = _mm512_fmadd_ps(_mm512_set1_ps(1.0f / 24), g[0],
                                              _mm512_mul_ps(_mm512_set1_ps(1.0f / 6), g[2]));
  const __m512 twelfth_middle = _mm512_mul_ps(_mm512_set1_ps(1.0f / 12), g[1]);
  o[0] = _mm512_mul_ps(_mm512_set1_ps(0.25f), g[0]);
  o[1] = _mm512_mul_ps(_mm512_set1_ps(-1.0f / 6), _mm512_add_ps(sum_ends, g[1]));
  o[2] = _mm512_mul_ps(_mm512_set1_ps(-1.0f / 6), _mm512_sub_ps(sum_ends, g[1]));
  o[3] = _mm512_add_ps(quarter_ends, twelfth_middle);
  o[4] = _mm512_sub_ps(quarter_ends, twelfth_middle);
  o[5] = g[2];
}

// The transformed filter u ([36][k / 64][c][<= 64]) for input channels [c_begin, c_end), 16
// output channels at a time: tap i (row-major in the window) from input channel c to output
// channel k is f[k * k_stride + c * c_stride + i], or tap 8 - i when turned by 180 degrees.
__attribute__((target("avx512f,avx2,fma"))) void TransformFilterPart(
    int64_t c_count, int64_t k_count, const float* f, int64_t k_stride, int64_t c_stride,
    bool turned, int64_t c_begin, int64_t c_end, float* u) {
  const __m512i lanes =
      _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                         _mm512_set1_epi32(static_cast<int>(k_stride)));
  for (int64_t k0 = 0; k0 < k_count; k0 += kLanes) {
    const int64_t block = k0 / kColumns, kk = k0 % kColumns;
    const int64_t kw = std::min(kColumns, k_count - block * kColumns);
    for (int64_t c = c_begin; c < c_end; ++c) {
      const float* taps = f + k0 * k_stride + c * c_stride;
      __m512 g[9];
      for (int i = 0; i < 9; ++i)  // (the masked form: no undefined pass-through register)
        g[i] = _mm512_mask_i32gather_ps(_mm512_setzero_ps(), 0xffff, lanes,
                                        taps + (turned ? 8 - i : i), 4);
      __m512 cols[3][6];  // cols[j]: G applied down column j
      for (int j = 0; j < 3; ++j) {
        const __m512 col[3] = {g[j], g[3 + j], g[6 + j]};
        FilterPoints(col, cols[j]);
      }
      for (int i = 0; i < 6; ++i) {
        const __m512 row[3] = {cols[0][i], cols[1][i], cols[2][i]};
        __m512 o[6];
        FilterPoints(row, o);
        for (int j = 0; j < 6; ++j)
          _mm512_storeu_ps(u + (i * 6 + j) * c_count * k_count + block * kColumns * c_count +
                               c * kw + kk,
                           o[j]);
      }
    }
  }
}

// A x over four vectors: the six transform points of a column, then a row, of a 4x4 block of
// output gradients (OutputPoints transposed).
PD_AVX512_INLINE void OutputGradPoints(const __m512* y, __m512* o) {
  const __m512 even = _mm512_add_ps(y[0], y[2]), odd = _mm512_add_ps(y[1], y[3]);
  const __m512 even4 = _mm512_fmadd_ps(_mm512_set1_ps(4.0f), y[2], y[0]);
  const __m512 odd8 = _mm512_fmadd_ps(_mm512_set1_ps(8.0f), y[3], _mm512_add_ps(y[1], y[1]));
  o[0] = y[0];
  o[1] = _mm512_add_ps(even, odd);
  o[2] = _mm512_sub_ps(even, odd);
  o[3] = _mm512_add_ps(even4, odd8);
  o[4] = _mm512_sub_ps(even4, odd8);
  o[5] = y[3];
}

// The tile's 4x4xK block of output gradients into d[point * point_stride + k], as A dY A^T;
// the tile's pixels past the output's edge have none (zeros).
__attribute__((target("avx512f,avx2,fma"))) void TransformOutputGrad(const WinogradShape& s,
                                                                      const float* dy, TilePos t,
                                                                      float* d,
                                                                      int64_t point_stride) {
  const int64_t rows = std::min<int64_t>(4, s.out_h - t.oy);
  const int64_t cols = std::min<int64_t>(4, s.out_w - t.ox);
  const float* first = dy + ((t.n * s.out_h + t.oy) * s.out_w + t.ox) * s.k;
  const __m512 zero = _mm512_setzero_ps();
  for (int64_t k = 0; k < s.k; k += kLanes) {
    __m512 down[4][6];  // down[j]: A applied down column j
    for (int j = 0; j < 4; ++j) {
      __m512 y[4];
      for (int i = 0; i < 4; ++i)
        y[i] = i < rows && j < cols ? _mm512_loadu_ps(first + (i * s.out_w + j) * s.k + k) : zero;
      OutputGradPoints(y, down[j]);
    }
    for (int i = 0; i < 6; ++i) {
      const __m512 row[4] = {down[0][i], down[1][i], down[2][i], down[3][i]};
      __m512 o[6];
      OutputGradPoints(row, o);
      for (int j = 0; j < 6; ++j) _mm512_storeu_ps(d + (i * 6 + j) * point_stride + k, o[j]);
    }
  }
}

// G^T x over six vectors: three filter taps from a column, then a row, of the 6x6 gradient.
PD_AVX512_INLINE void FilterGradPoints(const __m512* x, __m512* o) {
  const __m512 sum12 = _mm512_add_ps(x[1], x[2]), dif12 = _mm512_sub_ps(x[1], x[2]);
  const __m512 sum34 = _mm512_add_ps(x[3], x[4]), dif34 = _mm512_sub_ps(x[3], x[4]);
  const __m512 sixth = _mm512_set1_ps(1.0f / 6);
  o[0] = _mm512_fmadd_ps(_mm512_set1_ps(0.25f), x[0],
                         _mm512_fnmadd_ps(sixth, sum12,
                                          _mm512_mul_ps(_mm512_set1_ps(1.0f / 24), sum34)));
  o[1] = _mm512_fnmadd_ps(sixth, dif12, _mm512_mul_ps(_mm512_set1_ps(1.0f / 12), dif34));
  o[2] = _mm512_fmadd_ps(sixth, _mm512_sub_ps(sum34, sum12), x[5]);
}

// Filter@GRAD [k, c, 3, 3] of output channel k from m ([36][k][c]: the products summed over
// the tiles), as G^T m G.
__attribute__((target("avx512f,avx2,fma"))) void TransformFilterGrad(int64_t c_count,
                                                                      int64_t k_count,
                                                                      const float* m, int64_t k,
                                                                      float* dfilter) {
  alignas(64) float taps[9][kLanes];
  for (int64_t c = 0; c < c_count; c += kLanes) {
    __m512 down[6][3];  // down[j]: G^T applied down column j
    for (int j = 0; j < 6; ++j) {
      __m512 x[6];
      for (int i = 0; i < 6; ++i)
        x[i] = _mm512_loadu_ps(m + ((i * 6 + j) * k_count + k) * c_count + c);
      FilterGradPoints(x, down[j]);
    }
    for (int i = 0; i < 3; ++i) {
      const __m512 row[6] = {down[0][i], down[1][i], down[2][i],
                             down[3][i], down[4][i], down[5][i]};
      __m512 o[3];
      FilterGradPoints(row, o);
      for (int j = 0; j < 3; ++j) _mm512_store_ps(taps[i * 3 + j], o[j]);
    }
    // Paddle's filter layout puts a pair's nine taps together.
    float* out = dfilter + (k * c_count + c) * 9;
    for (int lane = 0; lane < kLanes; ++lane)
      for (int tap = 0; tap < 9; ++tap) out[lane * 9 + tap] = taps[tap][lane];
  }
}

#undef PD_AVX512_INLINE

#endif  // PD_HAVE_AVX2_VARIANT

}  // namespace

bool WinogradRuns(int64_t in_channels, int64_t out_channels) {
#ifdef PD_HAVE_AVX2_VARIANT
  return CpuHasAvx512f() && in_channels % kLanes == 0 && out_channels % kLanes == 0;
#else
  (void)in_channels, (void)out_channels;
  return false;
#endif
}

namespace {

bool Fits(const ConvShape& s) {
  using Pair = std::array<int64_t, 2>;
  return !s.transpose && s.groups == 1 && s.win.k == Pair{3, 3} && s.win.stride == Pair{1, 1} &&
         s.win.dilation == Pair{1, 1};
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

bool WinogradPays(const WinogradShape& s, int threads) {
  switch (g_choice.load()) {
    case WinogradChoice::kAlways: return true;
    case WinogradChoice::kNever: return false;
    case WinogradChoice::kAuto: break;
  }
  const int64_t tiles = s.n * ((s.out_h + 3) / 4) * ((s.out_w + 3) / 4);
  return tiles >= 8 * std::max(threads, 1);
}

void SetWinogradChoice(WinogradChoice choice) { g_choice = choice; }

WinogradConv::WinogradConv(const WinogradShape& s)
    : s_(s),
      tiles_h_((s.out_h + 3) / 4),
      tiles_w_((s.out_w + 3) / 4),
      tile_block_(std::clamp<int64_t>(kBlockFloats / (kPoints * s.c), kRows, 16 * kRows)),
      u_(static_cast<size_t>(kPoints * s.c * s.k)) {
  PD_CHECK(WinogradRuns(s.c, s.k), "Winograd convolution: needs AVX-512 and channel counts that "
                                   "are multiples of 16, got ", s.c, " in and ", s.k, " out");
}

void WinogradConv::TransformFilter(const float* f, int64_t k_stride, int64_t c_stride,
                                   bool turned, int threads) {
#ifdef PD_HAVE_AVX2_VARIANT
  ParallelFor(s_.c, threads, 8, [&](int64_t begin, int64_t end) {
    TransformFilterPart(s_.c, s_.k, f, k_stride, c_stride, turned, begin, end, u_.data());
  });
#else
  (void)f, (void)k_stride, (void)c_stride, (void)turned, (void)threads;
  Fail("Winograd convolution: not built for this CPU");
#endif
}

void WinogradConv::SetFilter(const float* filter, int threads) {
  TransformFilter(filter, s_.c * 9, 9, false, threads);
}

void WinogradConv::SetBackwardDataFilter(const float* forward_filter, int threads) {
  // The forward filter is [c, k, 3, 3] here (its outputs are this convolution's inputs).
  TransformFilter(forward_filter, 9, s_.k * 9, true, threads);
}

int64_t WinogradFilterGradScratchFloats(const WinogradShape& s) {
  const int64_t tiles = s.n * ((s.out_h + 3) / 4) * ((s.out_w + 3) / 4);
  return kPoints * (tiles * (s.c + s.k) + s.k * s.c);
}

void WinogradFilterGrad(const WinogradShape& s, const float* src, const float* dy,
                        float* dfilter, int threads, float* scratch) {
#ifdef PD_HAVE_AVX2_VARIANT
  PD_CHECK(WinogradRuns(s.c, s.k), "Winograd filter gradient: needs AVX-512 and channel counts "
                                   "that are multiples of 16, got ", s.c, " in and ", s.k, " out");
  const int64_t tiles_h = (s.out_h + 3) / 4, tiles_w = (s.out_w + 3) / 4;
  const int64_t tiles = s.n * tiles_h * tiles_w, c = s.c, k = s.k;
  float* v = scratch;               // [36][tiles][c]: the input, transformed
  float* d = v + kPoints * tiles * c;  // [36][tiles][k]: the output gradients, transformed
  float* m = d + kPoints * tiles * k;  // [36][k][c]: their products summed over the tiles
  ParallelFor(tiles, threads, 1, [&](int64_t begin, int64_t end) {
    for (int64_t t = begin; t < end; ++t) {
      const TilePos pos = PosOf(s, tiles_h, tiles_w, t);
      TransformInput(s, src, pos, v + t * c, tiles * c);
      TransformOutputGrad(s, dy, pos, d + t * k, tiles * k);
    }
  });
  // Per transform point and column block of input channels, every row block of output channels
  // sums over all the tiles in registers.
  const int64_t column_blocks = (c + kColumns - 1) / kColumns;
  ParallelFor(kPoints * column_blocks, threads, 1, [&](int64_t begin, int64_t end) {
    for (int64_t item = begin; item < end; ++item) {
      const int64_t p = item / column_blocks, c0 = (item % column_blocks) * kColumns;
      const int64_t cw = std::min(kColumns, c - c0);
      for (int64_t k0 = 0; k0 < k; k0 += kRows) {
        const int64_t rows = std::min<int64_t>(kRows, k - k0);
        kProducts[rows - 1][cw / kLanes - 1](tiles, d + p * tiles * k + k0, 1, k,
                                             v + p * tiles * c + c0, c,
                                             m + (p * k + k0) * c + c0, c);
      }
    }
  });
  ParallelFor(k, threads, 1, [&](int64_t begin, int64_t end) {
    for (int64_t kk = begin; kk < end; ++kk) TransformFilterGrad(c, k, m, kk, dfilter);
  });
#else
  (void)s, (void)src, (void)dy, (void)dfilter, (void)threads, (void)scratch;
  Fail("Winograd filter gradient: not built for this CPU");
#endif
}

int64_t WinogradConv::ScratchFloats(int threads) const {
  return std::max(threads, 1) * kPoints * tile_block_ * (s_.c + kColumns);
}

void WinogradConv::Run(const float* src, const float* bias, float* dst,
                       const WinogradPostOps& post, int threads, float* scratch) const {
#ifdef PD_HAVE_AVX2_VARIANT
  const int64_t tiles = Tiles(), c = s_.c, k = s_.k, per_lane = ScratchFloats(1);
  ParallelLanes(std::min<int64_t>(std::max(threads, 1), tiles), [&](int64_t lane, int64_t lanes) {
    float* v = scratch + lane * per_lane;
    float* m = v + kPoints * tile_block_ * c;
    const int64_t begin = tiles * lane / lanes, end = tiles * (lane + 1) / lanes;
    TilePos pos[16 * kRows];
    for (int64_t first = begin; first < end; first += tile_block_) {
      const int64_t nt = std::min(tile_block_, end - first);
      for (int64_t t = 0; t < nt; ++t) {
        pos[t] = PosOf(s_, tiles_h_, tiles_w_, first + t);
        TransformInput(s_, src, pos[t], v + t * c, nt * c);
      }
      for (int64_t k0 = 0; k0 < k; k0 += kColumns) {
        const int64_t kw = std::min(kColumns, k - k0);
        const ProductFn* by_rows = nullptr;
        for (int p = 0; p < kPoints; ++p) {
          const float* vp = v + p * nt * c;
          const float* up = u_.data() + p * c * k + k0 * c;
          float* mp = m + p * nt * kw;
          for (int64_t r = 0; r < nt; r += kRows) {
            const int64_t rows = std::min<int64_t>(kRows, nt - r);
            by_rows = kProducts[rows - 1];
            by_rows[kw / kLanes - 1](c, vp + r * c, c, 1, up, kw, mp + r * kw, kw);
          }
        }
        for (int64_t t = 0; t < nt; ++t)
          TransformOutput(s_, m + t * kw, nt * kw, kw, k0, pos[t], bias, post, dst);
      }
    }
  });
#else
  (void)src, (void)bias, (void)dst, (void)post, (void)threads, (void)scratch;
  Fail("Winograd convolution: not built for this CPU");
#endif
}

}  // namespace pd
