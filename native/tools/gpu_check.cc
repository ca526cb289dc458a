// gpu_check: runs real model programs on the GPU through the C API and checks them against the
// CPU path, then times them. What scripts/device/check.sh runs on a GPU machine.
//
//   gpu_check [--bench] [--iters N] [--batches 1,64] [--graph] MODEL...
//   MODEL = name:program_file:input_shape[:params_file]
//     input_shape  the feed's shape after the batch dim, e.g. 3x224x224
//     params_file  a combined parameter file; without it every parameter gets seeded random
//                  values of the right scale (He-normal filters, batch-norm statistics near the
//                  identity), written as a combined file in memory: the check compares the two
//                  places on the same weights, so their values need not be trained ones.
//
// Per model: the fp32 GPU outputs (and, for detection, the boxes and scores going into NMS; the
// logits going into a final softmax or sigmoid) against the CPU's, max |gpu − cpu| / max |cpu|
// ≤ 1e-4 at batch 2, the detections the same set (label, and score and box within 1e-3); a
// Clone() on the GPU must agree with its original as closely. With --bench: batch 1 latency
// and batch 64 throughput, fp32 and TF32, input already resident (Run alone) and end to end
// (CopyFromCpu + Run + CopyToCpu). One JSON object per line on stdout; exit status 1 when a
// check failed. On a machine without a GPU, GOHUB_CUDA_BACKEND naming the tests' host CUDA
// backend (build/native/libgohub_host_cuda.so) runs the CUDA backend's own code on the CPU, and
// the emulated GPU backend (libgohub_emulated_gpu.so) the tool's own flow on the CPU's kernels.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "framework/program.h"
#include "io/lite_model.h"
#include "io/lod_tensor_io.h"
#include "host_threads.h"
#include "pd_inference_api.h"
#include "pd_ext.h"
#include "seeded_params.h"

