// Loads a Fluid inference model: the ProgramDesc and its persistable tensors, from any of
// Paddle's layouts or from memory buffers. Every failure names the file (or buffer) and what
// is wrong with it.
#pragma once

#include <memory>
#include <string>

#include "framework/program.h"
#include "framework/scope.h"

namespace pd {

// Where a model comes from; the C API's config setters fill it.
struct ModelSource {
  // A directory with the program in __model__. Parameters are one file per variable there,
  // unless params_file is set or the directory holds a combined __params__ file.
  std::string model_dir;
  // A program file (__model__, model, *.pdmodel). With params_file: a combined model; alone:
  // one parameter file per variable next to the program.
  std::string prog_file;
  std::string params_file;
  // From memory: the program bytes and the combined parameter bytes.
  bool from_memory = false;
  std::string prog_buffer;
  std::string params_buffer;

  bool empty() const { return model_dir.empty() && prog_file.empty() && !from_memory; }
};

struct LoadedModel {
  std::shared_ptr<const Program> program;
  // Holds exactly Program::PersistableNames(), each checked against its VarDesc.
  std::shared_ptr<Scope> weights;
};

LoadedModel LoadModel(const ModelSource& source);

// Reads a whole file; fails naming the path when it cannot.
std::string ReadFile(const std::string& path);

}  // namespace pd
