#include "framework/tensor.h"

#include <cstring>

namespace pd {

int64_t Numel(const Dims& dims) {
  int64_t n = 1;
  for (int64_t d : dims) n *= d;
  return n;
}

std::string DimsToString(const Dims& dims) {
  std::string s = "[";
  for (size_t i = 0; i < dims.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(dims[i]);
  }
  return s + "]";
}

void Tensor::Resize(Dims dims) {
  for (int64_t d : dims) PD_CHECK(d >= 0, "invalid tensor shape ", DimsToString(dims));
  dims_ = std::move(dims);
}

void* Tensor::mutable_data(DType t) {
  PD_CHECK(SizeOf(t) > 0, "cannot allocate a tensor of type ", DTypeName(t));
  size_t need = static_cast<size_t>(numel()) * SizeOf(t);
  // A shared buffer belongs to someone else (weights of a cloned predictor, a pass-through
  // input): never write into it, take a fresh one.
  if (!buffer_ || buffer_.use_count() > 1 || buffer_->size() < need) {
    buffer_ = std::make_shared<std::vector<unsigned char>>(need == 0 ? 1 : need);
  }
  dtype_ = t;
  return buffer_->data();
}

const void* Tensor::raw_data() const {
  PD_CHECK(buffer_ != nullptr, "tensor holds no data");
  return buffer_->data();
}

void Tensor::CheckType(DType want) const {
  PD_CHECK(dtype_ == want, "tensor holds ", DTypeName(dtype_), ", not ", DTypeName(want));
}

void Tensor::ShareDataWith(const Tensor& other) {
  dims_ = other.dims_;
  dtype_ = other.dtype_;
  lod_ = other.lod_;
  buffer_ = other.buffer_;
}

void Tensor::CopyFrom(const Tensor& other) {
  if (this == &other) return;
  dims_ = other.dims_;
  lod_ = other.lod_;
  if (!other.initialized()) {
    dtype_ = other.dtype_;
    buffer_.reset();
    return;
  }
  void* dst = mutable_data(other.dtype_);
  std::memcpy(dst, other.raw_data(), other.nbytes());
}

void Tensor::Release() { buffer_.reset(); }

void ValidateLoD(const LoD& lod, int64_t rows) {
  for (size_t level = 0; level < lod.size(); ++level) {
    const auto& offs = lod[level];
    PD_CHECK(!offs.empty() && offs[0] == 0, "LoD level ", level, " must start at 0");
    for (size_t i = 1; i < offs.size(); ++i) {
      PD_CHECK(offs[i] >= offs[i - 1], "LoD level ", level, " decreases at index ", i);
    }
    size_t end = level + 1 < lod.size() ? lod[level + 1].size() - 1 : static_cast<size_t>(rows);
    PD_CHECK(offs.back() == end, "LoD level ", level, " ends at ", offs.back(), " but the ",
             level + 1 < lod.size() ? "next level has " : "tensor has ", end,
             level + 1 < lod.size() ? " sequences" : " rows");
  }
}

}  // namespace pd
