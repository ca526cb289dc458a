// multiclass_nms, multiclass_nms2 (+ Index) and multiclass_nms3 (+ RoisNum in, NmsRoisNum out):
// per image and per non-background class, greedy NMS over the boxes scoring above
// score_threshold, then at most keep_top_k detections per image by score.
//
// Two input layouts, as in Paddle:
//   3-D: BBoxes [N, M, 4], Scores [N, C, M]: every class shares an image's M boxes (SSD).
//   2-D: BBoxes [R, C, 4], Scores [R, C]: class-specific boxes; rows are split into images by
//        RoisNum (nms3) or by BBoxes' LoD. Kept indices of a class are listed by row then.
// Out [No, 6] rows are [label, score, xmin, ymin, xmax, ymax], images in order, classes
// ascending; LoD [[0, n_0, n_0 + n_1, ...]]. Index holds each row's box position in the whole
// batch (3-D: image * M + box; 2-D: row * C + class). With nothing kept anywhere Paddle writes
// Out [1,1] = {-1} with LoD [[0,1]] when the op has no Index output, and empty [0,6] / [0,1]
// otherwise (checked against Paddle 3.3.1 by the oracle cases).
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "framework/op_registry.h"
#include "kernels/kernel_util.h"
#include "kernels/nms.h"
#include "kernels/parallel.h"
#include "kernels/register.h"

