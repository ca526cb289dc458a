#include "io/model_loader.h"

#include <filesystem>
#include <fstream>

#include "framework/error.h"
#include "io/lite_model.h"
#include "io/lod_tensor_io.h"

namespace pd {

namespace fs = std::filesystem;

namespace {

const char kPirAdvice[] =
    "Paddle 3 PIR programs (JSON) are not supported; export the model in the ProgramDesc "
    "format (paddle.static.save_inference_model(..., legacy_format=True), or Paddle 2.x)";

bool HasExtension(const std::string& path, const char* ext) {
  return fs::path(path).extension() == ext;
}

// The first file in dir whose extension is ext, or "" (for hints in error messages).
std::string FindWithExtension(const std::string& dir, const char* ext) {
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().extension() == ext) return it->path().string();
  }
  return "";
}

bool IsFile(const std::string& path) {
  std::error_code ec;
  return fs::is_regular_file(path, ec);
}

std::shared_ptr<const Program> ParseProgram(const std::string& bytes, const std::string& origin) {
  std::shared_ptr<const Program> program = Program::Parse(bytes, origin);
  PD_CHECK(program->version() >= 0, origin, ": invalid program version ", program->version());
  return program;
}

std::shared_ptr<const Program> LoadProgramFile(const std::string& path) {
  PD_CHECK(!HasExtension(path, ".json"), "program file '", path, "': ", kPirAdvice);
  return ParseProgram(ReadFile(path), "program file '" + path + "'");
}

// The program of a model directory: dir/__model__, with hints for the other layouts.
std::shared_ptr<const Program> LoadProgramFromDir(const std::string& dir) {
  std::error_code ec;
  PD_CHECK(fs::is_directory(dir, ec), "model directory '", dir,
           "' does not exist or is not a directory");
  std::string path = (fs::path(dir) / "__model__").string();
  if (IsFile(path)) return LoadProgramFile(path);
  std::string pdmodel = FindWithExtension(dir, ".pdmodel");
  if (!pdmodel.empty()) {
    Fail("model directory '", dir, "' has no __model__; it holds '", pdmodel,
         "': load that with PD_ConfigSetModel(<x>.pdmodel, <x>.pdiparams)");
  }
  // Paddle 3 writes __model__.json, or <prefix>.json next to <prefix>.pdiparams.
  if (IsFile(path + ".json") ||
      (!FindWithExtension(dir, ".json").empty() && !FindWithExtension(dir, ".pdiparams").empty())) {
    Fail("model directory '", dir, "' has no __model__ but a .json program: ", kPirAdvice);
  }
  Fail("model directory '", dir, "' has no __model__ program file");
}

// Fails unless the tensor read for var matches the rank and the known dims of its VarDesc.
void CheckDims(const Program& program, const std::string& name, const Tensor& t,
               const std::string& origin) {
  const VarInfo* var = program.FindVar(name);
  if (!var || var->type != proto::VarType::LOD_TENSOR) return;
  bool ok = var->dims.size() == t.dims().size();
  for (size_t i = 0; ok && i < var->dims.size(); ++i) {
    ok = var->dims[i] == -1 || var->dims[i] == t.dims()[i];
  }
  PD_CHECK(ok, origin, ": the file holds a tensor of shape ", DimsToString(t.dims()),
           " but the program declares ", DimsToString(var->dims));
}

// One record per variable, back to back in sorted-name order, and nothing after the last.
void LoadCombined(const Program& program, const std::string& bytes, const std::string& what,
                  Scope* weights) {
  std::vector<std::string> names = program.PersistableNames();
  size_t offset = 0;
  for (size_t i = 0; i < names.size(); ++i) {
    std::string origin = StrCat(what, ", parameter ", i + 1, " of ", names.size(), " '", names[i],
                                "' (records are in sorted name order)");
    Tensor* t = weights->Var(names[i]);
    ReadLoDTensor(bytes.data(), bytes.size(), &offset, t, origin);
    CheckDims(program, names[i], *t, origin);
  }
  if (offset != bytes.size()) {
    Fail(what, ": ", bytes.size() - offset, " bytes remain after the ", names.size(),
         " parameters the program declares; the parameters do not belong to this program");
  }
}

// One file per variable, named after it, each holding exactly one record.
void LoadSeparate(const Program& program, const std::string& dir, Scope* weights) {
  for (const std::string& name : program.PersistableNames()) {
    std::string path = (fs::path(dir) / name).string();
    PD_CHECK(IsFile(path), "parameter file '", path, "' for variable '", name,
             "' is missing (a model directory holds one file per parameter, or a combined "
             "__params__ file)");
    std::string bytes = ReadFile(path);
    std::string origin = "parameter file '" + path + "'";
    Tensor* t = weights->Var(name);
    size_t offset = 0;
    ReadLoDTensor(bytes.data(), bytes.size(), &offset, t, origin);
    PD_CHECK(offset == bytes.size(), origin, ": ", bytes.size() - offset,
             " trailing bytes after the tensor (a per-variable file holds exactly one)");
    CheckDims(program, name, *t, origin);
  }
}

