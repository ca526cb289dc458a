#include "framework/scope.h"

#include <algorithm>

namespace pd {

const Tensor* Scope::Find(const std::string& name) const {
  auto it = vars_.find(name);
  if (it != vars_.end()) return it->second.get();
  return parent_ ? parent_->Find(name) : nullptr;
}

Tensor* Scope::FindLocal(const std::string& name) {
  auto it = vars_.find(name);
  return it == vars_.end() ? nullptr : it->second.get();
}

Tensor* Scope::Var(const std::string& name) {
  auto& slot = vars_[name];
  if (!slot) slot = std::make_unique<Tensor>();
  return slot.get();
}

std::vector<std::string> Scope::LocalNames() const {
  std::vector<std::string> names;
  names.reserve(vars_.size());
  for (const auto& kv : vars_) names.push_back(kv.first);
  return names;
}

void Scope::ReleaseExcept(const std::vector<std::string>& keep) {
  for (auto& kv : vars_) {
    if (std::find(keep.begin(), keep.end(), kv.first) == keep.end()) kv.second->Release();
  }
}

}  // namespace pd
