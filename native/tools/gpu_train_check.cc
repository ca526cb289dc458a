// gpu_train_check: Paddle's own training programs (forward, backward and optimizer ops) on the
// GPU against the CPU, then the training step's speed. What scripts/device/check.sh runs on a
// GPU machine for the training kernels.
//
//   gpu_train_check [--bench] [--amp] [--record] [--steps N] [--batch B] [--batches 64,128] [--lr X] MODEL...
//   MODEL = name:train_program:input_shape
//     input_shape  the image feed's shape after the batch dim, e.g. 3x224x224
//   Labels are drawn from [0, classes), classes read from the loss op's input.
//
// Both places start from the same seeded persistables (seeded_params.h) and get the same
// batches. The check, for --op-steps steps (3): every op alone on both places, given the CPU's
// values of its inputs, every float output within relative L2 error ||gpu - cpu|| / ||cpu||
// ≤ 1e-3 in fp32, a gradient at float32-noise level (error under 1e-4 of the step's largest
// gradient value) excepted. Then the whole program run freely on both places for --steps steps
// (10): the losses side by side and the persistables after the last, reported (see FreeRun);
// each GPU step after the first is launched, and on the host CUDA backend, which counts them, a
// launch must not have waited for the device.
// The same free run is repeated recorded (a CUDA graph per step: ExecConfig::record_runs), each
// loss within 1e-3 of the plain GPU run's.
// With --bench: time per training step (forward, backward, update) on the GPU at each --batches
// size, fp32 and TF32, activations freed after their last use (--record: each step a launch of
// its recording), with the host's time to queue a
// step (host_ms_per_step), and the GPU pool's memory: the
// timed steps' high-water mark, what stays in use between steps and what the pool holds (each
// row starts from an emptied pool); with PD_OP_PROFILE set, the executor's per-op profile of
// the timed steps goes to stderr.
// One JSON object per line on stdout; exit status 1 when a check failed. On a machine without a
// GPU, GOHUB_CUDA_BACKEND naming the tests' emulated GPU backend
// (build/native/libgohub_emulated_gpu.so) tries the tool's own flow.
#include <dlfcn.h>

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
#include "kernels/bf16_attr.h"
#include "passes/passes.h"
#include "host_threads.h"
#include "seeded_params.h"

namespace {

bool failed = false;
// --amp: the convolutions, the matrix products and their gradients marked bfloat16, as
// RunConfig.AMP marks them; the GPU then also rounds the convolutions' outputs to bfloat16, so
// the marked ops agree to bfloat16's precision (kAmpTol) rather than float32's; the others,
// given the same inputs, to float32's still.
bool amp = false;
constexpr double kFp32Tol = 1e-3, kAmpTol = 2e-2;
// --record: the bench rows' executor records its steps (ExecConfig::record_runs: a CUDA graph
// launched per step, its intermediates the graph's own memory).
bool record = false;

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

// The host CUDA backend's count of calls that made the host wait for queued work
// (hostcuda_host_waits); a GPU's backend keeps none.
class HostWaits {
 public:
  HostWaits() {
    const char* path = std::getenv("GOHUB_CUDA_BACKEND");
    void* lib = path != nullptr ? dlopen(path, RTLD_NOW | RTLD_NOLOAD) : nullptr;
    if (lib != nullptr) {
      count_ = reinterpret_cast<long (*)()>(dlsym(lib, "hostcuda_host_waits"));
      dlclose(lib);  // the executor's own handle keeps it loaded
    }
  }
  bool counted() const { return count_ != nullptr; }
  long count() const { return count_ != nullptr ? count_() : 0; }

 private:
  long (*count_)() = nullptr;
};

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
  const pd::Tensor& h = pd::PlainOnHost(*t, &host);  // a channels-last GPU tensor made plain
  return std::vector<float>(h.data<float>(), h.data<float>() + h.numel());
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
  c.num_threads = HostMathThreads();
  c.place = pd::Place{pd::DeviceType::kGPU, 0};
  c.allow_tf32 = tf32;
  c.gpu_bf16 = true;  // as a training executor (PD_ExecutorCreateGpu)
  c.gpu_bf16_activations = pd::Bf16ActivationsWanted();
  return c;
}

