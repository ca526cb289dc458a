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

  // Storage for numel() elements of type t (at least min_bytes); existing storage is reused when
  // large enough and not shared with another tensor. Buffers start 64-byte aligned, as the SIMD
  // kernels (ours and oneDNN's) want, and zero-filled.
  void* mutable_data(DType t, size_t min_bytes = 0);
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

  // The memory layout of the buffer. 0: plain row-major over dims (what every reader assumes).
  // Otherwise a oneDNN format tag (dnnl::memory::format_tag value, e.g. nChw8c) that a oneDNN
  // kernel wrote it in, dims staying the logical NCHW ones: consecutive oneDNN ops then skip the
  // reorders to plain and back. Only kernels that accept such a layout ever see one; the
  // executor converts a tensor back before any other op or the caller reads it
  // (kernels/dnnl_util.h). A kernel that writes a layout other than plain sets it; the executor
  // resets it to plain for every other op's outputs.
  int layout() const { return layout_; }
  void set_layout(int layout) { layout_ = layout; }
  // Bytes of storage held (at least nbytes() for a plain layout; blocked ones may pad).
  size_t capacity() const;
  // Exchanges buffers and layouts (not dims, dtype or LoD) with other: a kernel can take over a
  // dead input's buffer, or a converter swap a scratch buffer in, without allocating.
  void SwapData(Tensor* other);

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
  int layout_ = 0;
  struct Storage;
  std::shared_ptr<Storage> buffer_;
};

// Checks that lod is well formed for a tensor whose dim 0 is rows: every level starts at 0,
// is non-decreasing, and the last level ends at rows.
void ValidateLoD(const LoD& lod, int64_t rows);

}  // namespace pd
