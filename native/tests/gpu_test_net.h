// Small training programs for the GPU tests, built as a GPU training executor runs them
// (backward appended, the training passes applied), and their input and parameters.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "framework/backward.h"
#include "framework/device.h"
#include "framework/executor.h"
#include "passes/passes.h"
#include "random_floats.h"
#include "test_util.h"

namespace pd::test {

constexpr int64_t kBatch = 2, kIn = 3, kOut = 8, kSide = 6;

// A training program's forward ops: convolutions marked for bfloat16 as training's AMP marks
// them, and batch norms in training mode.
class Net {
 public:
  Net() : block_(AddMainBlock(&prog_)) {}

  void Declare(const std::string& name, bool persistable = false) {
    AddVar(block_, name, {}, persistable);
  }
  void Add(const OpBuilder& op) { *block_->add_ops() = op.desc(); }
  void Conv(const std::string& in, const std::string& w, const std::string& out) {
    Declare(w, true);
    Declare(out);
    Add(OpBuilder("conv2d").In("Input", {in}).In("Filter", {w}).Out("Output", {out})
            .Ints("strides", {1, 1}).Ints("paddings", {1, 1}).Ints("dilations", {1, 1})
            .Int("groups", 1).String("mkldnn_data_type", "bfloat16"));
  }
  void Norm(const std::string& in, const std::string& out, const std::string& k) {
    for (const char* p : {"scale", "bias", "mean", "var"}) Declare(p + k, true);
    for (const std::string& v : {out, "saved_mean" + k, "saved_var" + k}) Declare(v);
    Add(OpBuilder("batch_norm").In("X", {in}).In("Scale", {"scale" + k}).In("Bias", {"bias" + k})
            .In("Mean", {"mean" + k}).In("Variance", {"var" + k}).Out("Y", {out})
            .Out("MeanOut", {"mean" + k}).Out("VarianceOut", {"var" + k})
            .Out("SavedMean", {"saved_mean" + k}).Out("SavedVariance", {"saved_var" + k})
            .Float("epsilon", 1e-5f).Float("momentum", 0.9f).Bool("is_test", false));
  }
  // Both programs' start: r1 = relu(bn1(conv(x, w1))), b2 = bn2(conv(r1, w2)).
  void Stem() {
    Declare("x");
    Conv("x", "w1", "c1");
    Norm("c1", "b1", "1");
    Declare("r1");
    Add(OpBuilder("relu").In("X", {"b1"}).Out("Out", {"r1"}));
    Conv("r1", "w2", "c2");
    Norm("c2", "b2", "2");
  }
  // Backward by AppendBackward (the parameters' gradients into grads), momentum updates of
  // the parameters named in trained (velocities "<param>_velocity", learning rate "lr"), then
  // the training passes, as a GPU training executor runs it.
  std::shared_ptr<const Program> Train(std::map<std::string, std::string>* grads,
                                       const std::set<std::string>& trained = {}) {
    const BackwardResult result = AppendBackward(&prog_, "loss", {"x"});
    for (const auto& [param, grad] : result.param_grads) (*grads)[param] = grad;
    if (!trained.empty()) Declare("lr", true);
    for (const auto& [param, grad] : result.param_grads) {
      if (!trained.count(param)) continue;
      Declare(param + "_velocity", true);
      Add(OpBuilder("momentum").In("Param", {param}).In("Grad", {grad})
              .In("Velocity", {param + "_velocity"}).In("LearningRate", {"lr"})
              .Out("ParamOut", {param}).Out("VelocityOut", {param + "_velocity"})
              .Float("mu", 0.9f));
    }
    const auto parsed = Program::Parse(prog_.SerializeAsString(), "bfloat16 activations program");
    return OptimizeForTraining(*parsed, /*on_cpu=*/false);
  }