// Whether the GPU backend records runs (CUDA graphs; the tests' emulated GPU does not).
bool DeviceRecords() {
  pd::Device& device = pd::DeviceRegistry::Global().Get(pd::DeviceType::kGPU);
  const pd::ExecConfig config = GpuConfig(false);
  auto ctx = device.NewContext(config.place, config);
  return device.Record(*ctx, [] {}) != nullptr;
}

// Block 0 of program with op i alone (all variables declared).
std::shared_ptr<const pd::Program> OneOp(const pd::Program& program, int i) {
  pd::proto::ProgramDesc desc = program.desc();
  auto* ops = desc.mutable_blocks(0)->mutable_ops();
  pd::proto::OpDesc op = ops->Get(i);
  ops->Clear();
  *ops->Add() = op;
  auto p = pd::Program::FromDesc(std::move(desc), "op");
  for (const pd::OpView& v : p->ops()) v.AllInputs(), v.AllOutputs();
  return p;
}

// A variable's value as a plain host tensor (no data when it has none).
pd::Tensor HostCopy(const pd::Tensor& t) {
  pd::Tensor plain, host;
  pd::CopyTensor(t.initialized() ? pd::PlainOnHost(t, &plain) : t, pd::Place::CPU(), &host);
  return host;
}

// Where the GPU's kernels keep activations in a layout of their own (GOHUB_CUDA_CHANNELS_LAST),
// an op run alone is handed its 4-D float activations and gradients in that layout, as the ops
// before it leave them in a whole run, so that its own paths for the layout are checked (the
// executor brings them plain to an op that cannot read them). Parameters stay plain, as a run
// keeps them.
class KernelLayouts {
 public:
  KernelLayouts() {
    pd::Device& device = pd::DeviceRegistry::Global().Get(pd::DeviceType::kGPU);
    ctx_ = device.NewContext(kGpu, GpuConfig(false));
    converter_ = device.NewLayoutConverter();
  }

  // Sets var to host's value, in the kernels' layout where it has one; false: left plain.
  bool Set(const pd::Tensor& host, pd::Tensor* var) {
    if (converter_ == nullptr || host.rank() != 4 || host.dtype() != pd::DType::kFP32)
      return false;
    pd::Tensor t;
    pd::CopyTensor(host, kGpu, &t);
    if (!converter_->ToKernelLayout(&t, *ctx_)) return false;
    ctx_->Wait();
    *var = t;
    return true;
  }

 private:
  static constexpr pd::Place kGpu{pd::DeviceType::kGPU, 0};
  std::unique_ptr<pd::DeviceContext> ctx_;
  std::unique_ptr<pd::LayoutConverter> converter_;
};

std::vector<float> Floats(const pd::Tensor& t) {
  if (!t.initialized() || t.dtype() != pd::DType::kFP32) return {};
  const pd::Tensor host = HostCopy(t);
  return std::vector<float>(host.data<float>(), host.data<float>() + host.numel());
}

// One output of one op in one step.
struct VarResult {
  std::string op, name;
  bool grad;
  double tol;  // the relative L2 error allowed
  double l2, max_abs_err, max_abs_want;
};

