// The box overlap that multiclass_nms uses, exposed for the kernel tests.
#pragma once

namespace pd {

// Intersection over union of corner boxes [xmin, ymin, xmax, ymax]; with normalized false the
// boxes are in pixels and both end pixels count (+1 on each side length).
float JaccardOverlap(const float* a, const float* b, bool normalized);

}  // namespace pd