 private:
  proto::ProgramDesc prog_;
  proto::BlockDesc* block_;
};

// A bottleneck's skeleton: r1 = relu(bn1(conv(x, w1))), b2 = bn2(conv(r1, w2)),
// b3 = bn3(conv(r1, w3)) (a projection shortcut; r1's gradient is the sum of the two
// convolutions' data gradients), s = relu(b2 + b3), p = max_pool_2x2(s),
// g = global_avg_pool(p), loss = mean(g) (relu fused into bn1 and into the add by the training
// passes).
inline std::shared_ptr<const Program> TrainingProgram(
    std::map<std::string, std::string>* grads, const std::set<std::string>& trained = {}) {
  Net net;
  net.Stem();
  net.Conv("r1", "w3", "c3");
  net.Norm("c3", "b3", "3");
  for (const char* v : {"a", "s", "p", "g", "loss"}) net.Declare(v);
  net.Add(OpBuilder("elementwise_add").In("X", {"b2"}).In("Y", {"b3"}).Out("Out", {"a"})
              .Int("axis", -1));
  net.Add(OpBuilder("relu").In("X", {"a"}).Out("Out", {"s"}));
  net.Add(OpBuilder("pool2d").In("X", {"s"}).Out("Out", {"p"}).String("pooling_type", "max")
              .Ints("ksize", {2, 2}).Ints("strides", {2, 2}).Ints("paddings", {0, 0}));
  net.Add(OpBuilder("pool2d").In("X", {"p"}).Out("Out", {"g"}).String("pooling_type", "avg")
              .Ints("ksize", {1, 1}).Bool("global_pooling", true));
  net.Add(OpBuilder("mean").In("X", {"g"}).Out("Out", {"loss"}));
  return net.Train(grads, trained);
}

// The input and the parameters of both programs (the bottleneck's leave w4 and bn4's unused).
inline void Fill(Scope* scope) {
  SetTensor(scope, "x", {kBatch, kIn, kSide, kSide}, RandomFloats(kBatch * kIn * kSide * kSide, 1));
  SetTensor(scope, "w1", {kOut, kIn, 3, 3}, RandomFloats(kOut * kIn * 9, 2, -0.5f, 0.5f));
  SetTensor(scope, "w2", {kOut, kOut, 3, 3}, RandomFloats(kOut * kOut * 9, 3, -0.3f, 0.3f));
  SetTensor(scope, "w3", {kOut, kOut, 3, 3}, RandomFloats(kOut * kOut * 9, 4, -0.3f, 0.3f));
  SetTensor(scope, "w4", {kOut, kOut, 3, 3}, RandomFloats(kOut * kOut * 9, 5, -0.3f, 0.3f));
  for (const std::string k : {"1", "2", "3", "4"}) {
    const uint32_t seed = 10 * static_cast<uint32_t>(std::stoi(k));
    SetTensor(scope, "scale" + k, {kOut}, RandomFloats(kOut, seed, 0.5f, 1.5f));
    SetTensor(scope, "bias" + k, {kOut}, RandomFloats(kOut, seed + 1));
    SetTensor(scope, "mean" + k, {kOut}, std::vector<float>(kOut, 0.0f));
    SetTensor(scope, "var" + k, {kOut}, std::vector<float>(kOut, 1.0f));
  }
}

// Fills scope (Fill) and gives it a learning rate and zero velocities for the parameters in
// trained, then a training executor over it on config's place.
inline std::unique_ptr<Executor> StartTraining(const std::shared_ptr<const Program>& program,
                                               Scope* scope, const std::set<std::string>& trained,
                                               const ExecConfig& config) {
  Fill(scope);
  SetTensor(scope, "lr", {1}, std::vector<float>{0.05f});
  for (const std::string& p : trained) {
    const Tensor& param = *scope->FindLocal(p);
    SetTensor(scope, p + "_velocity", param.dims(), std::vector<float>(param.numel(), 0.0f));
  }
  MoveOpInputsTo(*program, scope, config.place);
  return std::make_unique<Executor>(program, scope, config);
}

}  // namespace pd::test