// Paddle-Lite files are recognised by content: a model.nb header, or a headerless
// naive-buffer program (__model__.nb). A *.nb file that is neither fails with the Lite
// parser's account of what is wrong with it.
bool IsLiteFile(const std::string& path, const std::string& bytes) {
  return IsLiteModel(bytes) || IsNaiveProgram(bytes) || HasExtension(path, ".nb");
}

LoadedModel LoadLiteFile(const std::string& path, const std::string& bytes,
                         const std::string& params_file) {
  if (IsNaiveProgram(bytes)) return LoadLiteSplitModel(path, params_file);
  PD_CHECK(params_file.empty(), "Paddle-Lite model '", path,
           "' holds its own parameters; do not also pass a parameters file ('", params_file,
           "')");
  return LoadLiteModel(bytes, "Paddle-Lite model '" + path + "'");
}

// The Lite model of a directory without __model__: model.nb, __model__.nb, or its only *.nb.
std::string FindLiteModel(const std::string& dir) {
  for (const char* name : {"model.nb", "__model__.nb"}) {
    std::string path = (fs::path(dir) / name).string();
    if (IsFile(path)) return path;
  }
  std::string found;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().extension() != ".nb") continue;
    if (!found.empty()) return "";  // several: per-parameter files, not a model
    found = it->path().string();
  }
  return found;
}

}  // namespace

std::string ReadFile(const std::string& path) {
  std::error_code ec;
  PD_CHECK(fs::exists(path, ec), "file '", path, "' does not exist");
  PD_CHECK(fs::is_regular_file(path, ec), "'", path, "' is not a regular file");
  uintmax_t size = fs::file_size(path, ec);
  PD_CHECK(!ec, "cannot get the size of '", path, "': ", ec.message());
  std::ifstream in(path, std::ios::binary);
  PD_CHECK(in.good(), "cannot open '", path, "' for reading");
  std::string bytes(static_cast<size_t>(size), '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(size));
  PD_CHECK(static_cast<uintmax_t>(in.gcount()) == size, "could read only ", in.gcount(), " of the ",
           size, " bytes of '", path, "'");
  return bytes;
}

LoadedModel LoadModel(const ModelSource& src) {
  PD_CHECK(!src.empty(),
           "no model set: call PD_ConfigSetModel, PD_ConfigSetModelDir or "
           "PD_ConfigSetModelBuffer first");
  LoadedModel m;
  m.weights = std::make_shared<Scope>();
  if (src.from_memory) {
    if (IsLiteModel(src.prog_buffer)) {
      PD_CHECK(src.params_buffer.empty(),
               "the program buffer is a Paddle-Lite model.nb, which holds its own parameters; "
               "pass an empty parameters buffer");
      return LoadLiteModel(src.prog_buffer, "Paddle-Lite model buffer");
    }
    if (IsNaiveProgram(src.prog_buffer))
      return LoadLiteSplitBuffers(src.prog_buffer, src.params_buffer);
    m.program = ParseProgram(src.prog_buffer, "program buffer");
    LoadCombined(*m.program, src.params_buffer, "parameters buffer", m.weights.get());
  } else if (!src.model_dir.empty()) {
    std::string lite = IsFile((fs::path(src.model_dir) / "__model__").string())
                           ? std::string()
                           : FindLiteModel(src.model_dir);
    if (!lite.empty()) return LoadLiteFile(lite, ReadFile(lite), src.params_file);
    m.program = LoadProgramFromDir(src.model_dir);
    std::string combined = (fs::path(src.model_dir) / "__params__").string();
    if (!src.params_file.empty()) {
      LoadCombined(*m.program, ReadFile(src.params_file),
                   "parameters file '" + src.params_file + "'", m.weights.get());
    } else if (IsFile(combined)) {
      LoadCombined(*m.program, ReadFile(combined), "parameters file '" + combined + "'",
                   m.weights.get());
    } else {
      LoadSeparate(*m.program, src.model_dir, m.weights.get());
    }
  } else {
    if (!HasExtension(src.prog_file, ".json")) {
      std::string bytes = ReadFile(src.prog_file);
      if (IsLiteFile(src.prog_file, bytes)) return LoadLiteFile(src.prog_file, bytes, src.params_file);
    }
    m.program = LoadProgramFile(src.prog_file);
    if (!src.params_file.empty()) {
      LoadCombined(*m.program, ReadFile(src.params_file),
                   "parameters file '" + src.params_file + "'", m.weights.get());
    } else {
      LoadSeparate(*m.program, fs::path(src.prog_file).parent_path().string(), m.weights.get());
    }
  }
  return m;
}

}  // namespace pd