// Every op alone, on both places, from the CPU's values of its inputs: a kernel's own error,
// which neither a ReLU kink crossed differently upstream nor an earlier op's rounding can move.
void CheckOps(const ModelSpec& spec, std::shared_ptr<const pd::Program> program, int batch,
              int steps, float lr) {
  const Roles roles = FindRoles(*program);
  pd::Scope cpu_scope, gpu_scope;
  Seed(*program, lr, &cpu_scope);
  pd::ExecConfig cpu_config;
  cpu_config.num_threads = 8;
  std::vector<std::unique_ptr<pd::Executor>> on_cpu, on_gpu;
  std::set<std::string> types_on_cpu;
  for (int i = 0; i < static_cast<int>(program->ops().size()); ++i) {
    auto one = OneOp(*program, i);
    on_cpu.push_back(std::make_unique<pd::Executor>(one, &cpu_scope, cpu_config));
    on_gpu.push_back(std::make_unique<pd::Executor>(one, &gpu_scope, GpuConfig(false)));
    if (on_gpu.back()->PlaceOfOp(0).is_cpu()) types_on_cpu.insert(program->ops()[i].type());
  }
  std::string cpu_types;
  for (const auto& t : types_on_cpu) cpu_types += (cpu_types.empty() ? "" : " ") + t;
  std::printf("{\"model\": \"%s\", \"ops_on_cpu\": \"%s\"}\n", spec.name.c_str(), cpu_types.c_str());

  KernelLayouts layouts;
  int converted = 0;  // inputs handed over in the kernels' layout
  int bad_total = 0;
  // Per op type: the worst L2, the values at noise level, the tolerance.
  struct Worst {
    double l2 = 0;
    int noise = 0;
    double tol = kFp32Tol;
  };
  std::map<std::string, Worst> worst_by_type;
  for (int step = 0; step < steps; ++step) {
    Feed(roles, MakeBatch(spec, roles.classes, batch, 1 + step), &cpu_scope);
    std::vector<VarResult> results;
    double top = 0;  // the step's largest gradient value
    for (size_t i = 0; i < program->ops().size(); ++i) {
      const pd::OpView& op = program->ops()[i];
      const bool op_on_gpu = !on_gpu[i]->PlaceOfOp(0).is_cpu();
      for (const auto& [slot, names] : op.AllInputs()) {
        for (const std::string& name : names) {
          const pd::Tensor* t = cpu_scope.FindLocal(name);
          if (t == nullptr) continue;
          const pd::Tensor host = HostCopy(*t);
          const pd::VarInfo* info = program->FindVar(name);
          const bool activation = info == nullptr || !info->persistable;
          if (op_on_gpu && activation && layouts.Set(host, gpu_scope.Var(name))) {
            ++converted;
            continue;
          }
          pd::CopyTensor(host, pd::Place::CPU(), gpu_scope.Var(name));
        }
      }
      on_cpu[i]->Run();
      on_gpu[i]->Run();
      std::set<std::string> seen;
      for (const auto& [slot, names] : op.AllOutputs()) {
        for (const std::string& name : names) {
          if (!seen.insert(name).second) continue;
          const auto want = Floats(*cpu_scope.FindLocal(name));
          if (want.empty()) continue;
          const auto got = Floats(*gpu_scope.FindLocal(name));
          VarResult r{op.type(), name, name.find("@GRAD") != std::string::npos,
                      pd::WantsBf16(op) ? kAmpTol : kFp32Tol, INFINITY, INFINITY, 0};
          for (float w : want) r.max_abs_want = std::max(r.max_abs_want, std::abs(static_cast<double>(w)));
          if (got.size() == want.size()) {
            r.l2 = Compare(got, want).l2;
            r.max_abs_err = 0;
            for (size_t k = 0; k < want.size(); ++k)
              r.max_abs_err = std::max(r.max_abs_err, std::abs(static_cast<double>(got[k]) - want[k]));
            if (!std::isfinite(r.max_abs_err)) r.max_abs_err = INFINITY;
          }
          if (r.grad) top = std::max(top, r.max_abs_want);
          results.push_back(r);
        }
      }
    }
    // A gradient whose error stays under kNoise times the step's largest gradient is float32
    // noise on both sides (an analytically zero gradient: a batch norm's offset whose output
    // reaches the loss only through another training-mode batch norm), as the goldens define it.
    constexpr double kNoise = 1e-4;
    int bad = 0;
    for (const VarResult& r : results) {
      const bool noise = r.grad && r.max_abs_err <= kNoise * top;
      const bool ok = r.l2 <= r.tol || noise;
      Worst& w = worst_by_type[r.op];
      w.tol = r.tol;
      if (noise && r.l2 > r.tol) {
        ++w.noise;
      } else {
        w.l2 = std::max(w.l2, r.l2);
      }
      if (ok) continue;
      if (++bad <= 10)
        std::printf("{\"check\": \"train_op_var\", \"model\": \"%s\", \"step\": %d, \"op\": \"%s\", "
                    "\"var\": \"%s\", \"rel_l2\": %.3g, \"max_abs_err\": %.3g, \"max_abs\": %.3g, "
                    "\"step_top_grad\": %.3g, \"tolerance\": %g, \"ok\": false}\n",
                    spec.name.c_str(), step + 1, r.op.c_str(), r.name.c_str(), r.l2, r.max_abs_err,
                    r.max_abs_want, top, r.tol);
    }
    bad_total += bad;
    std::printf("{\"check\": \"train_ops\", \"model\": \"%s\", \"step\": %d, \"batch\": %d, "
                "\"vars\": %zu, \"bad\": %d, \"tolerance\": \"%s\", "
                "\"inputs_in_kernel_layout\": %d, \"ok\": %s}\n",
                spec.name.c_str(), step + 1, batch, results.size(), bad,
                amp ? "2e-2 bfloat16-marked ops, 1e-3 others" : "1e-3", converted,
                bad == 0 ? "true" : "false");
    converted = 0;
    std::fflush(stdout);
  }
  for (const auto& [type, w] : worst_by_type)
    std::printf("{\"check\": \"train_op_type\", \"model\": \"%s\", \"op\": \"%s\", \"rel_l2\": %.3g, "
                "\"noise_level_values\": %d, \"tolerance\": %g, \"ok\": %s}\n",
                spec.name.c_str(), type.c_str(), w.l2, w.noise, w.tol, w.l2 <= w.tol ? "true" : "false");
  failed |= bad_total != 0;
}

