#include "framework/tensor.h"

#include <algorithm>
#include <atomic>

#include "framework/device.h"

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

namespace {
uint64_t NextStamp() {
  static std::atomic<uint64_t> counter{0};
  return counter.fetch_add(1, std::memory_order_relaxed) + 1;
}
}  // namespace

// A block from its place's allocator (or the tensor's host allocator), given back when the last
// tensor sharing it lets go.
struct Tensor::Storage {
  Storage(Place p, size_t n, bool zero, Allocator& from) : place(p), size(n), allocator(&from) {
    data = zero ? allocator->Allocate(n) : allocator->AllocateForOverwrite(n);
  }
  ~Storage() { allocator->Free(data, size); }
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;
  Place place;
  size_t size;
  Allocator* allocator;
  void* data;
  uint64_t stamp = NextStamp();
};

Place Tensor::place() const { return buffer_ ? buffer_->place : place_; }

uint64_t Tensor::stamp() const { return buffer_ ? buffer_->stamp : 0; }

void Tensor::MarkWritten() {
  if (buffer_) buffer_->stamp = NextStamp();
}

void* Tensor::mutable_data(DType t, size_t min_bytes) { return MutableData(t, min_bytes, true); }

void* Tensor::mutable_data_for_overwrite(DType t, size_t min_bytes) {
  return MutableData(t, min_bytes, false);
}

void* Tensor::MutableData(DType t, size_t min_bytes, bool zero) {
  PD_CHECK(SizeOf(t) > 0, "cannot allocate a tensor of type ", DTypeName(t));
  size_t need = std::max(static_cast<size_t>(numel()) * SizeOf(t), min_bytes);
  // A shared buffer belongs to someone else (weights of a cloned predictor, a pass-through
  // input): never write into it, take a fresh one.
  Allocator& from =
      place_.is_cpu() && host_allocator_ != nullptr ? *host_allocator_ : AllocatorFor(place_);
  if (!buffer_ || buffer_.use_count() > 1 || buffer_->size < need || buffer_->place != place_ ||
      buffer_->allocator != &from) {
    buffer_ = std::make_shared<Storage>(place_, need == 0 ? 1 : need, zero, from);
  } else {
    MarkWritten();
  }
  dtype_ = t;
  return buffer_->data;
}

const void* Tensor::raw_data() const {
  PD_CHECK(buffer_ != nullptr, "tensor holds no data");
  return buffer_->data;
}

size_t Tensor::capacity() const { return buffer_ ? buffer_->size : 0; }

void Tensor::SwapData(Tensor* other) {
  std::swap(buffer_, other->buffer_);
  std::swap(layout_, other->layout_);
}

void Tensor::CheckType(DType want) const {
  PD_CHECK(dtype_ == want, "tensor holds ", DTypeName(dtype_), ", not ", DTypeName(want));
}

void Tensor::ShareDataWith(const Tensor& other) {
  place_ = other.place();
  dims_ = other.dims_;
  dtype_ = other.dtype_;
  lod_ = other.lod_;
  layout_ = other.layout_;
  buffer_ = other.buffer_;
}

void Tensor::CopyFrom(const Tensor& other) {
  if (this == &other) return;
  CopyTensor(other, other.place(), this);
}

void Tensor::Release() {
  buffer_.reset();
  layout_ = 0;
}

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
