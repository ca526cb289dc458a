#include "io/lite_program.h"

#include "framework/error.h"

namespace pd::lite {

namespace {

proto::OpDesc::Attr* FindAttr(proto::OpDesc* op, const std::string& name) {
  for (auto& a : *op->mutable_attrs())
    if (a.name() == name) return &a;
  return nullptr;
}

bool BoolAttr(proto::OpDesc* op, const std::string& name) {
  const proto::OpDesc::Attr* a = FindAttr(op, name);
  if (a == nullptr) return false;
  return a->type() == proto::BOOLEAN ? a->b() : a->i() != 0;
}

float FloatAttr(proto::OpDesc* op, const std::string& name, float def) {
  const proto::OpDesc::Attr* a = FindAttr(op, name);
  return a != nullptr && a->type() == proto::FLOAT ? a->f() : def;
}

std::string StringAttr(proto::OpDesc* op, const std::string& name) {
  const proto::OpDesc::Attr* a = FindAttr(op, name);
  return a != nullptr && a->type() == proto::STRING ? a->s() : std::string();
}

void Set(proto::OpDesc* op, const std::string& name, const std::string& v) {
  proto::OpDesc::Attr* a = FindAttr(op, name);
  if (a == nullptr) a = op->add_attrs();
  a->Clear();
  a->set_name(name);
  a->set_type(proto::STRING);
  a->set_s(v);
}

void Set(proto::OpDesc* op, const std::string& name, float v) {
  proto::OpDesc::Attr* a = FindAttr(op, name);
  if (a == nullptr) a = op->add_attrs();
  a->Clear();
  a->set_name(name);
  a->set_type(proto::FLOAT);
  a->set_f(v);
}

// Lite's conv activation (with_act, act_type and its ActivationParam attributes) as the
// fuse_* attributes with the meaning passes/conv_act_fuse.cc gives them.
void AdaptConvActivation(proto::OpDesc* op, const std::string& where) {
  if (!StringAttr(op, "fuse_activation").empty()) return;  // already in our form
  std::string act;
  if (FindAttr(op, "with_act") != nullptr) {
    if (BoolAttr(op, "with_act")) act = StringAttr(op, "act_type");
  } else if (BoolAttr(op, "fuse_relu")) {
    act = "relu";  // older programs: only the Fluid MKLDNN flag
  }
  if (act.empty()) return;
  float alpha = 0.f, beta = 0.f;
  if (act == "relu6") {
    beta = FloatAttr(op, "fuse_brelu_threshold", 6.f);
  } else if (act == "leaky_relu") {
    alpha = FloatAttr(op, "leaky_relu_alpha", 0.02f);
  } else if (act != "relu" && act != "sigmoid" && act != "tanh") {
    Fail(where, ": Lite fused the activation '", act,
         "' into this conv, which is not supported (relu, relu6, leaky_relu, sigmoid, tanh are)");
  }
  Set(op, "fuse_activation", act);
  Set(op, "fuse_alpha", alpha);
  Set(op, "fuse_beta", beta);
}

}  // namespace

void AdaptLiteOps(proto::ProgramDesc* program, const std::string& origin) {
  for (int b = 0; b < program->blocks_size(); ++b) {
    auto* ops = program->mutable_blocks(b)->mutable_ops();
    for (int i = 0; i < ops->size(); ++i) {
      proto::OpDesc* op = ops->Mutable(i);
      const std::string& t = op->type();
      if (t == "conv2d" || t == "depthwise_conv2d" || t == "conv2d_transpose") {
        AdaptConvActivation(op, StrCat(origin, ", block ", b, ", op #", i, " (", t, ")"));
      }
    }
  }
}

}  // namespace pd::lite
