// Helpers for the kernel tests: build a one-op program in code, put tensors into a scope, run
// it through the real executor, and read results back.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "framework/cuda_backend.h"
#include "framework/device.h"
#include "framework/error.h"
#include "framework/executor.h"
#include "framework/program.h"
#include "framework/scope.h"
#include "random_floats.h"

namespace pd::test {

// One OpDesc, built fluently: OpBuilder("mul").In("X", {"x"}).Out("Out", {"y"}).Int("axis", 1).
class OpBuilder {
 public:
  explicit OpBuilder(const std::string& type) { desc_.set_type(type); }

  OpBuilder& In(const std::string& slot, const std::vector<std::string>& names) {
    Slot(desc_.add_inputs(), slot, names);
    return *this;
  }
  OpBuilder& Out(const std::string& slot, const std::vector<std::string>& names) {
    Slot(desc_.add_outputs(), slot, names);
    return *this;
  }
  OpBuilder& Int(const std::string& name, int32_t v) {
    NewAttr(name, proto::INT)->set_i(v);
    return *this;
  }
  OpBuilder& Long(const std::string& name, int64_t v) {
    NewAttr(name, proto::LONG)->set_l(v);
    return *this;
  }
  OpBuilder& Float(const std::string& name, float v) {
    NewAttr(name, proto::FLOAT)->set_f(v);
    return *this;
  }
  OpBuilder& Bool(const std::string& name, bool v) {
    NewAttr(name, proto::BOOLEAN)->set_b(v);
    return *this;
  }
  OpBuilder& String(const std::string& name, const std::string& v) {
    NewAttr(name, proto::STRING)->set_s(v);
    return *this;
  }
  OpBuilder& Ints(const std::string& name, const std::vector<int32_t>& v) {
    auto* a = NewAttr(name, proto::INTS);
    for (int32_t x : v) a->add_ints(x);
    return *this;
  }

  OpBuilder& Floats(const std::string& name, const std::vector<float>& v) {
    auto* a = NewAttr(name, proto::FLOATS);
    for (float x : v) a->add_floats(x);
    return *this;
  }

  OpBuilder& Strings(const std::string& name, const std::vector<std::string>& v) {
    auto* a = NewAttr(name, proto::STRINGS);
    for (const std::string& x : v) a->add_strings(x);
    return *this;
  }

  // Another op's attributes, as a grad op carries its forward op's.
  OpBuilder& AttrsOf(const OpBuilder& other) {
    for (const auto& a : other.desc_.attrs()) *desc_.add_attrs() = a;
    return *this;
  }

  const proto::OpDesc& desc() const { return desc_; }

 private:
  static void Slot(proto::OpDesc::Var* var, const std::string& slot,
                   const std::vector<std::string>& names) {
    var->set_parameter(slot);
    for (const auto& n : names) var->add_arguments(n);
  }
  proto::OpDesc::Attr* NewAttr(const std::string& name, proto::AttrType type) {
    auto* a = desc_.add_attrs();
    a->set_name(name);
    a->set_type(type);
    return a;
  }

  proto::OpDesc desc_;
};

// Declares a float32 LoDTensor variable in block, with dims (-1: unknown; none: undeclared).
inline void AddVar(proto::BlockDesc* block, const std::string& name, const Dims& dims,
                   bool persistable) {
  auto* v = block->add_vars();
  v->set_name(name);
  v->set_persistable(persistable);
  v->mutable_type()->set_type(proto::VarType::LOD_TENSOR);
  auto* t = v->mutable_type()->mutable_lod_tensor()->mutable_tensor();
  t->set_data_type(proto::VarType::FP32);
  for (int64_t d : dims) t->add_dims(d);
}

// The main block (0, no parent) added to prog.
inline proto::BlockDesc* AddMainBlock(proto::ProgramDesc* prog) {
  auto* block = prog->add_blocks();
  block->set_idx(0);
  block->set_parent_idx(-1);
  return block;
}

// A one-block program of ops, in order, serialized and parsed as a model's would be.
inline std::shared_ptr<const Program> ProgramOf(const std::vector<OpBuilder>& ops) {
  proto::ProgramDesc prog;
  auto* block = AddMainBlock(&prog);
  for (const OpBuilder& op : ops) *block->add_ops() = op.desc();
  return Program::Parse(prog.SerializeAsString(), "test program");
}

// Runs the op over scope the way a predictor would: serialized, parsed, executed, with the given
// math threads.
inline void RunOp(const OpBuilder& op, Scope* scope, int threads = 1) {
  ExecConfig config;
  config.num_threads = threads;
  Executor exec(ProgramOf({op}), scope, config);
  exec.Run();
}

// The GPU that GOHUB_TEST_GPU names, its CUDA backend loaded: ctest's OnTheHostCuda suites set
// it (the host CUDA backend), scripts/device/check.sh names a real GPU. -1 when it is unset,
// where the GPU-only tests skip.
inline int TestGpu() {
  const char* gpu = std::getenv("GOHUB_TEST_GPU");
  if (gpu == nullptr || *gpu == '\0') return -1;
  LoadCudaBackend();
  return std::atoi(gpu);
}

// The values of t as float32 on the host, whatever its place and layout.
inline std::vector<float> HostValues(const Tensor& t) {
  Tensor host;
  const Tensor& h = PlainOnHost(t, &host);
  return std::vector<float>(h.data<float>(), h.data<float>() + h.numel());
}

template <typename T>
void SetTensor(Scope* scope, const std::string& name, const Dims& dims, const std::vector<T>& v,
               const LoD& lod = {}) {
  ASSERT_EQ(Numel(dims), static_cast<int64_t>(v.size())) << name;
  Tensor* t = scope->Var(name);
  t->Resize(dims);
  T* p = t->mutable_data<T>();
  for (size_t i = 0; i < v.size(); ++i) p[i] = v[i];
  t->set_lod(lod);
}

template <typename T>
std::vector<T> GetTensor(const Scope& scope, const std::string& name) {
  const Tensor* t = scope.Find(name);
  if (t == nullptr || !t->initialized()) {
    ADD_FAILURE() << "tensor " << name << " is missing or empty";
    return {};
  }
  const T* p = t->data<T>();
  return std::vector<T>(p, p + t->numel());
}

inline const Tensor& Get(const Scope& scope, const std::string& name) {
  const Tensor* t = scope.Find(name);
  if (t == nullptr) throw Error("no tensor " + name);
  return *t;
}

// Runs fn and expects a pd::Error whose message contains every one of parts.
inline void ExpectError(const std::function<void()>& fn, const std::vector<std::string>& parts) {
  try {
    fn();
  } catch (const Error& e) {
    const std::string msg = e.what();
    for (const auto& p : parts) EXPECT_NE(msg.find(p), std::string::npos) << "message: " << msg;
    return;
  }
  ADD_FAILURE() << "expected a pd::Error";
}

// Element-wise comparison with a relative-or-absolute tolerance.
inline void ExpectNear(const std::vector<float>& got, const std::vector<float>& want,
                       float tol = 1e-5f) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    const float scale = std::max(1.0f, std::abs(want[i]));
    EXPECT_NEAR(got[i], want[i], tol * scale) << "at index " << i;
  }
}

}  // namespace pd::test
