// gpu_train_check: Paddle's own training programs (forward, backward and optimizer ops) on the
// GPU against the CPU, then the training step's speed. What scripts/device/check.sh runs on a
// GPU machine for the training kernels.
//
//   gpu_train_check [--bench] [--steps N] [--batch B] [--batches 64,128] [--lr X] MODEL...
//   MODEL = name:train_program:input_shape
//     input_shape  the image feed's shape after the batch dim, e.g. 3x224x224
//   Labels are drawn from [0, classes), classes read from the loss op's input.
//
// Both places start from the same seeded persistables (seeded_params.h) and get the same
// batches. Step 1: every float variable the program writes (activations, gradients, updated
// parameters and statistics), GPU against CPU, relative L2 error ||gpu - cpu|| / ||cpu|| ≤ 1e-3
// in fp32 (a ReLU kink crossed differently moves one element, which the L2 error weighs at its
// share; the max relative error is reported beside it). Then --steps more steps: the loss of
// each and the persistables after the last, reported and held to 1e-2 (rounding differences
// grow with every update). With --bench: time per training step (forward, backward, update)
// on the GPU at each --batches size, fp32 and TF32, activations freed after their last use.
// One JSON object per line on stdout; exit status 1 when a check failed. --plumbing runs the
// "GPU" side on the CPU: it tries the tool's own flow on a machine without a GPU.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "framework/cuda_backend.h"
#include "framework/executor.h"
#include "framework/program.h"
#include "framework/scope.h"
#include "seeded_params.h"