namespace {

bool graph = false;     // --graph: GPU predictors record their runs (PD_ConfigSetGpuGraph)
std::vector<int> bench_batches{1, 64};

struct ModelSpec {
  std::string name, program_file, params_file;
  std::vector<int32_t> input_shape;  // without the batch dim
};

std::string ReadAll(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) {
    std::fprintf(stderr, "gpu_check: cannot read %s\n", path.c_str());
    std::exit(2);
  }
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::vector<std::string> Split(const std::string& s, char sep) {
  std::vector<std::string> parts;
  std::string cur;
  for (char c : s) {
    if (c == sep) {
      parts.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  parts.push_back(cur);
  return parts;
}

ModelSpec ParseSpec(const std::string& arg) {
  const auto p = Split(arg, ':');
  if (p.size() < 3 || p.size() > 4) {
    std::fprintf(stderr, "gpu_check: bad model spec '%s' (name:program:CxHxW[:params])\n",
                 arg.c_str());
    std::exit(2);
  }
  ModelSpec m{p[0], p[1], p.size() == 4 ? p[3] : "", {}};
  for (const auto& d : Split(p[2], 'x')) m.input_shape.push_back(std::stoi(d));
  return m;
}

// Seeded values for every parameter (seeded_params.h), as a combined parameter file.
std::string RandomParams(const std::string& program_bytes) {
  auto program = pd::Program::Parse(program_bytes, "program");
  const auto roles = gohub_tools::Roles(*program, 0.f);
  std::string out;
  for (const std::string& name : program->PersistableNames()) {
    auto r = roles.find(name);
    pd::AppendLoDTensor(gohub_tools::SeededTensor(name, r == roles.end() ? gohub_tools::Role{} : r->second,
                                                  program->FindVar(name)->dims),
                        &out);
  }
  return out;
}

struct Output {
  std::string name;
  std::vector<int32_t> shape;
  std::vector<float> data;
};

std::string Error() { return PD_GetLastError(); }

[[noreturn]] void Die(const std::string& what) {
  std::printf("{\"error\": \"%s: %s\"}\n", what.c_str(), Error().c_str());
  std::fflush(stdout);
  std::exit(1);
}

class Model {
 public:
  Model(const ModelSpec& spec, const std::string& prog, const std::string& params, bool gpu,
        bool tf32)
      : spec_(spec) {
    PD_Config* c = PD_ConfigCreate();
    PD_ConfigSetModelBuffer(c, prog.data(), prog.size(), params.data(), params.size());
    PD_ConfigSetCpuMathLibraryNumThreads(c, HostMathThreads());
    if (gpu) {
      PD_ConfigEnableUseGpu(c, 256, 0, PD_PRECISION_FLOAT32);
      PD_ConfigSetGpuTF32(c, tf32 ? TRUE : FALSE);
      PD_ConfigSetGpuGraph(c, graph ? TRUE : FALSE);
    }
    pred_ = PD_PredictorCreate(c);  // takes the config
    if (pred_ == nullptr) Die(spec.name + (gpu ? " (gpu)" : " (cpu)") + ": create");
    PD_OneDimArrayCstr* names = PD_PredictorGetInputNames(pred_);
    input_ = names->data[0];
    PD_OneDimArrayCstrDestroy(names);
  }
  explicit Model(PD_Predictor* pred, const ModelSpec& spec, const std::string& input)
      : spec_(spec), pred_(pred), input_(input) {}
  ~Model() { PD_PredictorDestroy(pred_); }
  Model(const Model&) = delete;

  PD_Predictor* predictor() { return pred_; }
  const std::string& input_name() const { return input_; }

  void Feed(const std::vector<float>& x, int batch) {
    PD_Tensor* t = PD_PredictorGetInputHandle(pred_, input_.c_str());
    std::vector<int32_t> shape{batch};
    shape.insert(shape.end(), spec_.input_shape.begin(), spec_.input_shape.end());
    PD_TensorReshape(t, shape.size(), shape.data());
    PD_TensorCopyFromCpuFloat(t, x.data());
    PD_TensorDestroy(t);
  }
  void Run() {
    if (!PD_PredictorRun(pred_)) Die(spec_.name + ": run");
  }
  Output Read(const std::string& name) {
    PD_Tensor* t = PD_PredictorGetOutputHandle(pred_, name.c_str());
    if (t == nullptr) Die(spec_.name + ": output " + name);
    Output o{name, {}, {}};
    PD_OneDimArrayInt32* s = PD_TensorGetShape(t);
    int64_t n = 1;
    for (size_t i = 0; i < s->size; ++i) o.shape.push_back(s->data[i]), n *= s->data[i];
    PD_OneDimArrayInt32Destroy(s);
    o.data.resize(n);
    if (n > 0) PD_TensorCopyToCpuFloat(t, o.data.data());
    PD_TensorDestroy(t);
    return o;
  }
  std::vector<std::string> OutputNames() {
    PD_OneDimArrayCstr* names = PD_PredictorGetOutputNames(pred_);
    std::vector<std::string> v(names->data, names->data + names->size);
    PD_OneDimArrayCstrDestroy(names);
    return v;
  }

 private:
  ModelSpec spec_;
  PD_Predictor* pred_ = nullptr;
  std::string input_;
};

std::vector<float> RandomInput(const ModelSpec& spec, int batch, uint32_t seed) {
  int64_t n = batch;
  for (int32_t d : spec.input_shape) n *= d;
  std::vector<float> x(n);
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-1.f, 1.f);
  for (auto& v : x) v = dist(rng);
  return x;
}

// max |a − b| / max |b| (b the reference), and whether the shapes agree.
double RelDiff(const Output& a, const Output& b) {
  if (a.shape != b.shape) return INFINITY;
  double diff = 0, scale = 1e-12;
  for (size_t i = 0; i < a.data.size(); ++i) {
    diff = std::max(diff, double(std::fabs(a.data[i] - b.data[i])));
    scale = std::max(scale, double(std::fabs(b.data[i])));
  }
  return diff / scale;
}

// ‖a − b‖ / ‖b‖ over all elements (b the reference).
double RelL2(const Output& a, const Output& b) {
  if (a.shape != b.shape) return INFINITY;
  double num = 0, den = 1e-30;
  for (size_t i = 0; i < a.data.size(); ++i) {
    const double d = double(a.data[i]) - b.data[i];
    num += d * d;
    den += double(b.data[i]) * b.data[i];
  }
  return std::sqrt(num / den);
}

// The variables compared besides the fetch targets: a detection program's NMS inputs (compared
// before NMS) and the detections it writes (compared as a set); the logits, the input of the
// softmax or sigmoid that gives a fetch target (seeded weights can saturate a softmax, whose
// one-hot output then hides any difference before it, and a saturated sigmoid moves a long way
// for a small change in a logit near 0).
struct ExtraVars {
  std::vector<std::string> nms_inputs, nms_outputs, logits;
};

ExtraVars FindExtraVars(const std::string& prog, const std::vector<std::string>& fetched) {
  auto program = pd::IsLiteModel(prog) ? pd::LoadLiteModel(prog, "program").program
                                       : pd::Program::Parse(prog, "program");
  ExtraVars v;
  std::map<std::string, pd::OpView> producer;
  for (const pd::OpView& op : program->ops()) {
    if (op.type().rfind("multiclass_nms", 0) == 0) {
      v.nms_inputs = {op.Input("BBoxes"), op.Input("Scores")};
      v.nms_outputs = {op.Output("Out")};
    }
    if (op.type() == "softmax" || op.type() == "sigmoid" || op.type() == "scale")
      producer.emplace(op.Output("Out"), op);
  }
  // Through the scale ops that save_inference_model puts before each fetch target.
  for (std::string var : fetched) {
    for (auto it = producer.find(var); it != producer.end(); it = producer.find(var)) {
      var = it->second.Input("X");
      if (it->second.type() != "scale") {
        v.logits.push_back(var);
        break;
      }
    }
  }
  return v;
}

// Detections [N, 6] (label, score, box) agree when each of the reference's has its own in the
// other with the same label and score and box within tol of the scale: NMS may list detections
// of equal score in either order.
size_t UnmatchedDetections(const Output& got, const Output& want, double tol) {
  if (got.shape != want.shape) return want.data.size() / 6 + 1;
  double scale = 1e-12;
  for (float v : want.data) scale = std::max(scale, double(std::fabs(v)));
  const size_t n = want.data.size() / 6;
  std::vector<bool> used(n, false);
  size_t unmatched = 0;
  for (size_t i = 0; i < n; ++i) {
    const float* w = &want.data[i * 6];
    bool found = false;
    for (size_t j = 0; j < n && !found; ++j) {
      const float* g = &got.data[j * 6];
      if (used[j] || g[0] != w[0]) continue;
      bool close = true;
      for (int k = 1; k < 6 && close; ++k) close = std::fabs(g[k] - w[k]) <= tol * scale;
      if (close) used[j] = found = true;
    }
    if (!found) ++unmatched;
  }
  return unmatched;
}

bool failed = false;

void Check(const ModelSpec& spec, const std::string& prog, const std::string& params,
           double tol) {
  Model cpu(spec, prog, params, false, false);
  Model gpu(spec, prog, params, true, false);
  const int batch = 2;
  const auto x = RandomInput(spec, batch, 7);
  cpu.Feed(x, batch);
  gpu.Feed(x, batch);
  cpu.Run();
  gpu.Run();
  std::vector<std::string> names = cpu.OutputNames();
  const ExtraVars extra = FindExtraVars(prog, names);
  const bool detection = !extra.nms_inputs.empty();
  names.insert(names.end(), extra.nms_inputs.begin(), extra.nms_inputs.end());
  names.insert(names.end(), extra.logits.begin(), extra.logits.end());
  PD_Predictor* clone_pred = PD_PredictorClone(gpu.predictor());
  if (clone_pred == nullptr) Die(spec.name + ": clone");
  Model clone(clone_pred, spec, gpu.input_name());
  clone.Feed(x, batch);
  clone.Run();
  for (const std::string& name : names) {
    const Output c = cpu.Read(name), g = gpu.Read(name), k = clone.Read(name);
    bool ok;
    std::string detail;
    if (std::find(extra.nms_outputs.begin(), extra.nms_outputs.end(), name) !=
        extra.nms_outputs.end()) {
      const size_t unmatched = UnmatchedDetections(g, c, 1e-3);
      ok = unmatched == 0;
      detail = "\"detections\": " + std::to_string(c.shape.empty() ? 0 : c.shape[0]) +
               ", \"gpu_detections\": " + std::to_string(g.shape.empty() ? 0 : g.shape[0]) +
               ", \"unmatched\": " + std::to_string(unmatched);
    } else {
      ok = RelDiff(g, c) <= tol;
    }
    // A clone picks its own cuDNN algorithms (by timing them), so it may sum in another order.
    const double clone_diff = RelDiff(k, g);
    ok = ok && clone_diff <= tol;
    if (!ok) failed = true;
    std::printf(
        "{\"check\": \"gpu_vs_cpu%s\", \"model\": \"%s\", \"var\": \"%s\", \"rel_diff\": %.3g, "
        "\"clone_rel_diff\": %.3g, \"tolerance\": %g, %s%s\"ok\": %s}\n",
        graph ? "_graph" : "", spec.name.c_str(), name.c_str(), RelDiff(g, c), clone_diff, tol,
        detail.c_str(),
        detail.empty() ? "" : ", ", ok ? "true" : "false");
    std::fflush(stdout);
  }
  // TF32: reported, with a loose bound only against gross errors, on the relative L2 norm (10
  // mantissa bits through a deep network can move a single sigmoid a long way, a wrong kernel
  // moves everything).
  Model tf32(spec, prog, params, true, true);
  tf32.Feed(x, batch);
  tf32.Run();
  const std::string compared = detection            ? extra.nms_inputs[1]
                               : !extra.logits.empty() ? extra.logits[0]
                                                       : cpu.OutputNames()[0];
  const Output name_out = tf32.Read(compared);
  const Output ref = cpu.Read(compared);
  const double d = RelDiff(name_out, ref), l2 = RelL2(name_out, ref);
  std::printf("{\"check\": \"tf32_vs_cpu\", \"model\": \"%s\", \"var\": \"%s\", \"rel_diff\": %.3g, "
              "\"rel_l2\": %.3g, \"ok\": %s}\n",
              spec.name.c_str(), name_out.name.c_str(), d, l2, l2 <= 5e-2 ? "true" : "false");
  if (l2 > 5e-2) failed = true;
  std::fflush(stdout);
}

// With --graph: a GPU predictor's first run at a shape goes op by op, the second is recorded
// and launched, the later ones launch the recording; each must match the CPU on its own input.
void CheckRecordedRuns(const ModelSpec& spec, const std::string& prog, const std::string& params,
                       double tol) {
  Model cpu(spec, prog, params, false, false);
  Model gpu(spec, prog, params, true, false);
  const int batch = 2;
  std::vector<std::string> names = cpu.OutputNames();
  const std::vector<std::string> logits = FindExtraVars(prog, names).logits;
  names.insert(names.end(), logits.begin(), logits.end());
  for (int run = 0; run < 4; ++run) {
    const auto x = RandomInput(spec, batch, 100 + run);
    cpu.Feed(x, batch);
    gpu.Feed(x, batch);
    cpu.Run();
    gpu.Run();
    for (const std::string& name : names) {
      const double d = RelDiff(gpu.Read(name), cpu.Read(name));
      const bool ok = d <= tol;
      if (!ok) failed = true;
      std::printf("{\"check\": \"graph_run_%d\", \"model\": \"%s\", \"var\": \"%s\", "
                  "\"rel_diff\": %.3g, \"ok\": %s}\n",
                  run, spec.name.c_str(), name.c_str(), d, ok ? "true" : "false");
      std::fflush(stdout);
    }
  }
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

void Bench(const ModelSpec& spec, const std::string& prog, const std::string& params, int iters) {
  for (bool tf32 : {false, true}) {
    Model m(spec, prog, params, true, tf32);
    const auto names = m.OutputNames();
    for (int batch : bench_batches) {
      const auto x = RandomInput(spec, batch, 11);
      m.Feed(x, batch);
      for (int i = 0; i < 5; ++i) m.Run();  // algorithm search, pool growth
      const int n = batch == 1 ? iters : std::max(10, iters / 5);
      using Clock = std::chrono::steady_clock;
      std::vector<double> resident, e2e;
      for (int i = 0; i < n; ++i) {
        const auto t0 = Clock::now();
        m.Run();  // the input was not rewritten: it stays on the GPU
        resident.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
      }
      for (int i = 0; i < n; ++i) {
        const auto t0 = Clock::now();
        m.Feed(x, batch);
        m.Run();
        for (const auto& name : names) m.Read(name);
        e2e.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
      }
      const double ms = Median(resident), ms_e2e = Median(e2e);
      std::printf("{\"framework\": \"gohub\", \"model\": \"%s\", \"batch\": %d, \"precision\": "
                  "\"%s\", \"graph\": %s, \"ms_per_batch\": %.3f, \"images_per_s\": %.1f, "
                  "\"ms_per_batch_end_to_end\": %.3f, \"images_per_s_end_to_end\": %.1f}\n",
                  spec.name.c_str(), batch, tf32 ? "tf32" : "fp32", graph ? "true" : "false", ms,
                  batch * 1e3 / ms,
                  ms_e2e, batch * 1e3 / ms_e2e);
      std::fflush(stdout);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  bool bench = false;
  int iters = 100;
  std::vector<ModelSpec> specs;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--bench") {
      bench = true;
    } else if (a == "--iters" && i + 1 < argc) {
      iters = std::atoi(argv[++i]);
    } else if (a == "--batches" && i + 1 < argc) {
      bench_batches.clear();
      for (const auto& b : Split(argv[++i], ',')) bench_batches.push_back(std::stoi(b));
    } else if (a == "--graph") {
      graph = true;
    } else {
      specs.push_back(ParseSpec(a));
    }
  }
  const std::string info = PD_GpuInfo();
  std::printf("{\"gpu_info\": \"%s\"}\n", info.c_str());
  std::fflush(stdout);
  if (info.rfind("unavailable: ", 0) == 0) return 1;
  for (const ModelSpec& spec : specs) {
    const std::string prog = ReadAll(spec.program_file);
    // A Paddle-Lite model (.nb) carries its weights; a Paddle program without a params file
    // gets seeded ones.
    const std::string params = !spec.params_file.empty() ? ReadAll(spec.params_file)
                               : pd::IsLiteModel(prog)   ? std::string()
                                                         : RandomParams(prog);
    Check(spec, prog, params, 1e-4);
    if (graph) CheckRecordedRuns(spec, prog, params, 1e-4);
    if (bench) Bench(spec, prog, params, iters);
  }
  return failed ? 1 : 0;
}
