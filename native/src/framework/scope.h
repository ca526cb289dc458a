// Variables by name. A child scope sees its parent's variables, which is how cloned
// predictors share one set of loaded weights while each keeps its own activations.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "framework/tensor.h"

namespace pd {

class Scope {
 public:
  explicit Scope(std::shared_ptr<const Scope> parent = nullptr) : parent_(std::move(parent)) {}

  // Finds name here or in a parent; nullptr when absent.
  const Tensor* Find(const std::string& name) const;
  // Finds name in this scope only.
  Tensor* FindLocal(const std::string& name);
  // Returns the tensor named name in this scope, creating it if needed.
  Tensor* Var(const std::string& name);
  bool Has(const std::string& name) const { return Find(name) != nullptr; }

  std::vector<std::string> LocalNames() const;
  // Frees the storage of every local tensor except those named in keep.
  void ReleaseExcept(const std::vector<std::string>& keep);
  const std::shared_ptr<const Scope>& parent() const { return parent_; }

 private:
  std::shared_ptr<const Scope> parent_;
  std::map<std::string, std::unique_ptr<Tensor>> vars_;
};

}  // namespace pd
