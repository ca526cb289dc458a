// The seeded SSD MobileNetV1 Pascal that real Paddle writes (scripts/oracle/ssd_seeded.py,
// the model behind the ssd golden case and the detection module's tests) against the real
// graph in $GOHUB_SHARED/models/ssd_mobilenet_v1_pascal_topology (a Paddle-Lite program
// without weights): the same prior boxes, box decoding and NMS, attribute for attribute, and
// the same convolutions. Lite's optimiser folded batch norms and activations into the convs,
// so those are compared by count only where both graphs keep them.
#include <gtest/gtest.h>

#include <map>
#include <vector>

#include "framework/program.h"
#include "io/lite_model.h"
#include "io/model_loader.h"
#include "lite_files.h"

namespace pd::testing {
namespace {

std::vector<OpView> OpsOfType(const Program& p, const std::string& type) {
  std::vector<OpView> ops;
  for (const OpView& op : p.ops())
    if (op.type() == type) ops.push_back(op);
  return ops;
}

TEST(SsdTopology, SeededModelHasTheRealHead) {
  PD_REQUIRE_FILE(SsdTopologyNb());
  const std::string seeded_dir = BuildModelsDir() + "/ssd_mobilenet_v1_pascal_seeded";
  if (!fs::exists(seeded_dir + "/__model__")) {
    PD_MISSING_SEEDED_MODEL("no seeded SSD at " << seeded_dir << ": make seeded-models writes it");
  }
  const auto real = Program::FromDesc(ParseNaiveProgram(ReadFile(SsdTopologyNb()), "ssd"), "ssd");
  ModelSource src;
  src.model_dir = seeded_dir;
  const auto seeded = LoadModel(src).program;

  const auto real_priors = OpsOfType(*real, "prior_box");
  const auto seeded_priors = OpsOfType(*seeded, "prior_box");
  ASSERT_EQ(real_priors.size(), 6u);
  ASSERT_EQ(seeded_priors.size(), real_priors.size());
  for (size_t i = 0; i < real_priors.size(); ++i) {
    const OpView& a = real_priors[i];
    const OpView& b = seeded_priors[i];
    SCOPED_TRACE("prior_box #" + std::to_string(i));
    ASSERT_FALSE(a.GetFloats("min_sizes", {}).empty()) << "the real graph names its sizes";
    for (const char* attr : {"min_sizes", "max_sizes", "aspect_ratios", "variances"}) {
      EXPECT_EQ(a.GetFloats(attr, {}), b.GetFloats(attr, {})) << attr;
    }
    for (const char* attr : {"flip", "clip", "min_max_aspect_ratios_order"}) {
      EXPECT_EQ(a.GetBool(attr, false), b.GetBool(attr, false)) << attr;
    }
    for (const char* attr : {"offset", "step_w", "step_h"}) {
      EXPECT_EQ(a.GetFloat(attr, 0), b.GetFloat(attr, 0)) << attr;
    }
  }

  const auto real_coders = OpsOfType(*real, "box_coder");
  const auto seeded_coders = OpsOfType(*seeded, "box_coder");
  ASSERT_EQ(real_coders.size(), 1u);
  ASSERT_EQ(seeded_coders.size(), 1u);
  EXPECT_EQ(real_coders[0].GetString("code_type", ""), seeded_coders[0].GetString("code_type", ""));
  EXPECT_EQ(real_coders[0].GetBool("box_normalized", true),
            seeded_coders[0].GetBool("box_normalized", true));

  const auto real_nms = OpsOfType(*real, "multiclass_nms");
  const auto seeded_nms = OpsOfType(*seeded, "multiclass_nms");
  ASSERT_EQ(real_nms.size(), 1u);
  ASSERT_EQ(seeded_nms.size(), 1u);
  ASSERT_GT(real_nms[0].GetInt("keep_top_k", -1), 0) << "the real graph sets its NMS";
  for (const char* attr : {"background_label", "nms_top_k", "keep_top_k"}) {
    EXPECT_EQ(real_nms[0].GetInt(attr, -2), seeded_nms[0].GetInt(attr, -2)) << attr;
  }
  for (const char* attr : {"nms_threshold", "score_threshold", "nms_eta"}) {
    EXPECT_EQ(real_nms[0].GetFloat(attr, -2), seeded_nms[0].GetFloat(attr, -2)) << attr;
  }
  EXPECT_EQ(real_nms[0].GetBool("normalized", true), seeded_nms[0].GetBool("normalized", true));

  // The backbone, extra blocks and heads: the same convolutions in number and kind.
  for (const char* type : {"conv2d", "depthwise_conv2d", "softmax"}) {
    EXPECT_EQ(OpsOfType(*real, type).size(), OpsOfType(*seeded, type).size()) << type;
  }
}

}  // namespace
}  // namespace pd::testing
