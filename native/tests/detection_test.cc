// Hand-checked cases for the SSD detection kernels: IoU, a prior_box grid, a density_prior_box
// grid, encode then decode giving the boxes back, and NMS suppression, LoD and Index outputs.
// (testdata/ops holds the cases checked against real Paddle.)
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "kernels/nms.h"
#include "test_util.h"

namespace pd::test {
namespace {

// OpBuilder has no float-list attributes, which every detection op uses: add them to its desc.
proto::OpDesc WithFloats(const OpBuilder& b,
                         const std::vector<std::pair<std::string, std::vector<float>>>& attrs) {
  proto::OpDesc d = b.desc();
  for (const auto& [name, values] : attrs) {
    auto* a = d.add_attrs();
    a->set_name(name);
    a->set_type(proto::FLOATS);
    for (float v : values) a->add_floats(v);
  }
  return d;
}

void RunDesc(const proto::OpDesc& op, Scope* scope) {
  proto::ProgramDesc prog;
  auto* block = prog.add_blocks();
  block->set_idx(0);
  block->set_parent_idx(-1);
  *block->add_ops() = op;
  Executor exec(Program::Parse(prog.SerializeAsString(), "test program"), scope, ExecConfig{});
  exec.Run();
}

TEST(DetectionIoU, HandComputed) {
  const float a[] = {0, 0, 2, 2}, b[] = {1, 1, 3, 3}, far[] = {5, 5, 6, 6};
  EXPECT_FLOAT_EQ(JaccardOverlap(a, b, true), 1.f / 7.f);  // 1 / (4 + 4 - 1)
  EXPECT_FLOAT_EQ(JaccardOverlap(a, a, true), 1.f);
  EXPECT_FLOAT_EQ(JaccardOverlap(a, far, true), 0.f);
  // Pixel boxes: sides grow by one, so the overlap is 2x2 of two 3x3 boxes.
  EXPECT_FLOAT_EQ(JaccardOverlap(a, b, false), 4.f / 14.f);
}

TEST(PriorBox, GridWithMaxSizeAndFlip) {
  Scope scope;
  SetTensor<float>(&scope, "f", {1, 1, 2, 2}, std::vector<float>(4));
  SetTensor<float>(&scope, "im", {1, 1, 20, 20}, std::vector<float>(400));
  OpBuilder b("prior_box");
  b.In("Input", {"f"}).In("Image", {"im"}).Out("Boxes", {"b"}).Out("Variances", {"v"});
  b.Bool("flip", true).Bool("clip", true);
  RunDesc(WithFloats(b, {{"min_sizes", {4}}, {"max_sizes", {16}}, {"aspect_ratios", {4}},
                         {"variances", {0.1f, 0.1f, 0.2f, 0.2f}}}),
          &scope);
  // Ratios 1, 4, 1/4 then the max square: 4 priors per cell, step 10, cell (0,0) centre (5,5).
  ASSERT_EQ(Get(scope, "b").dims(), (Dims{2, 2, 4, 4}));
  const std::vector<float> boxes = GetTensor<float>(scope, "b");
  ExpectNear({boxes.begin(), boxes.begin() + 16},
             {0.15f, 0.15f, 0.35f, 0.35f,    // 4x4 square
              0.05f, 0.2f, 0.45f, 0.3f,      // ratio 4: 8 wide, 2 high
              0.2f, 0.05f, 0.3f, 0.45f,      // ratio 1/4
              0.05f, 0.05f, 0.45f, 0.45f});  // sqrt(4*16) = 8 square
  // Cell (1,1) centre (15,15): the max square reaches 19/20, inside the image.
  ExpectNear({boxes.begin() + 60, boxes.end()}, {0.55f, 0.55f, 0.95f, 0.95f});
  const std::vector<float> vars = GetTensor<float>(scope, "v");
  ExpectNear({vars.end() - 4, vars.end()}, {0.1f, 0.1f, 0.2f, 0.2f});
}

TEST(PriorBox, DensityGridShiftsInsideTheCell) {
  Scope scope;
  SetTensor<float>(&scope, "f", {1, 1, 1, 1}, {0});
  SetTensor<float>(&scope, "im", {1, 1, 8, 8}, std::vector<float>(64));
  OpBuilder b("density_prior_box");
  b.In("Input", {"f"}).In("Image", {"im"}).Out("Boxes", {"b"}).Out("Variances", {"v"});
  b.Ints("densities", {2}).Bool("flatten_to_2d", true);
  RunDesc(WithFloats(b, {{"fixed_sizes", {2}}, {"fixed_ratios", {1}},
                         {"variances", {0.1f, 0.1f, 0.2f, 0.2f}}}),
          &scope);
  // One 8x8 cell, density 2: shift 4, 2x2 boxes centred at 2 and 6 on each axis.
  ASSERT_EQ(Get(scope, "b").dims(), (Dims{4, 4}));
  ExpectNear(GetTensor<float>(scope, "b"),
             {1 / 8.f, 1 / 8.f, 3 / 8.f, 3 / 8.f, 5 / 8.f, 1 / 8.f, 7 / 8.f, 3 / 8.f,
              1 / 8.f, 5 / 8.f, 3 / 8.f, 7 / 8.f, 5 / 8.f, 5 / 8.f, 7 / 8.f, 7 / 8.f});
}

TEST(BoxCoder, EncodeThenDecodeGivesTheBoxesBack) {
  const std::vector<float> priors = {0.1f, 0.1f, 0.5f, 0.3f, 0.4f, 0.2f, 0.9f, 0.8f};
  const std::vector<float> gts = {0.2f, 0.15f, 0.6f, 0.5f, 0.3f, 0.3f, 0.7f, 0.9f, 0, 0, 1, 1};
  for (bool normalized : {true, false}) {
    Scope scope;
    SetTensor<float>(&scope, "prior", {2, 4}, priors);
    SetTensor<float>(&scope, "var", {2, 4}, {0.1f, 0.1f, 0.2f, 0.2f, 0.5f, 0.5f, 1, 1});
    SetTensor<float>(&scope, "gt", {3, 4}, gts);
    auto coder = [&](const char* code, const char* in, const char* out) {
      OpBuilder b("box_coder");
      b.In("PriorBox", {"prior"}).In("PriorBoxVar", {"var"}).In("TargetBox", {in});
      b.Out("OutputBox", {out}).String("code_type", code).Bool("box_normalized", normalized);
      RunOp(b, &scope);
    };
    coder("encode_center_size", "gt", "delta");
    ASSERT_EQ(Get(scope, "delta").dims(), (Dims{3, 2, 4}));
    coder("decode_center_size", "delta", "back");
    // Every (gt, prior) pair decodes to its gt. For pixel boxes Paddle's encode takes the plain
    // midpoint as centre but a +1 size, so the round trip moves every coordinate by -0.5.
    const float shift = normalized ? 0.f : -0.5f;
    const std::vector<float> back = GetTensor<float>(scope, "back");
    for (int i = 0; i < 3; ++i) {
      std::vector<float> want(gts.begin() + i * 4, gts.begin() + (i + 1) * 4);
      for (float& w : want) w += shift;
      for (int j = 0; j < 2; ++j) {
        ExpectNear({back.begin() + (i * 2 + j) * 4, back.begin() + (i * 2 + j + 1) * 4}, want);
      }
    }
  }
}

// Two images of 4 boxes, classes {background, a, b}: in image 0 boxes 0 and 1 overlap heavily,
// so class a keeps 0 and drops 1; image 1 keeps nothing.
void SetNmsInputs(Scope* scope) {
  SetTensor<float>(scope, "boxes", {2, 4, 4},
                   {0, 0, 10, 10, 1, 1, 10, 10, 20, 20, 30, 30, 40, 40, 50, 50,  //
                    0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1});
  SetTensor<float>(scope, "scores", {2, 3, 4},
                   {0.9f, 0.9f, 0.9f, 0.9f, 0.8f, 0.7f, 0.0f, 0.3f, 0.1f, 0.2f, 0.6f, 0.0f,  //
                    0.9f, 0.9f, 0.9f, 0.9f, 0, 0, 0, 0, 0, 0, 0, 0});
}

OpBuilder NmsOp(const std::string& type, float score_threshold = 0.05f, int keep_top_k = -1,
                bool normalized = false) {
  OpBuilder b(type);
  b.In("BBoxes", {"boxes"}).In("Scores", {"scores"}).Out("Out", {"out"});
  b.Int("background_label", 0).Float("score_threshold", score_threshold).Int("nms_top_k", -1);
  b.Int("keep_top_k", keep_top_k).Float("nms_threshold", 0.5f).Bool("normalized", normalized);
  return b;
}

TEST(Nms, SuppressesOverlapsAndSetsLoDAndIndex) {
  Scope scope;
  SetNmsInputs(&scope);
  OpBuilder b = NmsOp("multiclass_nms2");
  b.Out("Index", {"index"});
  RunOp(b, &scope);
  // Class a: 0 (0.8) kept, 1 suppressed (IoU 100/121), 3 (0.3) kept. Class b: 2, 1, 0 by score,
  // and 0 goes with 1.
  ExpectNear(GetTensor<float>(scope, "out"), {1, 0.8f, 0, 0, 10, 10,     //
                                              1, 0.3f, 40, 40, 50, 50,   //
                                              2, 0.6f, 20, 20, 30, 30,   //
                                              2, 0.2f, 1, 1, 10, 10});
  EXPECT_EQ(GetTensor<int32_t>(scope, "index"), (std::vector<int32_t>{0, 3, 2, 1}));
  EXPECT_EQ(Get(scope, "out").lod(), (LoD{{0, 4, 4}}));
  EXPECT_EQ(Get(scope, "index").lod(), (LoD{{0, 4, 4}}));
}

TEST(Nms, KeepTopKAcrossClassesKeepsClassOrder) {
  Scope scope;
  SetNmsInputs(&scope);
  OpBuilder b = NmsOp("multiclass_nms3", 0.05f, 2);
  b.Out("Index", {"index"}).Out("NmsRoisNum", {"num"});
  RunOp(b, &scope);
  // The two best are 0.8 (class a) and 0.6 (class b); rows stay grouped by class.
  ExpectNear(GetTensor<float>(scope, "out"), {1, 0.8f, 0, 0, 10, 10, 2, 0.6f, 20, 20, 30, 30});
  EXPECT_EQ(GetTensor<int32_t>(scope, "num"), (std::vector<int32_t>{2, 0}));
}

TEST(Nms, NothingKeptWithoutIndexIsMinusOne) {
  Scope scope;
  SetNmsInputs(&scope);
  OpBuilder b = NmsOp("multiclass_nms", 0.95f);
  RunOp(b, &scope);
  ASSERT_EQ(Get(scope, "out").dims(), (Dims{1, 1}));
  EXPECT_EQ(GetTensor<float>(scope, "out"), (std::vector<float>{-1}));
  EXPECT_EQ(Get(scope, "out").lod(), (LoD{{0, 1}}));
}

TEST(Nms, LoDInputSplitsImagesAndIndexesRowTimesClass) {
  Scope scope;
  // Per-class boxes [3 rows, 2 classes, 4]; image 0 is row 0, image 1 rows 1-2.
  SetTensor<float>(&scope, "boxes", {3, 2, 4},
                   {0, 0, 1, 1, 0, 0, 2, 2, 0, 0, 1, 1, 5, 5, 6, 6, 0, 0, 1, 1, 5, 5, 6, 6},
                   LoD{{0, 1, 3}});
  SetTensor<float>(&scope, "scores", {3, 2}, {0.9f, 0.4f, 0.9f, 0.5f, 0.9f, 0.7f});
  OpBuilder b = NmsOp("multiclass_nms2", 0.05f, -1, true);
  b.Out("Index", {"index"});
  RunOp(b, &scope);
  // Image 1, class 1: rows 1 and 2 share a box; row 2 (0.7) wins and is listed by row.
  ExpectNear(GetTensor<float>(scope, "out"), {1, 0.4f, 0, 0, 2, 2, 1, 0.7f, 5, 5, 6, 6});
  EXPECT_EQ(GetTensor<int32_t>(scope, "index"), (std::vector<int32_t>{1, 5}));
  EXPECT_EQ(Get(scope, "out").lod(), (LoD{{0, 1, 2}}));
}

}  // namespace
}  // namespace pd::test
