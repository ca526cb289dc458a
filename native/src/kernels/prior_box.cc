// prior_box and density_prior_box: the SSD anchor grids. Both read only the dims of Input (the
// feature map, [N,C,Hf,Wf]) and Image ([N,C,Himg,Wimg]) and write boxes normalised to the image,
// [xmin, ymin, xmax, ymax], plus the same 4 variances for every box.
#include <algorithm>
#include <cmath>
#include <vector>

#include "framework/op_registry.h"
#include "kernels/kernel_util.h"
#include "kernels/register.h"

namespace pd {
namespace {

struct Grid {
  int64_t fh, fw;      // feature map
  int64_t ih, iw;      // image
  float step_w, step_h;
  float offset;
};

// Feature and image sizes plus the cell step: an attribute step of 0 on either axis means
// "derive both from the image / feature ratio", as Paddle does.
Grid ReadGrid(const OpContext& ctx) {
  // Shape-only inputs: on another place than this op they arrive without data.
  const Dims& f = ctx.In("Input").dims();
  const Dims& im = ctx.In("Image").dims();
  PD_CHECK(f.size() == 4 && im.size() == 4, ctx.op().type(), ": Input ", DimsToString(f),
           " and Image ", DimsToString(im), " must both be 4-D NCHW");
  Grid g{f[2], f[3], im[2], im[3], ctx.op().GetFloat("step_w", 0.f),
         ctx.op().GetFloat("step_h", 0.f), ctx.op().GetFloat("offset", 0.5f)};
  if (g.step_w == 0 || g.step_h == 0) {
    g.step_w = static_cast<float>(g.iw) / static_cast<float>(g.fw);
    g.step_h = static_cast<float>(g.ih) / static_cast<float>(g.fh);
  }
  return g;
}

std::vector<float> Variances(const OpContext& ctx) {
  auto v = ctx.op().GetFloats("variances", {});
  PD_CHECK(v.size() == 4, ctx.op().type(), ": variances must hold 4 values, got ", v.size());
  return v;
}

// 1, then every ratio not seen yet (and its reciprocal when flipping). Only the ratio itself is
// checked for duplicates, so with flip a reciprocal can repeat: Paddle's count, kept.
std::vector<float> ExpandRatios(const std::vector<float>& ars, bool flip) {
  std::vector<float> out{1.f};
  for (float ar : ars) {
    const bool seen = std::any_of(out.begin(), out.end(),
                                  [ar](float o) { return std::fabs(ar - o) < 1e-6; });
    if (seen) continue;
    out.push_back(ar);
    if (flip) out.push_back(1.f / ar);
  }
  return out;
}

struct PriorAttrs {
  std::vector<float> min_sizes, max_sizes, ratios;
  int64_t num_priors;
};

PriorAttrs ReadPriorAttrs(const OpContext& ctx) {
  PriorAttrs a;
  a.min_sizes = ctx.op().GetFloats("min_sizes", {});
  a.max_sizes = ctx.op().GetFloats("max_sizes", {});
  a.ratios = ExpandRatios(ctx.op().GetFloats("aspect_ratios", {}), ctx.op().GetBool("flip", false));
  PD_CHECK(!a.min_sizes.empty(), "prior_box: min_sizes is empty");
  PD_CHECK(a.max_sizes.empty() || a.max_sizes.size() == a.min_sizes.size(),
           "prior_box: max_sizes has ", a.max_sizes.size(), " values, min_sizes ",
           a.min_sizes.size());
  a.num_priors = static_cast<int64_t>(a.ratios.size() * a.min_sizes.size() + a.max_sizes.size());
  return a;
}

void FillVariances(Tensor* out, const std::vector<float>& v) {
  float* p = out->mutable_data<float>();
  for (int64_t i = 0; i < out->numel(); ++i) p[i] = v[i % 4];
}

void ClipUnit(Tensor* t) {
  float* p = t->data_mut<float>();
  for (int64_t i = 0; i < t->numel(); ++i) p[i] = std::min(std::max(p[i], 0.f), 1.f);
}

void PriorBoxInferShape(OpContext& ctx) {
  const Grid g = ReadGrid(ctx);
  const Dims d{g.fh, g.fw, ReadPriorAttrs(ctx).num_priors, 4};
  ctx.Out("Boxes")->Resize(d);
  ctx.Out("Variances")->Resize(d);
}

void PriorBoxKernel(OpContext& ctx) {
  const Grid g = ReadGrid(ctx);
  const PriorAttrs a = ReadPriorAttrs(ctx);
  const bool minmax_order = ctx.op().GetBool("min_max_aspect_ratios_order", false);
  Tensor* boxes = ctx.Out("Boxes");
  float* b = boxes->mutable_data<float>();
  for (int64_t h = 0; h < g.fh; ++h) {
    for (int64_t w = 0; w < g.fw; ++w) {
      const float cx = (w + g.offset) * g.step_w;
      const float cy = (h + g.offset) * g.step_h;
      // Half extents are rounded to float before use, as Paddle stores them in T.
      auto emit = [&](float hw, float hh) {
        b[0] = (cx - hw) / g.iw;
        b[1] = (cy - hh) / g.ih;
        b[2] = (cx + hw) / g.iw;
        b[3] = (cy + hh) / g.ih;
        b += 4;
      };
      for (size_t s = 0; s < a.min_sizes.size(); ++s) {
        const float ms = a.min_sizes[s];
        auto emit_max = [&] {
          if (a.max_sizes.empty()) return;
          const float half = static_cast<float>(std::sqrt(ms * a.max_sizes[s]) / 2.);
          emit(half, half);
        };
        if (minmax_order) {  // Caffe's order: square min, square max, then the other ratios
          emit(ms / 2.f, ms / 2.f);
          emit_max();
        }
        for (float ar : a.ratios) {
          if (minmax_order && std::fabs(ar - 1.) < 1e-6) continue;
          emit(static_cast<float>(ms * std::sqrt(ar) / 2.),
               static_cast<float>(ms / std::sqrt(ar) / 2.));
        }
        if (!minmax_order) emit_max();
      }
    }
  }
  if (ctx.op().GetBool("clip", false)) ClipUnit(boxes);
  FillVariances(ctx.Out("Variances"), Variances(ctx));
}

struct DensityAttrs {
  std::vector<float> sizes, ratios;
  std::vector<int64_t> densities;
  int64_t num_priors = 0;
};

DensityAttrs ReadDensityAttrs(const OpContext& ctx) {
  DensityAttrs a;
  a.sizes = ctx.op().GetFloats("fixed_sizes", {});
  a.ratios = ctx.op().GetFloats("fixed_ratios", {});
  a.densities = ctx.op().GetInts("densities", {});
  PD_CHECK(a.sizes.size() == a.densities.size(), "density_prior_box: fixed_sizes has ",
           a.sizes.size(), " values, densities ", a.densities.size());
  for (int64_t d : a.densities) {
    PD_CHECK(d > 0, "density_prior_box: densities must be positive, got ", d);
    a.num_priors += static_cast<int64_t>(a.ratios.size()) * d * d;
  }
  return a;
}

void DensityPriorBoxInferShape(OpContext& ctx) {
  const Grid g = ReadGrid(ctx);
  const int64_t n = ReadDensityAttrs(ctx).num_priors;
  const Dims d = ctx.op().GetBool("flatten_to_2d", false) ? Dims{g.fh * g.fw * n, 4}
                                                           : Dims{g.fh, g.fw, n, 4};
  ctx.Out("Boxes")->Resize(d);
  ctx.Out("Variances")->Resize(d);
}

// Each fixed size places density x density shifted copies of every ratio's box inside the cell.
// Paddle works out the shift in whole pixels (integer step average and shift) and clamps every
// box to the image even without clip; both are reproduced here.
void DensityPriorBoxKernel(OpContext& ctx) {
  const Grid g = ReadGrid(ctx);
  const DensityAttrs a = ReadDensityAttrs(ctx);
  const int step_avg = static_cast<int>((g.step_w + g.step_h) * 0.5);
  Tensor* boxes = ctx.Out("Boxes");
  float* b = boxes->mutable_data<float>();
  for (int64_t h = 0; h < g.fh; ++h) {
    for (int64_t w = 0; w < g.fw; ++w) {
      const float cx = (w + g.offset) * g.step_w;
      const float cy = (h + g.offset) * g.step_h;
      for (size_t s = 0; s < a.sizes.size(); ++s) {
        const int density = static_cast<int>(a.densities[s]);
        const int shift = step_avg / density;
        for (float ratio : a.ratios) {
          const float sr = std::sqrt(ratio);
          const float bw = a.sizes[s] * sr;
          const float bh = a.sizes[s] / sr;
          const float x0 = static_cast<float>(cx - step_avg / 2. + shift / 2.);
          const float y0 = static_cast<float>(cy - step_avg / 2. + shift / 2.);
          for (int di = 0; di < density; ++di) {
            for (int dj = 0; dj < density; ++dj) {
              const float x = x0 + dj * shift;
              const float y = y0 + di * shift;
              b[0] = static_cast<float>(std::max((x - bw / 2.) / g.iw, 0.));
              b[1] = static_cast<float>(std::max((y - bh / 2.) / g.ih, 0.));
              b[2] = static_cast<float>(std::min((x + bw / 2.) / g.iw, 1.));
              b[3] = static_cast<float>(std::min((y + bh / 2.) / g.ih, 1.));
              b += 4;
            }
          }
        }
      }
    }
  }
  if (ctx.op().GetBool("clip", false)) ClipUnit(boxes);
  FillVariances(ctx.Out("Variances"), Variances(ctx));
}

}  // namespace

void RegisterPriorBoxKernels(OpRegistry& r) {
  r.Add("prior_box", PriorBoxInferShape, "Input");
  r.AddKernel("prior_box", DeviceType::kCPU, DType::kFP32, PriorBoxKernel);
  r.Add("density_prior_box", DensityPriorBoxInferShape, "Input");
  r.AddKernel("density_prior_box", DeviceType::kCPU, DType::kFP32, DensityPriorBoxKernel);
  // Only the sizes of the feature map and the image matter: a GPU model's feature maps stay
  // on the GPU when these run on the CPU.
  for (const char* type : {"prior_box", "density_prior_box"})
    r.SetShapeOnlyInputs(type, {"Input", "Image"});
}

}  // namespace pd
