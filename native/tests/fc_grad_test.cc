// fc_grad (kernels/math_grad.cc). Paddle's fc has no gradient (it only appears in inference
// programs, made by a fusion pass), so there is no Paddle backward program to replay. The
// oracle cases fc_relu_unfused and fc_linear_unfused hold Paddle's gradients of the unfused
// form (mul + elementwise_add [+ relu]); here those ops are fused into one fc op in the forward
// program, our AppendBackward differentiates it, and the loss and every parameter and feed
// gradient must match Paddle's.
#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "case_runner.h"
#include "framework/backward.h"
#include "framework/executor.h"
#include "test_util.h"

namespace pd::test {
namespace {

using ::pd::testing::ReadBytes;

const proto::OpDesc::Var* Slot(const google::protobuf::RepeatedPtrField<proto::OpDesc::Var>& vars,
                               const std::string& name) {
  for (const auto& v : vars)
    if (v.parameter() == name) return &v;
  return nullptr;
}

std::string Arg(const proto::OpDesc& op, bool input, const std::string& slot) {
  const auto* v = Slot(input ? op.inputs() : op.outputs(), slot);
  return v != nullptr && v->arguments_size() > 0 ? v->arguments(0) : "";
}

// Replaces the leading mul, elementwise_add [, relu] of block 0 with one fc op.
void FuseLeadingFc(proto::ProgramDesc* program) {
  auto* ops = program->mutable_blocks(0)->mutable_ops();
  ASSERT_GE(ops->size(), 2);
  const proto::OpDesc mul = ops->Get(0), add = ops->Get(1);
  ASSERT_EQ(mul.type(), "mul");
  ASSERT_EQ(add.type(), "elementwise_add");
  const bool relu = ops->size() > 2 && ops->Get(2).type() == "relu";
  const std::string out = relu ? Arg(ops->Get(2), false, "Out") : Arg(add, false, "Out");
  int64_t in_num_col_dims = 1;
  for (const auto& a : mul.attrs())
    if (a.name() == "x_num_col_dims") in_num_col_dims = a.i();

  proto::OpDesc fc;
  fc.set_type("fc");
  auto slot = [](google::protobuf::RepeatedPtrField<proto::OpDesc::Var>* vars,
                 const std::string& name, const std::string& arg) {
    auto* v = vars->Add();
    v->set_parameter(name);
    v->add_arguments(arg);
  };
  slot(fc.mutable_inputs(), "Input", Arg(mul, true, "X"));
  slot(fc.mutable_inputs(), "W", Arg(mul, true, "Y"));
  slot(fc.mutable_inputs(), "Bias", Arg(add, true, "Y"));
  slot(fc.mutable_outputs(), "Out", out);
  auto* a = fc.add_attrs();
  a->set_name("in_num_col_dims");
  a->set_type(proto::INT);
  a->set_i(static_cast<int32_t>(in_num_col_dims));
  a = fc.add_attrs();
  a->set_name("activation_type");
  a->set_type(proto::STRING);
  a->set_s(relu ? "relu" : "");

  ops->erase(ops->begin(), ops->begin() + (relu ? 3 : 2));
  *ops->Add() = fc;
  // Move the fc op to the front: it feeds the rest.
  for (int i = ops->size() - 1; i > 0; --i) ops->SwapElements(i, i - 1);
}

class FcGrad : public ::testing::TestWithParam<std::string> {};

TEST_P(FcGrad, FusedFcMatchesPaddlesUnfusedGradients) {
  const std::string dir = TestdataDir("grads") + "/" + GetParam();
  const Json meta = Json::Parse(ReadBytes(dir + "/case.json"));
  proto::ProgramDesc forward;
  ASSERT_TRUE(forward.ParseFromString(ReadBytes(dir + "/forward.pdmodel")));
  FuseLeadingFc(&forward);
  ASSERT_EQ(forward.blocks(0).ops(0).type(), "fc");
  AppendBackward(&forward, meta["loss"].str());
  bool has_fc_grad = false;
  for (const auto& op : forward.blocks(0).ops()) has_fc_grad |= op.type() == "fc_grad";
  EXPECT_TRUE(has_fc_grad);

  Scope scope;
  for (const char* key : {"feeds", "params"}) {
    for (const Json& j : meta[key].array()) {
      const TensorSpec spec = ReadSpec(j, dir);
      Tensor* t = scope.Var(spec.name);
      t->Resize(spec.dims);
      std::memcpy(t->mutable_data(spec.dtype), spec.bytes.data(), spec.bytes.size());
    }
  }
  Executor exec(Program::FromDesc(forward, "fused fc"), &scope, ExecConfig{});
  exec.Run();
  double worst = 0;
  for (const Json& j : meta["outputs"].array()) {
    const TensorSpec spec = ReadSpec(j, dir);
    const Tensor* got = scope.FindLocal(spec.name);
    ASSERT_TRUE(got != nullptr && got->initialized()) << spec.name;
    double err = 0;
    EXPECT_TRUE(CompareTensor(*got, spec, meta["tolerance"]["rtol"].number(),
                              meta["tolerance"]["atol"].number(), &err))
        << spec.name;
    worst = std::max(worst, err);
  }
  std::cout << "[ grads    ] " << GetParam() << " fused into fc: worst error " << worst << "\n";
}

INSTANTIATE_TEST_SUITE_P(FcGradCases, FcGrad,
                         ::testing::Values("fc_relu_unfused", "fc_linear_unfused"),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param;
                         });

}  // namespace
}  // namespace pd::test