// After a step of the whole program on both places (same inputs, intermediates kept): the first
// op, in program order, with an output more than kDivergence (relative L2) from the CPU's, or
// "none". Each op alone matches the CPU (Check); an op that matches alone but not here either
// reads something the composition changes (a buffer shared or freed too early, a layout, a
// stale copy: many elements off) or crosses a kink where its input is within float32 noise of
// it (a ReLU's mask: a handful off), which is what sends free runs apart.
std::string FirstDivergence(const pd::Program& program, pd::Executor& cpu, pd::Scope& cpu_scope,
                            pd::Executor& gpu, pd::Scope& gpu_scope) {
  constexpr double kDivergence = 1e-4;
  const auto is_grad = [](const std::string& name) {
    return name.find("@GRAD") != std::string::npos;
  };
  const auto largest = [](const std::vector<float>& v) {
    double top = 0;
    for (float x : v) top = std::max(top, double(std::fabs(x)));
    return top;
  };
  // The step's largest gradient: a gradient off by under kNoise of it is float32 noise on both
  // sides (an analytically zero one), as Check counts it.
  constexpr double kNoise = 1e-4;
  double top_grad = 0;
  for (const pd::OpView& op : program.ops())
    for (const auto& [slot, names] : op.AllOutputs())
      for (const std::string& name : names)
        if (is_grad(name)) top_grad = std::max(top_grad, largest(Values(cpu, cpu_scope, name)));
  int index = 0;
  for (const pd::OpView& op : program.ops()) {
    for (const auto& [slot, names] : op.AllOutputs()) {
      for (const std::string& name : names) {
        const auto want = Values(cpu, cpu_scope, name);
        if (want.empty()) continue;
        const auto got = Values(gpu, gpu_scope, name);
        const Diff d = Compare(got, want);
        if (d.l2 <= kDivergence) continue;
        const double top = largest(want);
        double max_err = 0;
        size_t off = 0;  // elements off by more than 1e-3 of the largest
        for (size_t i = 0; i < want.size() && i < got.size(); ++i) {
          const double e = std::fabs(double(got[i]) - want[i]);
          max_err = std::max(max_err, e);
          off += e > 1e-3 * top;
        }
        if (is_grad(name) && max_err <= kNoise * top_grad) continue;
        // A ReLU mask that flips where an input is within float32 noise of 0 moves a few
        // elements by a whole gradient; a mistake moves many.
        char buf[320];
        std::snprintf(buf, sizeof buf,
                      "op #%d %s, output %s: rel_l2 %.3g, %zu of %zu elements off by more than "
                      "1e-3 of its largest",
                      index, op.type().c_str(), name.c_str(), d.l2, off, want.size());
        return buf;
      }
    }
    ++index;
  }
  return "none";
}

