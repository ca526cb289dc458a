// A dense row-major tensor with Paddle's level-of-detail (LoD) offsets on dim 0.
// The buffer is reference counted so that a cloned predictor can share weights and an op can
// pass its input through (scale with scale=1, reshape) without copying.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "framework/dtype.h"
#include "framework/error.h"

namespace pd {

using Dims = std::vector<int64_t>;
// lod[level] holds offsets into the next level (the last level into rows of dim 0).
using LoD = std::vector<std::vector<size_t>>;

int64_t Numel(const Dims& dims);
std::string DimsToString(const Dims& dims);

// Where a buffer lives. Only the CPU holds data in this build; the GPU backend adds kGPU buffers.
enum class Place { kCPU = 0, kGPU = 1 };

class Tensor {
 public:
  Tensor() = default;

  const Dims& dims() const { return dims_; }
  int64_t dim(int i) const { return dims_.at(static_cast<size_t>(i)); }
  int rank() const { return static_cast<int>(dims_.size()); }
  int64_t numel() const { return Numel(dims_); }
  DType dtype() const { return dtype_; }
  Place place() const { return Place::kCPU; }
  size_t nbytes() const { return static_cast<size_t>(numel()) * SizeOf(dtype_); }
  bool initialized() const { return buffer_ != nullptr; }

  // Sets the shape. Storage is (re)allocated lazily by mutable_data when it is too small.
  void Resize(Dims dims);

  // Storage for numel() elements of type t; existing storage is reused when large enough
  // and not shared with another tensor.
  void* mutable_data(DType t);
  template <typename T>
  T* mutable_data() {
    return static_cast<T*>(mutable_data(DTypeOf<T>::value));
  }

  const void* raw_data() const;
  template <typename T>
  const T* data() const {
    CheckType(DTypeOf<T>::value);
    return static_cast<const T*>(raw_data());
  }
  // Writable access to already allocated data of the right type.
  template <typename T>
  T* data_mut() {
    CheckType(DTypeOf<T>::value);
    return static_cast<T*>(const_cast<void*>(raw_data()));
  }

  const LoD& lod() const { return lod_; }
  void set_lod(LoD lod) { lod_ = std::move(lod); }

  // Makes this tensor view other's buffer (same dims, dtype, LoD); no copy.
  void ShareDataWith(const Tensor& other);
  // Deep copy of dims, dtype, LoD and data.
  void CopyFrom(const Tensor& other);
  // Drops the storage (dims and dtype stay).
  void Release();

 private:
  void CheckType(DType want) const;

  Dims dims_;
  DType dtype_ = DType::kUndefined;
  LoD lod_;
  std::shared_ptr<std::vector<unsigned char>> buffer_;
};

// Checks that lod is well formed for a tensor whose dim 0 is rows: every level starts at 0,
// is non-decreasing, and the last level ends at rows.
void ValidateLoD(const LoD& lod, int64_t rows);

}  // namespace pd
