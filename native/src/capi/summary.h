// The readable table PD_ConfigSummary returns.
#pragma once

#include <string>

#include "capi/handles.h"

namespace pd::capi {

std::string Summary(const PD_Config& config);

}  // namespace pd::capi
