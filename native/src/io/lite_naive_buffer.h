// Paddle-Lite's "naive buffer" encoding (model.nb meta_version 0, and the older split files
// __model__.nb + param.nb): schema-less and positional. A struct is its fields back to back
// in declaration order; strings and lists are a uint64 count followed by the items; enums
// are int32. The schemas are those of Lite's naive_buffer/proto/framework.nb.h.
#pragma once

#include <vector>

#include "io/byte_reader.h"
#include "io/lite_format.h"

namespace pd::lite {

// Decodes one ProgramDesc at the cursor into framework.proto form. Element types of
// variables are kept only where the file can be trusted to have written them (see .cc).
proto::ProgramDesc ReadNaiveProgram(ByteReader& r);

// Decodes one ParamDesc at the cursor (a per-parameter file holds exactly one).
Param ReadNaiveParam(ByteReader& r);

// Decodes a CombinedParamsDesc: a uint64 count and that many ParamDescs.
std::vector<Param> ReadNaiveParams(ByteReader& r);

}  // namespace pd::lite
