// Paddle-Lite's flatbuffers encodings (model.nb meta_version 1 and 2): the topology is a
// framework.fbs ProgramDesc (VarType numbered as in framework.proto), parameters are
// param.fbs ParamDescs. Field ids follow declaration order in those schemas.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "io/lite_format.h"

namespace pd::lite {

// data[0, size) is a ProgramDesc flatbuffer at file offset base.
proto::ProgramDesc ReadFbsProgram(const char* data, size_t size, const std::string& origin,
                                  uint64_t base);
// One ParamDesc flatbuffer.
Param ReadFbsParam(const char* data, size_t size, const std::string& origin, uint64_t base);
// A CombinedParamsDesc flatbuffer (meta_version 1).
std::vector<Param> ReadFbsCombinedParams(const char* data, size_t size,
                                         const std::string& origin, uint64_t base);

}  // namespace pd::lite
