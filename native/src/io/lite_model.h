// Paddle-Lite models (what Lite's opt writes) as a Program and its weights:
//  - model.nb: uint16 meta_version, char[16] opt version, uint64 topology size, the topology,
//    then the parameters. meta_version 0: naive-buffer topology and parameters; 1: flatbuffers
//    topology and one flatbuffers CombinedParamsDesc; 2: flatbuffers topology and a stream of
//    flatbuffers ParamDescs.
//  - the older split layout: __model__.nb (a naive-buffer ProgramDesc, no header) with
//    param.nb (a naive-buffer CombinedParamsDesc) or one <variable>.nb per parameter.
// Models are recognised by content, not by file name. Quantized INT8/INT16 weights are
// dequantized to FP32 on load (lite_dequant.h).
#pragma once

#include <string>
#include <vector>

#include "io/lite_format.h"
#include "io/model_loader.h"

namespace pd {

// True when bytes start with a model.nb header: meta_version 0, 1 or 2 and a printable opt
// version.
bool IsLiteModel(const std::string& bytes);
// True when bytes look like a headerless naive-buffer ProgramDesc (__model__.nb): a small
// block count, then block 0 with parent -1.
bool IsNaiveProgram(const std::string& bytes);

// A Lite model decoded, before it becomes a Program.
struct LiteModel {
  int meta_version = -1;    // -1: split layout (no header)
  std::string opt_version;  // the Lite version of opt, up to the first NUL
  lite::proto::ProgramDesc program;
  std::vector<lite::Param> params;
};

// Decodes a model.nb file's bytes; origin names it in errors.
LiteModel ParseLiteModel(const std::string& bytes, const std::string& origin);
// Decodes a headerless naive-buffer program (__model__.nb).
lite::proto::ProgramDesc ParseNaiveProgram(const std::string& bytes, const std::string& origin);
// Decodes a naive-buffer CombinedParamsDesc (param.nb).
std::vector<lite::Param> ParseNaiveParams(const std::string& bytes, const std::string& origin);

// The Program (duplicate variables merged, parameters declared with their shapes, quantized
// weights dequantized) and the weights. Fails, naming origin, when a persistable variable of
// block 0 has no parameter.
LoadedModel BuildLiteModel(LiteModel model, const std::string& origin);

// model.nb from memory or a file.
LoadedModel LoadLiteModel(const std::string& bytes, const std::string& origin);
// The split layout: the program at prog_path; parameters from params_path when set, else
// param.nb next to it, else one <name>.nb per parameter there.
LoadedModel LoadLiteSplitModel(const std::string& prog_path, const std::string& params_path);
// The split layout from memory: program and CombinedParamsDesc buffers.
LoadedModel LoadLiteSplitBuffers(const std::string& program, const std::string& params);

}  // namespace pd