namespace {

bool failed = false;
bool plumbing = false;  // --plumbing: the "GPU" side runs on the CPU, to try the flow without a GPU
constexpr double kStepTol = 1e-3, kDriftTol = 1e-2;

struct ModelSpec {
  std::string name, program_file;
  std::vector<int64_t> input_shape;  // without the batch dim
};

std::vector<std::string> Split(const std::string& s, char sep) {
  std::vector<std::string> parts(1);
  for (char c : s) {
    if (c == sep) {
      parts.emplace_back();
    } else {
      parts.back().push_back(c);
    }
  }
  return parts;
}

std::string ReadAll(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) {
    std::fprintf(stderr, "gpu_train_check: cannot read %s\n", path.c_str());
    std::exit(2);
  }
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

ModelSpec ParseSpec(const std::string& arg) {
  const auto p = Split(arg, ':');
  if (p.size() != 3) {
    std::fprintf(stderr, "gpu_train_check: bad model spec '%s' (name:program:CxHxW)\n",
                 arg.c_str());
    std::exit(2);
  }
  ModelSpec m{p[0], p[1], {}};
  for (const auto& d : Split(p[2], 'x')) m.input_shape.push_back(std::stoll(d));
  return m;
}

// The program's data inputs (read, never written, not persistable: the image in float, the
// label in int64) and its loss (the variable whose gradient a fill_constant seeds).
struct Roles {
  std::string image, label, loss;
  int64_t classes = 0;
};

Roles FindRoles(const pd::Program& program) {
  std::set<std::string> written;
  for (const pd::OpView& op : program.ops())
    for (const auto& [slot, names] : op.AllOutputs()) written.insert(names.begin(), names.end());
  Roles r;
  for (const pd::OpView& op : program.ops()) {
    for (const auto& [slot, names] : op.AllInputs()) {
      for (const std::string& name : names) {
        const pd::VarInfo* v = program.FindVar(name);
        if (v == nullptr || v->persistable || written.count(name)) continue;
        (v->dtype == pd::DType::kInt64 ? r.label : r.image) = name;
      }
    }
    if (op.type() == "cross_entropy2" || op.type() == "softmax_with_cross_entropy") {
      const pd::VarInfo* x = program.FindVar(op.Input(op.type() == "cross_entropy2" ? "X" : "Logits"));
      if (x != nullptr && !x->dims.empty()) r.classes = x->dims.back();
    }
    const std::string out = op.Output("Out");
    const std::string suffix = "@GRAD";
    if (op.type() == "fill_constant" && r.loss.empty() && out.size() > suffix.size() &&
        out.compare(out.size() - suffix.size(), suffix.size(), suffix) == 0)
      r.loss = out.substr(0, out.size() - suffix.size());
  }
  if (r.image.empty() || r.label.empty() || r.loss.empty() || r.classes < 1) {
    std::fprintf(stderr, "gpu_train_check: cannot find the image, label, loss and classes\n");
    std::exit(2);
  }
  return r;
}

void Seed(const pd::Program& program, float lr, pd::Scope* scope) {
  const auto roles = gohub_tools::Roles(program, lr);
  for (const pd::VarInfo& v : program.vars()) {
    if (!v.persistable || v.dtype != pd::DType::kFP32) continue;
    auto r = roles.find(v.name);
    pd::Tensor t = gohub_tools::SeededTensor(v.name, r == roles.end() ? gohub_tools::Role{} : r->second,
                                             v.dims);
    pd::CopyTensor(t, pd::Place::CPU(), scope->Var(v.name));
  }
}

struct Batch {
  pd::Tensor image, label;
};

Batch MakeBatch(const ModelSpec& spec, int64_t classes, int batch, uint32_t seed) {
  std::mt19937 rng(seed);
  Batch b;
  pd::Dims dims{batch};
  dims.insert(dims.end(), spec.input_shape.begin(), spec.input_shape.end());
  b.image.Resize(dims);
  std::normal_distribution<float> pixel(0.f, 1.f);
  float* x = b.image.mutable_data<float>();
  for (int64_t i = 0; i < b.image.numel(); ++i) x[i] = pixel(rng);
  b.label.Resize({batch, 1});
  std::uniform_int_distribution<int64_t> label(0, classes - 1);
  int64_t* y = b.label.mutable_data<int64_t>();
  for (int i = 0; i < batch; ++i) y[i] = label(rng);
  return b;
}

void Feed(const Roles& roles, const Batch& b, pd::Scope* scope) {
  for (const auto& [name, t] : {std::pair{roles.image, &b.image}, std::pair{roles.label, &b.label}}) {
    pd::Tensor* v = scope->Var(name);
    pd::CopyTensor(*t, v->initialized() ? v->place() : pd::Place::CPU(), v);
  }
}

// A float variable of a scope as host values (plain: the CPU executor may leave oneDNN layouts).
std::vector<float> Values(pd::Executor& exec, pd::Scope& scope, const std::string& name) {
  pd::Tensor* t = scope.FindLocal(name);
  if (t == nullptr || !t->initialized() || t->dtype() != pd::DType::kFP32) return {};
  if (t->place().is_cpu()) exec.MakePlain(t);
  pd::Tensor host;
  const pd::Tensor* h = t;
  if (!t->place().is_cpu()) {
    pd::CopyTensor(*t, pd::Place::CPU(), &host);
    h = &host;
  }
  return std::vector<float>(h->data<float>(), h->data<float>() + h->numel());
}

struct Diff {
  double l2 = 0, max_rel = 0;
};

Diff Compare(const std::vector<float>& got, const std::vector<float>& want) {
  double num = 0, den = 0, max_abs_diff = 0, max_abs = 0;
  for (size_t i = 0; i < want.size(); ++i) {
    const double d = static_cast<double>(got[i]) - want[i];
    num += d * d;
    den += static_cast<double>(want[i]) * want[i];
    max_abs_diff = std::max(max_abs_diff, std::abs(d));
    max_abs = std::max(max_abs, std::abs(static_cast<double>(want[i])));
  }
  Diff r;
  r.l2 = den > 0 ? std::sqrt(num / den) : std::sqrt(num);
  r.max_rel = max_abs > 0 ? max_abs_diff / max_abs : max_abs_diff;
  if (!std::isfinite(r.l2)) r.l2 = INFINITY;
  return r;
}

pd::ExecConfig GpuConfig(bool tf32) {
  pd::ExecConfig c;
  c.num_threads = 8;
  if (!plumbing) c.place = pd::Place{pd::DeviceType::kGPU, 0};
  c.allow_tf32 = tf32;
  return c;
}

std::string OpsOnCpu(const pd::Program& program, const pd::Executor& exec) {
  std::set<std::string> types;
  for (int i = 0; i < static_cast<int>(program.ops().size()); ++i) {
    const std::string& t = program.ops()[i].type();
    if (t != "feed" && t != "fetch" && exec.PlaceOfOp(i).is_cpu()) types.insert(t);
  }
  std::string s;
  for (const auto& t : types) s += (s.empty() ? "" : " ") + t;
  return s;
}

void Check(const ModelSpec& spec, std::shared_ptr<const pd::Program> program, int batch, int steps,
           float lr) {
  const Roles roles = FindRoles(*program);
  pd::Scope cpu_scope, gpu_scope;
  Seed(*program, lr, &cpu_scope);
  Seed(*program, lr, &gpu_scope);
  pd::ExecConfig cpu_config;
  cpu_config.num_threads = 8;
  pd::MoveOpInputsTo(*program, &gpu_scope, GpuConfig(false).place);
  pd::Executor cpu(program, &cpu_scope, cpu_config);
  pd::Executor gpu(program, &gpu_scope, GpuConfig(false));
  std::printf("{\"model\": \"%s\", \"ops_on_cpu\": \"%s\"}\n", spec.name.c_str(),
              OpsOnCpu(*program, gpu).c_str());

  // Step 1, every op's outputs in program order; the first that differs is where to look.
  const Batch b0 = MakeBatch(spec, roles.classes, batch, 1);
  Feed(roles, b0, &cpu_scope);
  Feed(roles, b0, &gpu_scope);
  cpu.Run();
  gpu.Run();
  std::set<std::string> seen;
  std::map<std::string, Diff> worst_by_type;
  int compared = 0, bad = 0;
  for (const pd::OpView& op : program->ops()) {
    for (const auto& [slot, names] : op.AllOutputs()) {
      for (const std::string& name : names) {
        if (!seen.insert(name).second) continue;
        const auto want = Values(cpu, cpu_scope, name);
        if (want.empty()) continue;
        const auto got = Values(gpu, gpu_scope, name);
        const Diff d = got.size() == want.size() ? Compare(got, want) : Diff{INFINITY, INFINITY};
        ++compared;
        Diff& w = worst_by_type[op.type()];
        w.l2 = std::max(w.l2, d.l2), w.max_rel = std::max(w.max_rel, d.max_rel);
        if (d.l2 <= kStepTol) continue;
        if (++bad <= 10)
          std::printf("{\"check\": \"train_step1_var\", \"model\": \"%s\", \"op\": \"%s\", \"var\": "
                      "\"%s\", \"rel_l2\": %.3g, \"max_rel\": %.3g, \"tolerance\": %g, \"ok\": false}\n",
                      spec.name.c_str(), op.type().c_str(), name.c_str(), d.l2, d.max_rel, kStepTol);
      }
    }
  }
  for (const auto& [type, d] : worst_by_type)
    std::printf("{\"check\": \"train_step1_op\", \"model\": \"%s\", \"op\": \"%s\", \"rel_l2\": "
                "%.3g, \"max_rel\": %.3g, \"ok\": %s}\n",
                spec.name.c_str(), type.c_str(), d.l2, d.max_rel, d.l2 <= kStepTol ? "true" : "false");
  std::printf("{\"check\": \"train_step1\", \"model\": \"%s\", \"batch\": %d, \"vars\": %d, "
              "\"bad\": %d, \"tolerance\": %g, \"ok\": %s}\n",
              spec.name.c_str(), batch, compared, bad, kStepTol, bad == 0 ? "true" : "false");
  failed |= bad != 0;
  std::fflush(stdout);

  // More steps on new batches: the losses and, after the last, the persistables.
  double worst_loss = 0;
  for (int s = 0; s < steps; ++s) {
    const Batch b = MakeBatch(spec, roles.classes, batch, 100 + s);
    Feed(roles, b, &cpu_scope);
    Feed(roles, b, &gpu_scope);
    cpu.Run();
    gpu.Run();
    const Diff d = Compare(Values(gpu, gpu_scope, roles.loss), Values(cpu, cpu_scope, roles.loss));
    worst_loss = std::max(worst_loss, d.max_rel);
  }
  double worst_param = 0;
  std::string worst_name;
  for (const pd::VarInfo& v : program->vars()) {
    if (!v.persistable) continue;
    const auto want = Values(cpu, cpu_scope, v.name);
    if (want.empty()) continue;
    const Diff d = Compare(Values(gpu, gpu_scope, v.name), want);
    if (d.l2 >= worst_param) worst_param = d.l2, worst_name = v.name;
  }
  const bool ok = worst_loss <= kDriftTol && worst_param <= kDriftTol;
  std::printf("{\"check\": \"train_steps\", \"model\": \"%s\", \"steps\": %d, \"loss_max_rel\": "
              "%.3g, \"persistables_rel_l2\": %.3g, \"worst\": \"%s\", \"tolerance\": %g, \"ok\": %s}\n",
              spec.name.c_str(), steps + 1, worst_loss, worst_param, worst_name.c_str(), kDriftTol,
              ok ? "true" : "false");
  failed |= !ok;
  std::fflush(stdout);
}

void Bench(const ModelSpec& spec, std::shared_ptr<const pd::Program> program,
           const std::vector<int>& batches, float lr) {
  const Roles roles = FindRoles(*program);
  for (bool tf32 : {false, true}) {
    for (int batch : batches) {
      pd::Scope scope;
      Seed(*program, lr, &scope);
      const Batch b = MakeBatch(spec, roles.classes, batch, 7);
      Feed(roles, b, &scope);
      const pd::ExecConfig config = GpuConfig(tf32);
      pd::MoveOpInputsTo(*program, &scope, config.place);
      pd::Executor exec(program, &scope, config);
      exec.set_free_intermediates(true);
      for (int i = 0; i < 3; ++i) exec.Run();  // algorithm search, pool growth
      using Clock = std::chrono::steady_clock;
      std::vector<double> ms;
      for (int i = 0; i < 10; ++i) {
        const auto t0 = Clock::now();
        exec.Run();  // returns when the step's device work is done
        ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
      }
      std::sort(ms.begin(), ms.end());
      const double med = ms[ms.size() / 2];
      const auto mem = pd::AllocatorFor(config.place).stats();
      std::printf("{\"framework\": \"gohub\", \"model\": \"%s\", \"train\": true, \"batch\": %d, "
                  "\"precision\": \"%s\", \"ms_per_step\": %.3f, \"images_per_s\": %.1f, "
                  "\"gpu_mib_in_use\": %.0f, \"gpu_mib_cached\": %.0f}\n",
                  spec.name.c_str(), batch, tf32 ? "tf32" : "fp32", med, batch * 1e3 / med,
                  mem.in_use / 1048576.0, mem.cached / 1048576.0);
      std::fflush(stdout);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  bool bench = false;
  int steps = 10, batch = 8;
  float lr = 0.01f;
  std::vector<int> batches{64, 128};
  std::vector<ModelSpec> specs;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const bool has_value = i + 1 < argc;
    if (a == "--bench") {
      bench = true;
    } else if (a == "--plumbing") {
      plumbing = true;
    } else if (a == "--steps" && has_value) {
      steps = std::atoi(argv[++i]);
    } else if (a == "--batch" && has_value) {
      batch = std::atoi(argv[++i]);
    } else if (a == "--lr" && has_value) {
      lr = std::strtof(argv[++i], nullptr);
    } else if (a == "--batches" && has_value) {
      batches.clear();
      for (const auto& s : Split(argv[++i], ',')) batches.push_back(std::stoi(s));
    } else {
      specs.push_back(ParseSpec(a));
    }
  }
  try {
    if (!plumbing) pd::LoadCudaBackend();
  } catch (const std::exception& e) {
    std::printf("{\"error\": \"%s\"}\n", e.what());
    return 1;
  }
  std::printf("{\"gpu_info\": \"%s\"}\n", plumbing ? "plumbing: no GPU" : pd::CudaBackendInfo().c_str());
  for (const ModelSpec& spec : specs) {
    try {
      auto program = pd::Program::Parse(ReadAll(spec.program_file), spec.program_file);
      for (const pd::OpView& op : program->ops()) op.AllInputs(), op.AllOutputs();
      if (bench) {
        Bench(spec, program, batches, lr);
      } else {
        Check(spec, program, batch, steps, lr);
      }
    } catch (const std::exception& e) {
      std::printf("{\"error\": \"%s: %s\"}\n", spec.name.c_str(), e.what());
      failed = true;
    }
    std::fflush(stdout);
  }
  return failed ? 1 : 0;
}