namespace pd {

// Boxes that do not touch give 0; an inverted box has area 0.
float JaccardOverlap(const float* a, const float* b, bool normalized) {
  if (b[0] > a[2] || b[2] < a[0] || b[1] > a[3] || b[3] < a[1]) return 0.f;
  const float extra = normalized ? 0.f : 1.f;
  auto area = [extra](const float* x) {
    if (x[2] < x[0] || x[3] < x[1]) return 0.f;
    return (x[2] - x[0] + extra) * (x[3] - x[1] + extra);
  };
  const float iw = std::min(a[2], b[2]) - std::max(a[0], b[0]) + extra;
  const float ih = std::min(a[3], b[3]) - std::max(a[1], b[1]) + extra;
  const float inter = iw * ih;
  return inter / (area(a) + area(b) - inter);
}

namespace {

struct NmsAttrs {
  float score_threshold, nms_threshold, nms_eta;
  int64_t nms_top_k, keep_top_k, background;
  bool normalized;
};

NmsAttrs ReadAttrs(const OpContext& ctx) {
  const OpView& op = ctx.op();
  return {op.GetFloat("score_threshold", 0.f), op.GetFloat("nms_threshold", 0.3f),
          op.GetFloat("nms_eta", 1.f),         op.GetInt("nms_top_k", -1),
          op.GetInt("keep_top_k", -1),         op.GetInt("background_label", 0),
          op.GetBool("normalized", true)};
}

// One class of one image: box b lies at boxes + b * box_stride, its score at
// scores + b * score_stride.
struct ClassView {
  const float* boxes;
  int64_t box_stride;
  const float* scores;
  int64_t score_stride;
  int64_t count;
  float Score(int64_t b) const { return scores[b * score_stride]; }
  const float* Box(int64_t b) const { return boxes + b * box_stride; }
};

// Greedy NMS: candidates above the threshold, stable-sorted by descending score (ties keep box
// order), cut to nms_top_k; a candidate survives when its IoU with every kept box is at most the
// threshold, which nms_eta shrinks after each kept box while it is above 0.5.
std::vector<int> NmsOneClass(const ClassView& v, const NmsAttrs& a) {
  std::vector<int> cand;
  for (int64_t b = 0; b < v.count; ++b) {
    if (v.Score(b) > a.score_threshold) cand.push_back(static_cast<int>(b));
  }
  std::stable_sort(cand.begin(), cand.end(),
                   [&v](int x, int y) { return v.Score(x) > v.Score(y); });
  if (a.nms_top_k > -1 && a.nms_top_k < static_cast<int64_t>(cand.size())) {
    cand.resize(static_cast<size_t>(a.nms_top_k));
  }
  std::vector<int> kept;
  float threshold = a.nms_threshold;
  for (int b : cand) {
    const bool keep = std::all_of(kept.begin(), kept.end(), [&](int k) {
      return JaccardOverlap(v.Box(b), v.Box(k), a.normalized) <= threshold;
    });
    if (!keep) continue;
    kept.push_back(b);
    if (a.nms_eta < 1 && threshold > 0.5f) threshold *= a.nms_eta;
  }
  return kept;
}

// One image's input: class c's view, and the Index offset of its box b.
struct ImageView {
  bool per_class_boxes;  // the 2-D layout
  const float* boxes;
  const float* scores;
  int64_t classes, count;
  int64_t index_base;
  ClassView Class(int64_t c) const {
    if (per_class_boxes) return {boxes + c * 4, classes * 4, scores + c, classes, count};
    return {boxes, 4, scores + c * count, 1, count};
  }
  int64_t Index(int64_t c, int64_t b) const {
    return per_class_boxes ? index_base + b * classes + c : index_base + b;
  }
};

// The kept box positions of one class of one image (ascending for class-specific boxes).
std::vector<int> NmsClass(const ImageView& im, int64_t c, const NmsAttrs& a) {
  if (c == a.background) return {};
  std::vector<int> kept = NmsOneClass(im.Class(c), a);
  if (im.per_class_boxes) std::sort(kept.begin(), kept.end());
  return kept;
}

// One image's kept positions per class (classes ascending) cut to keep_top_k.
std::vector<std::vector<int>> KeepTopK(const ImageView& im, const NmsAttrs& a,
                                       std::vector<std::vector<int>> kept) {
  size_t total = 0;
  for (const auto& k : kept) total += k.size();
  if (a.keep_top_k < 0 || total <= static_cast<size_t>(a.keep_top_k)) return kept;

  // Over all classes, a stable sort by descending score (ties: lower class, then earlier in its
  // list) decides which detections stay.
  struct Det {
    float score;
    int64_t label;
    int box;
  };
  std::vector<Det> dets;
  for (int64_t c = 0; c < im.classes; ++c) {
    const ClassView v = im.Class(c);
    for (int b : kept[c]) dets.push_back({v.Score(b), c, b});
  }
  std::stable_sort(dets.begin(), dets.end(),
                   [](const Det& x, const Det& y) { return x.score > y.score; });
  dets.resize(static_cast<size_t>(a.keep_top_k));
  std::vector<std::vector<int>> top(kept.size());
  for (const Det& d : dets) top[d.label].push_back(d.box);
  if (im.per_class_boxes) {
    for (auto& t : top) std::sort(t.begin(), t.end());
  }
  return top;
}

// Row offsets of the images in the 2-D layout: from RoisNum when given, else BBoxes' LoD.
std::vector<int64_t> ImageRows(const OpContext& ctx) {
  if (ctx.HasInput("RoisNum")) {
    std::vector<int64_t> starts{0};
    for (int64_t n : IntListInput(ctx, ctx.In("RoisNum"), "RoisNum")) {
      starts.push_back(starts.back() + n);
    }
    return starts;
  }
  const LoD& lod = ctx.In("BBoxes").lod();
  PD_CHECK(!lod.empty(), ctx.op().type(),
           ": 2-D Scores need the images' rows from BBoxes' LoD or RoisNum");
  return std::vector<int64_t>(lod.back().begin(), lod.back().end());
}

std::vector<ImageView> SplitImages(const OpContext& ctx) {
  const Tensor& boxes = InputOfType(ctx, "BBoxes", DType::kFP32);
  const Tensor& scores = InputOfType(ctx, "Scores", DType::kFP32);
  const Dims& bd = boxes.dims();
  const Dims& sd = scores.dims();
  const std::string& type = ctx.op().type();
  PD_CHECK(bd.size() == 3 && bd[2] == 4, type, ": BBoxes must be [N,M,4] or [M,C,4], got ",
           DimsToString(bd), " (polygon boxes are not supported)");
  std::vector<ImageView> images;
  if (sd.size() == 3) {
    PD_CHECK(bd[0] == sd[0] && bd[1] == sd[2], type, ": BBoxes ", DimsToString(bd),
             " do not match Scores ", DimsToString(sd));
    for (int64_t i = 0; i < sd[0]; ++i) {
      images.push_back({false, boxes.data<float>() + i * bd[1] * 4,
                        scores.data<float>() + i * sd[1] * sd[2], sd[1], sd[2], i * sd[2]});
    }
    return images;
  }
  PD_CHECK(sd.size() == 2 && sd[0] == bd[0] && sd[1] == bd[1], type, ": Scores ",
           DimsToString(sd), " must be 3-D, or 2-D matching BBoxes ", DimsToString(bd));
  const std::vector<int64_t> rows = ImageRows(ctx);
  PD_CHECK(!rows.empty() && rows.back() == sd[0], type, ": the images' rows end at ",
           rows.empty() ? 0 : rows.back(), ", Scores has ", sd[0]);
  for (size_t i = 0; i + 1 < rows.size(); ++i) {
    images.push_back({true, boxes.data<float>() + rows[i] * sd[1] * 4,
                      scores.data<float>() + rows[i] * sd[1], sd[1], rows[i + 1] - rows[i],
                      rows[i] * sd[1]});
  }
  return images;
}

void MultiClassNmsKernel(OpContext& ctx) {
  CheckNotInPlace(ctx, "Out", {"BBoxes", "Scores"});
  const NmsAttrs attrs = ReadAttrs(ctx);
  const std::vector<ImageView> images = SplitImages(ctx);
  // Every (image, class) pair is independent: they spread over the math threads (an SSD
  // image has 20 classes of up to nms_top_k boxes each, and a batch many images).
  const int64_t classes = images.empty() ? 0 : images[0].classes;
  std::vector<std::vector<std::vector<int>>> kept(
      images.size(), std::vector<std::vector<int>>(static_cast<size_t>(classes)));
  ParallelFor(static_cast<int64_t>(images.size()) * classes, ctx.config().num_threads, 1,
              [&](int64_t begin, int64_t end) {
                for (int64_t i = begin; i < end; ++i)
                  kept[i / classes][i % classes] = NmsClass(images[i / classes], i % classes, attrs);
              });
  std::vector<size_t> starts{0};
  for (size_t i = 0; i < images.size(); ++i) {
    kept[i] = KeepTopK(images[i], attrs, std::move(kept[i]));
    size_t n = 0;
    for (const auto& k : kept[i]) n += k.size();
    starts.push_back(starts.back() + n);
  }
  const int64_t rows = static_cast<int64_t>(starts.back());
  const bool with_index = ctx.HasOutput("Index");
  Tensor* out = ctx.Out("Out");
  Tensor* index = with_index ? ctx.Out("Index") : nullptr;
  if (rows == 0 && !with_index) {
    out->Resize({1, 1});
    out->mutable_data<float>()[0] = -1.f;
    out->set_lod({{0, 1}});
  } else {
    out->Resize({rows, 6});
    float* o = out->mutable_data<float>();
    int32_t* idx = nullptr;
    if (index) {
      index->Resize({rows, 1});
      idx = index->mutable_data<int32_t>();
      index->set_lod({starts});
    }
    for (size_t i = 0; i < images.size(); ++i) {
      for (int64_t c = 0; c < images[i].classes; ++c) {
        const ClassView v = images[i].Class(c);
        for (int b : kept[i][c]) {
          o[0] = static_cast<float>(c);
          o[1] = v.Score(b);
          std::copy(v.Box(b), v.Box(b) + 4, o + 2);
          o += 6;
          if (idx) *idx++ = static_cast<int32_t>(images[i].Index(c, b));
        }
      }
    }
    out->set_lod({starts});
  }
  if (ctx.HasOutput("NmsRoisNum")) {
    Tensor* num = ctx.Out("NmsRoisNum");
    num->Resize({static_cast<int64_t>(images.size())});
    int32_t* p = num->mutable_data<int32_t>();
    for (size_t i = 0; i < images.size(); ++i) p[i] = static_cast<int32_t>(starts[i + 1] - starts[i]);
  }
}

}  // namespace

void RegisterNmsKernels(OpRegistry& r) {
  // The output row count depends on the data: the kernel sets every output's shape.
  for (const char* type : {"multiclass_nms", "multiclass_nms2", "multiclass_nms3"}) {
    r.Add(type, nullptr, "Scores");
    r.AddKernel(type, DeviceType::kCPU, DType::kFP32, MultiClassNmsKernel);
  }
}

}  // namespace pd
