// Seeded parameter values of a sensible scale, by the role a program gives each persistable
// variable: the GPU checks compare two places on the same values, which need not be trained
// ones, but must keep activations and updates in range (He-normal filters and matrices,
// batch-norm statistics near the identity, optimizer state as a first step finds it).
#pragma once

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <random>
#include <string>

#include "framework/program.h"
#include "framework/tensor.h"

namespace gohub_tools {

struct Role {
  enum Kind { kOther, kFilter, kMatrix, kBnMean, kBnVar, kBnScale, kZero, kConstant } kind = kOther;
  float value = 0;  // kConstant
};

// The role of each persistable the program's ops read; lr is the learning rate optimizers get.
inline std::map<std::string, Role> Roles(const pd::Program& program, float lr) {
  std::map<std::string, Role> role;
  const auto set = [&](const std::string& name, Role::Kind kind, float value = 0) {
    if (!name.empty()) role[name] = Role{kind, value};
  };
  for (const pd::OpView& op : program.ops()) {
    const std::string& t = op.type();
    if (t == "conv2d" || t == "depthwise_conv2d" || t == "conv2d_transpose")
      set(op.Input("Filter"), Role::kFilter);
    if (t == "batch_norm") {
      set(op.Input("Mean"), Role::kBnMean);
      set(op.Input("Variance"), Role::kBnVar);
      set(op.Input("Scale"), Role::kBnScale);
    }
    if (t == "mul" || t == "matmul" || t == "matmul_v2") set(op.Input("Y"), Role::kMatrix);
    if (t == "fc") set(op.Input("W"), Role::kMatrix);
    // The optimizers, one parameter each or merged over lists (passes/optimizer_fuse.cc).
    if (t == "sgd" || t == "momentum" || t == "adam" || t == "adamw" ||
        t == "merged_momentum" || t == "merged_adam") {
      const auto each = [&](const char* slot, Role::Kind kind, float value = 0) {
        for (const std::string& name : op.Inputs(slot)) set(name, kind, value);
      };
      each("LearningRate", Role::kConstant, lr);
      for (const char* slot : {"Velocity", "Moment1", "Moment2"}) each(slot, Role::kZero);
      each("Beta1Pow", Role::kConstant, op.GetFloat("beta1", 0.9f));
      each("Beta2Pow", Role::kConstant, op.GetFloat("beta2", 0.999f));
    }
  }
  return role;
}

// The seeded value of variable name (dims: its declared dims, -1 read as 1).
inline pd::Tensor SeededTensor(const std::string& name, const Role& role, pd::Dims dims) {
  for (auto& d : dims) d = std::max<int64_t>(d, 1);
  pd::Tensor t;
  t.Resize(dims);
  float* p = t.mutable_data<float>();
  const int64_t n = t.numel();
  std::mt19937 rng(static_cast<uint32_t>(std::hash<std::string>{}(name)));
  switch (role.kind) {
    case Role::kFilter:
    case Role::kMatrix: {
      const int64_t fan_in = role.kind == Role::kFilter
                                 ? (dims.size() == 4 ? dims[1] * dims[2] * dims[3] : 1)
                                 : dims[0];
      std::normal_distribution<float> dist(0.f, std::sqrt(2.0f / std::max<int64_t>(fan_in, 1)));
      for (int64_t i = 0; i < n; ++i) p[i] = dist(rng);
      break;
    }
    case Role::kZero:
    case Role::kConstant:
      std::fill(p, p + n, role.kind == Role::kZero ? 0.f : role.value);
      break;
    default: {
      const float lo = role.kind == Role::kBnVar ? 0.5f : role.kind == Role::kBnScale ? 0.8f : -0.1f;
      const float hi = role.kind == Role::kBnVar ? 1.5f : role.kind == Role::kBnScale ? 1.2f : 0.1f;
      std::uniform_real_distribution<float> dist(lo, hi);
      for (int64_t i = 0; i < n; ++i) p[i] = dist(rng);
    }
  }
  return t;
}

}  // namespace gohub_tools
