// Paddle-Lite's opt rewrites programs for its own kernels; this maps what it writes onto the
// conventions of our kernels, once at load time:
//  - conv2d / depthwise_conv2d with with_act + act_type (Lite's fused activation) get the
//    fuse_activation / fuse_alpha / fuse_beta attributes that kernels/conv.cc applies;
//  - fc keeps activation_type, which kernels/math.cc applies.
// Lite-only attributes (__@kernel_type_attr@__, use_mkldnn, Scale_* ...) are left alone: the
// kernels ignore attributes they do not read.
#pragma once

#include <string>

#include "io/lite_format.h"

namespace pd::lite {

// Fails, naming origin and the op, for a fused activation our kernels cannot apply.
void AdaptLiteOps(proto::ProgramDesc* program, const std::string& origin);

}  // namespace pd::lite
