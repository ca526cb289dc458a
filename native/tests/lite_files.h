// Paths of the real Paddle-Lite models in $GOHUB_SHARED/models, and a skip for when the
// shared folder is absent.
#pragma once

#include <filesystem>
#include <string>

#include "model_files.h"

namespace pd::testing {

inline std::string LiteModelPath(const std::string& rel) {
  return SharedDir() + "/models/" + rel;
}
inline std::string LacLiteNb() { return LiteModelPath("lac_lite/model.nb"); }
inline std::string PyramidboxV0Nb() { return LiteModelPath("pyramidbox_lite/nb_v0/model.nb"); }
inline std::string PyramidboxV2Nb() { return LiteModelPath("pyramidbox_lite/nb_v2/model.nb"); }
inline std::string MaskDetectorNb() { return LiteModelPath("mask_detector/nb_v2/model.nb"); }
inline std::string SsdTopologyNb() {
  return LiteModelPath("ssd_mobilenet_v1_pascal_topology/__model__.nb");
}

#define PD_REQUIRE_FILE(path)                                                        \
  if (!std::filesystem::exists(path))                                               \
  GTEST_SKIP() << "the model file " << (path) << " is not there (set GOHUB_SHARED to " \
               << "the directory that holds models/)"

}  // namespace pd::testing
