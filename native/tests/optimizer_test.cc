// The optimizer ops in place, as a training program runs them: every output names its input
// (ParamOut = Param, VelocityOut = Velocity, Moment1Out = Moment1, Beta1PowOut = Beta1Pow...).
// Each optimizer golden case of testdata/ops (written by real Paddle, where the outputs are new
// variables) is replayed with its op rewritten that way, and the inputs must come out holding
// Paddle's outputs, in the same tensors. The cases' worst errors are printed for both runs.
// Plus the clear failures for what the kernels do not do (lazy_mode, MasterParam, amsgrad).
#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "case_runner.h"
#include "test_util.h"

namespace pd::test {
namespace {

const std::set<std::string> kOptimizers = {"sgd", "momentum", "adam", "adamw"};

std::vector<std::string> OptimizerCases() {
  std::vector<std::string> out;
  const std::string root = TestdataDir("ops");
  for (const std::string& name : CaseDirs(root)) {
    const Json meta = Json::Parse(::pd::testing::ReadBytes(root + "/" + name + "/case.json"));
    for (const Json& op : meta["ops"].array()) {
      if (kOptimizers.count(op.str())) out.push_back(name);
    }
  }
  return out;
}

class OptimizerCase : public ::testing::TestWithParam<std::string> {};

TEST_P(OptimizerCase, InPlaceMatchesPaddle) {
  const std::string dir = TestdataDir("ops") + "/" + GetParam();
  const Json meta = Json::Parse(::pd::testing::ReadBytes(dir + "/case.json"));
  const double rtol = meta["tolerance"]["rtol"].number();
  const double atol = meta["tolerance"]["atol"].number();

  // The predictor run (outputs are new variables), for the worst error of the plain case.
  PredictorOptions options;
  options.model.prog_file = dir + "/model.pdmodel";
  auto predictor = Predictor::Create(std::move(options));
  FeedInputs(*predictor, meta, dir);
  predictor->Run();
  const double plain_err = CompareVars(*predictor, meta, "outputs", dir);

  // The same op with each "<X>Out" slot writing its input X.
  auto saved = Program::Parse(::pd::testing::ReadBytes(dir + "/model.pdmodel"), dir);
  const OpView* opt = nullptr;
  for (const OpView& op : saved->ops()) {
    if (kOptimizers.count(op.type())) opt = &op;
  }
  ASSERT_NE(opt, nullptr);
  proto::OpDesc desc = opt->desc();
  std::map<std::string, std::string> written_to;  // Paddle's output var -> our input var
  for (auto& out : *desc.mutable_outputs()) {
    const std::string slot = out.parameter();
    if (slot.size() < 4 || slot.substr(slot.size() - 3) != "Out" || out.arguments_size() != 1)
      continue;
    const std::string in_slot = slot.substr(0, slot.size() - 3);
    if (opt->Input(in_slot).empty()) continue;
    written_to[out.arguments(0)] = opt->Input(in_slot);
    out.set_arguments(0, opt->Input(in_slot));
  }
  ASSERT_FALSE(written_to.empty());

  Scope scope;
  for (const Json& j : meta["inputs"].array()) {
    const TensorSpec spec = ReadSpec(j, dir);
    Tensor* t = scope.Var(spec.name);
    t->Resize(spec.dims);
    std::memcpy(t->mutable_data(spec.dtype), spec.bytes.data(), spec.bytes.size());
  }
  std::map<std::string, const Tensor*> before;
  for (const auto& [from, to] : written_to) before[to] = scope.FindLocal(to);

  proto::ProgramDesc prog;
  auto* block = prog.add_blocks();
  block->set_idx(0);
  block->set_parent_idx(-1);
  *block->add_ops() = desc;
  Executor exec(Program::Parse(prog.SerializeAsString(), "in-place " + GetParam()), &scope,
                ExecConfig{});
  exec.Run();

  double inplace_err = 0;
  for (const Json& j : meta["outputs"].array()) {
    const TensorSpec spec = ReadSpec(j, dir);
    ASSERT_TRUE(written_to.count(spec.name)) << spec.name << " is no <X>Out of an input X";
    const std::string& var = written_to[spec.name];
    EXPECT_EQ(scope.FindLocal(var), before[var]) << var << " was replaced, not updated";
    double err = 0;
    EXPECT_TRUE(CompareTensor(*scope.FindLocal(var), spec, rtol, atol, &err))
        << GetParam() << ": in place, " << var << " (Paddle's " << spec.name << ")";
    inplace_err = std::max(inplace_err, err);
  }
  std::printf("  %-24s worst abs error: %.3g (new outputs), %.3g (in place); rtol %g atol %g\n",
              GetParam().c_str(), plain_err, inplace_err, rtol, atol);
}

INSTANTIATE_TEST_SUITE_P(Optimizers, OptimizerCase, ::testing::ValuesIn(OptimizerCases()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param;
                         });
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(OptimizerCase);

// An adam/adamw op over a fresh scope of 2-element float tensors; the tensor MasterParam
// is only made when the op names it.
void RunAdam(const OpBuilder& op) {
  Scope scope;
  for (const char* v : {"p", "g", "m1", "m2", "mp"}) SetTensor<float>(&scope, v, {2}, {0.5f, -0.5f});
  SetTensor<float>(&scope, "lr", {1}, {0.1f});
  SetTensor<float>(&scope, "b1", {1}, {0.9f});
  SetTensor<float>(&scope, "b2", {1}, {0.999f});
  RunOp(op, &scope);
}

OpBuilder Adam(const std::string& type) {
  return OpBuilder(type).In("Param", {"p"}).In("Grad", {"g"}).In("LearningRate", {"lr"})
      .In("Moment1", {"m1"}).In("Moment2", {"m2"}).In("Beta1Pow", {"b1"}).In("Beta2Pow", {"b2"})
      .Out("ParamOut", {"p"}).Out("Moment1Out", {"m1"}).Out("Moment2Out", {"m2"})
      .Out("Beta1PowOut", {"b1"}).Out("Beta2PowOut", {"b2"});
}

void ExpectFailure(const OpBuilder& op, const std::string& words) {
  try {
    RunAdam(op);
    ADD_FAILURE() << "no failure; wanted one naming " << words;
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find(words), std::string::npos) << e.what();
  }
}

TEST(Optimizers, UnsupportedModesFailClearly) {
  ExpectFailure(Adam("adam").Bool("lazy_mode", true), "lazy_mode");
  ExpectFailure(Adam("adamw").Bool("lazy_mode", true), "lazy_mode");
  ExpectFailure(Adam("adam").Bool("amsgrad", true), "amsgrad");
  ExpectFailure(Adam("adam").Bool("multi_precision", true), "MasterParam / multi_precision");
  ExpectFailure(Adam("adamw").In("MasterParam", {"mp"}).Out("MasterParamOut", {"mp"}),
                "MasterParam / multi_precision");
  ExpectFailure(OpBuilder("momentum").In("Param", {"p"}).In("Grad", {"g"}).In("Velocity", {"m1"})
                    .In("LearningRate", {"lr"}).Out("ParamOut", {"p"}).Out("VelocityOut", {"m1"})
                    .String("regularization_method", "l1_decay"),
                "regularization_method");
}

// merged_momentum with one learning rate for all and rescale_grad 0.5 against momentum ops fed
// the halved gradients (halving is exact), Nesterov and L2 decay on the first parameter only.
TEST(Optimizers, MergedMomentumIsMomentumPerParameter) {
  const auto fill = [](Scope* scope) {
    SetTensor<float>(scope, "lr", {1}, {0.1f});
    SetTensor<float>(scope, "p0", {3}, {0.5f, -1.25f, 2.0f});
    SetTensor<float>(scope, "v0", {3}, {0.125f, 0.0f, -0.75f});
    SetTensor<float>(scope, "g0", {3}, {1.5f, -0.25f, 0.375f});
    SetTensor<float>(scope, "p1", {2}, {-0.5f, 3.0f});
    SetTensor<float>(scope, "v1", {2}, {0.25f, 1.0f});
    SetTensor<float>(scope, "g1", {2}, {-2.0f, 0.625f});
  };
  Scope merged;
  fill(&merged);
  RunOp(OpBuilder("merged_momentum")
            .In("Param", {"p0", "p1"}).In("Grad", {"g0", "g1"}).In("Velocity", {"v0", "v1"})
            .In("LearningRate", {"lr"}).Out("ParamOut", {"p0", "p1"})
            .Out("VelocityOut", {"v0", "v1"}).Float("mu", 0.9f).Bool("use_nesterov", true)
            .Float("rescale_grad", 0.5f)
            .Floats("regularization_coeff", {0.01f, 0.0f})
            .Strings("regularization_method", {"l2_decay", ""}),
        &merged);
  Scope single;
  fill(&single);
  SetTensor<float>(&single, "g0", {3}, {0.75f, -0.125f, 0.1875f});
  SetTensor<float>(&single, "g1", {2}, {-1.0f, 0.3125f});
  for (int i = 0; i < 2; ++i) {
    const std::string k = std::to_string(i);
    OpBuilder op("momentum");
    op.In("Param", {"p" + k}).In("Grad", {"g" + k}).In("Velocity", {"v" + k})
        .In("LearningRate", {"lr"}).Out("ParamOut", {"p" + k}).Out("VelocityOut", {"v" + k})
        .Float("mu", 0.9f).Bool("use_nesterov", true);
    if (i == 0) op.String("regularization_method", "l2_decay").Float("regularization_coeff", 0.01f);
    RunOp(op, &single);
  }
  for (const char* v : {"p0", "v0", "p1", "v1"})
    EXPECT_EQ(GetTensor<float>(merged, v), GetTensor<float>(single, v)) << v;
}

// merged_adam with a learning rate per parameter against adam ops, powers advanced in place.
TEST(Optimizers, MergedAdamIsAdamPerParameter) {
  const auto fill = [](Scope* scope) {
    SetTensor<float>(scope, "lr0", {1}, {0.1f});
    SetTensor<float>(scope, "lr1", {1}, {0.02f});
    SetTensor<float>(scope, "p0", {3}, {0.5f, -1.25f, 2.0f});
    SetTensor<float>(scope, "g0", {3}, {1.5f, -0.25f, 0.375f});
    SetTensor<float>(scope, "a0", {3}, {0.125f, 0.0f, -0.75f});
    SetTensor<float>(scope, "s0", {3}, {0.5f, 0.25f, 1.0f});
    SetTensor<float>(scope, "p1", {2}, {-0.5f, 3.0f});
    SetTensor<float>(scope, "g1", {2}, {-2.0f, 0.625f});
    SetTensor<float>(scope, "a1", {2}, {0.25f, 1.0f});
    SetTensor<float>(scope, "s1", {2}, {0.0625f, 2.0f});
    for (const char* b : {"b1_0", "b1_1"}) SetTensor<float>(scope, b, {1}, {0.81f});
    for (const char* b : {"b2_0", "b2_1"}) SetTensor<float>(scope, b, {1}, {0.998f});
  };
  const auto attrs = [](OpBuilder& op) {
    op.Float("beta1", 0.9f).Float("beta2", 0.999f).Float("epsilon", 1e-6f);
  };
  Scope merged;
  fill(&merged);
  OpBuilder m("merged_adam");
  m.In("Param", {"p0", "p1"}).In("Grad", {"g0", "g1"}).In("LearningRate", {"lr0", "lr1"})
      .In("Moment1", {"a0", "a1"}).In("Moment2", {"s0", "s1"})
      .In("Beta1Pow", {"b1_0", "b1_1"}).In("Beta2Pow", {"b2_0", "b2_1"})
      .Out("ParamOut", {"p0", "p1"}).Out("Moment1Out", {"a0", "a1"}).Out("Moment2Out", {"s0", "s1"})
      .Out("Beta1PowOut", {"b1_0", "b1_1"}).Out("Beta2PowOut", {"b2_0", "b2_1"});
  attrs(m);
  RunOp(m, &merged);
  Scope single;
  fill(&single);
  for (int i = 0; i < 2; ++i) {
    const std::string k = std::to_string(i);
    OpBuilder op("adam");
    op.In("Param", {"p" + k}).In("Grad", {"g" + k}).In("LearningRate", {"lr" + k})
        .In("Moment1", {"a" + k}).In("Moment2", {"s" + k}).In("Beta1Pow", {"b1_" + k})
        .In("Beta2Pow", {"b2_" + k}).Out("ParamOut", {"p" + k}).Out("Moment1Out", {"a" + k})
        .Out("Moment2Out", {"s" + k}).Out("Beta1PowOut", {"b1_" + k})
        .Out("Beta2PowOut", {"b2_" + k});
    attrs(op);
    RunOp(op, &single);
  }
  for (const char* v : {"p0", "a0", "s0", "b1_0", "b2_0", "p1", "a1", "s1", "b1_1", "b2_1"})
    EXPECT_EQ(GetTensor<float>(merged, v), GetTensor<float>(single, v)) << v;
  EXPECT_NE(GetTensor<float>(merged, "b1_1")[0], 0.81f) << "the powers advance";
}

TEST(Optimizers, MergedMomentumListsMustMatch) {
  Scope scope;
  for (const char* v : {"p0", "g0", "v0", "p1", "g1", "v1"}) SetTensor<float>(&scope, v, {2}, {1, 2});
  SetTensor<float>(&scope, "lr", {1}, {0.1f});
  const auto op = [] {
    return OpBuilder("merged_momentum").In("Param", {"p0", "p1"}).In("Grad", {"g0", "g1"})
        .In("LearningRate", {"lr"}).Out("ParamOut", {"p0", "p1"}).Out("VelocityOut", {"v0", "v1"});
  };
  ExpectError([&] { RunOp(op().In("Velocity", {"v0"}), &scope); }, {"1 Velocity for 2 Param"});
  ExpectError([&] {
    RunOp(op().In("Velocity", {"v0", "v1"}).Strings("regularization_method", {"l2_decay"})
              .Floats("regularization_coeff", {0.1f}), &scope);
  }, {"regularization_method", "for 2 Param"});
}

}  // namespace
}  // namespace pd::test