// The whole program run freely on both places for steps: the losses and the persistables after
// the last, reported. Not held to a bound: a ReLU kink crossed differently, or float32 noise that
// Adam scales to a full step, sends two free trajectories apart (as our CPU's and Paddle's).
void FreeRun(const ModelSpec& spec, std::shared_ptr<const pd::Program> program, int batch,
             int steps, float lr) {
  const Roles roles = FindRoles(*program);
  pd::Scope cpu_scope, gpu_scope;
  Seed(*program, lr, &cpu_scope);
  Seed(*program, lr, &gpu_scope);
  pd::ExecConfig cpu_config;
  cpu_config.num_threads = 8;
  pd::MoveOpInputsTo(*program, &gpu_scope, GpuConfig(false).place);
  pd::Executor cpu(program, &cpu_scope, cpu_config);
  pd::Executor gpu(program, &gpu_scope, GpuConfig(false));
  // The same steps recorded (a CUDA graph per step from the second on, its intermediates the
  // graph's own memory): each loss within kFp32Tol of the plain GPU run's (on the host CUDA
  // backend, with one algorithm per convolution, equal).
  pd::Scope rec_scope;
  Seed(*program, lr, &rec_scope);
  pd::ExecConfig rec_config = GpuConfig(false);
  rec_config.free_intermediates = true;
  rec_config.record_runs = true;
  pd::MoveOpInputsTo(*program, &rec_scope, rec_config.place);
  pd::Executor rec(program, &rec_scope, rec_config);
  double rec_worst = 0;
  std::string losses, first_divergence;
  bool finite = true;
  const HostWaits waits;
  long launch_waits = 0;  // after the first step (algorithm searches, pool growth)
  for (int s = 0; s < steps; ++s) {
    const Batch b = MakeBatch(spec, roles.classes, batch, 1 + s);
    Feed(roles, b, &cpu_scope);
    Feed(roles, b, &gpu_scope);
    Feed(roles, b, &rec_scope);
    rec.Launch();
    rec.Wait();
    cpu.Run();
    const long before = waits.count();
    gpu.Launch();
    if (s > 0) launch_waits += waits.count() - before;
    gpu.Wait();
    const auto want = Values(cpu, cpu_scope, roles.loss), got = Values(gpu, gpu_scope, roles.loss);
    finite &= !got.empty() && std::isfinite(got[0]);
    const auto recorded = Values(rec, rec_scope, roles.loss);
    rec_worst = std::max(rec_worst, recorded.empty() || got.empty()
                                        ? INFINITY
                                        : std::fabs(double(recorded[0]) - got[0]) /
                                              std::max(std::fabs(double(got[0])), 1e-30));
    if (s == 0) {
      first_divergence = FirstDivergence(*program, cpu, cpu_scope, gpu, gpu_scope);
      // From here on the GPU steps free their activations after the last use, as fine-tuning's
      // do (nothing reads them any more).
      gpu.set_free_intermediates(true);
    }
    char buf[64];
    std::snprintf(buf, sizeof buf, "%s[%.5g, %.5g]", s ? ", " : "", got.empty() ? NAN : got[0],
                  want.empty() ? NAN : want[0]);
    losses += buf;
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
  // A launched step queues its work and returns: waiting for any of it (a synchronisation, a
  // copy from pageable memory) would stall the host inside the step. Counted where the backend
  // can count (the host CUDA backend), else reported as -1.
  const bool no_waits = !waits.counted() || launch_waits == 0;
  // The recorded run launched one recording from its second step on (where the backend records:
  // the tests' emulated GPU does not), and followed the plain one.
  const bool recorded_ok = rec_worst <= kFp32Tol &&
                           (!DeviceRecords() || (rec.recordings() == 1 && rec.last_run_recorded()));
  std::printf("{\"check\": \"train_free_run\", \"model\": \"%s\", \"steps\": %d, \"losses_gpu_cpu\": "
              "[%s], \"persistables_rel_l2\": %.3g, \"worst\": \"%s\", "
              "\"first_step_divergence\": \"%s\", \"host_waits_in_launches\": %ld, "
              "\"recordings\": %d, \"recorded_loss_rel_max\": %.3g, \"ok\": %s}\n",
              spec.name.c_str(), steps, losses.c_str(), worst_param, worst_name.c_str(),
              first_divergence.c_str(), waits.counted() ? launch_waits : -1L, rec.recordings(),
              rec_worst, finite && no_waits && recorded_ok ? "true" : "false");
  failed |= !finite || !no_waits || !recorded_ok;
  std::fflush(stdout);
}

void Bench(const ModelSpec& spec, std::shared_ptr<const pd::Program> program,
           const std::vector<int>& batches, float lr) {
  const Roles roles = FindRoles(*program);
  // With --amp the step runs once per batch, its float32 ops exact (PyTorch's autocast rows).
  for (bool tf32 : amp ? std::vector<bool>{false} : std::vector<bool>{false, true}) {
    for (int batch : batches) {
      const pd::ExecConfig config = GpuConfig(tf32);
      // The pool as this row grows it: the rows before it gave their blocks back.
      pd::AllocatorFor(config.place).ReleaseCached();
      pd::Scope scope;
      Seed(*program, lr, &scope);
      const Batch b = MakeBatch(spec, roles.classes, batch, 7);
      Feed(roles, b, &scope);
      pd::MoveOpInputsTo(*program, &scope, config.place);
      pd::Executor exec(program, &scope, config);
      exec.set_free_intermediates(true);
      exec.set_record_runs(record);
      for (int i = 0; i < 3; ++i) exec.Run();  // algorithm search, pool growth (and recording)
      exec.ResetProfile();
      pd::Allocator& pool = pd::AllocatorFor(config.place);
      pool.ResetPeak();  // the timed steps' own high-water mark
      using Clock = std::chrono::steady_clock;
      std::vector<double> ms;
      // Per step: the whole step (queued, then waited for, as Run does) and the host's part,
      // the time to queue it: a step whose host part comes near the whole is bound by the host.
      std::vector<double> host_ms;
      const auto since = [](Clock::time_point t) {
        return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
      };
      for (int i = 0; i < 10; ++i) {
        const auto t0 = Clock::now();
        exec.Launch();
        host_ms.push_back(since(t0));
        exec.Wait();
        ms.push_back(since(t0));
      }
      std::sort(ms.begin(), ms.end());
      std::sort(host_ms.begin(), host_ms.end());
      const double med = ms[ms.size() / 2], host_med = host_ms[host_ms.size() / 2];
      const auto mem = pool.stats();
      // A timing of a step that computes garbage is no timing: the last loss must be finite.
      const std::vector<float> loss = Values(exec, scope, roles.loss);
      const bool finite = !loss.empty() && std::isfinite(loss[0]);
      failed |= !finite;
      std::printf("{\"framework\": \"gohub\", \"model\": \"%s\", \"train\": true, \"batch\": %d, "
                  "\"precision\": \"%s\", \"ms_per_step\": %.3f, \"host_ms_per_step\": %.3f, "
                  "\"images_per_s\": %.1f, "
                  "\"gpu_mib_peak\": %.0f, \"gpu_mib_in_use\": %.0f, \"gpu_mib_cached\": %.0f, "
                  "\"last_loss\": %.6g, \"recorded\": %s, \"ok\": %s}\n",
                  spec.name.c_str(), batch, amp ? "amp_bf16" : tf32 ? "tf32" : "fp32", med,
                  host_med, batch * 1e3 / med, mem.peak_in_use / 1048576.0,
                  mem.in_use / 1048576.0, mem.cached / 1048576.0, loss.empty() ? NAN : loss[0],
                  exec.last_run_recorded() ? "true" : "false", finite ? "true" : "false");
      std::fflush(stdout);
    }
  }
}

// The program with its convolutions, matrix products and their gradients marked bfloat16
// (framework.Bfloat16Ops: what RunConfig.AMP does before the backward pass is appended; these
// programs have theirs already).
std::shared_ptr<const pd::Program> MarkBf16(const pd::Program& program) {
  static const std::set<std::string> kMarked = {
      "conv2d",    "conv2d_grad",    "mul",       "mul_grad",
      "matmul",    "matmul_grad",    "matmul_v2", "matmul_v2_grad"};
  pd::proto::ProgramDesc desc = program.desc();
  for (auto& op : *desc.mutable_blocks(0)->mutable_ops()) {
    if (kMarked.count(op.type()) == 0) continue;
    pd::proto::OpDesc::Attr* attr = nullptr;  // Paddle's programs carry it, as "float32"
    for (auto& a : *op.mutable_attrs())
      if (a.name() == "mkldnn_data_type") attr = &a;
    if (attr == nullptr) attr = op.add_attrs();
    attr->set_name("mkldnn_data_type");
    attr->set_type(pd::proto::STRING);
    attr->set_s("bfloat16");
  }
  return pd::Program::FromDesc(desc, "program marked bfloat16");
}

}  // namespace

