// The Paddle Inference C API, all of it.
#pragma once

#include "pd_common.h"     // NOLINT
#include "pd_config.h"     // NOLINT
#include "pd_predictor.h"  // NOLINT
#include "pd_tensor.h"     // NOLINT
#include "pd_types.h"      // NOLINT
#include "pd_utils.h"      // NOLINT