int main(int argc, char** argv) {
  bool bench = false;
  int steps = 10, op_steps = 3, batch = 8;
  float lr = 0.01f;
  std::vector<int> batches{64, 128};
  std::vector<ModelSpec> specs;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const bool has_value = i + 1 < argc;
    if (a == "--bench") {
      bench = true;
    } else if (a == "--amp") {
      amp = true;
    } else if (a == "--record") {
      record = true;
    } else if (a == "--steps" && has_value) {
      steps = std::atoi(argv[++i]);
    } else if (a == "--op-steps" && has_value) {
      op_steps = std::atoi(argv[++i]);
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
    pd::LoadCudaBackend();
  } catch (const std::exception& e) {
    std::printf("{\"error\": \"%s\"}\n", e.what());
    return 1;
  }
  std::printf("{\"gpu_info\": \"%s\"}\n", pd::CudaBackendInfo().c_str());
  for (const ModelSpec& spec : specs) {
    try {
      // What a GPU training executor runs (PD_ExecutorCreateGpu): the program with the fusions
      // whose ops have GPU kernels; the CPU side runs the same ops.
      auto program = pd::OptimizeForTraining(
          *pd::Program::Parse(ReadAll(spec.program_file), spec.program_file), false);
      if (amp) program = MarkBf16(*program);
      for (const pd::OpView& op : program->ops()) op.AllInputs(), op.AllOutputs();
      if (bench) {
        Bench(spec, program, batches, lr);
      } else {
        CheckOps(spec, program, batch, op_steps, lr);
        FreeRun(spec, program, batch, steps, lr);
      }
    } catch (const std::exception& e) {
      std::printf("{\"error\": \"%s: %s\"}\n", spec.name.c_str(), e.what());
      failed = true;
    }
    std::fflush(stdout);
  }
  return failed ? 1 : 0;
}
