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
#include "framework/place.h"

namespace pd {
class Allocator;
}

namespace pd {

using Dims = std::vector<int64_t>;
// lod[level] holds offsets into the next level (the last level into rows of dim 0).
using LoD = std::vector<std::vector<size_t>>;

int64_t Numel(const Dims& dims);
std::string DimsToString(const Dims& dims);

class Tensor {
 public:
  Tensor() = default;

  const Dims& dims() const { return dims_; }
  int64_t dim(int i) const { return dims_.at(static_cast<size_t>(i)); }
  int rank() const { return static_cast<int>(dims_.size()); }
  int64_t numel() const { return Numel(dims_); }
  DType dtype() const { return dtype_; }
  // Where the data is; for a tensor without data, where mutable_data will allocate it.
  Place place() const;
  // Where the next allocation goes. Data already held stays where it is until mutable_data
  // needs storage and finds it on another place.
  void set_place(Place place) { place_ = place; }
  // Sets the element type of a tensor without data (CopyTensor of an empty tensor).
  void set_dtype(DType t) { dtype_ = t; }
  // Where buffers come from while the tensor is on the CPU, in place of the CPU's allocator:
  // host staging memory (HostStagingFor) for a tensor that crosses to and from a device.
  // nullptr: the CPU's.
  void set_host_allocator(Allocator* a) { host_allocator_ = a; }
  Allocator* host_allocator() const { return host_allocator_; }
  size_t nbytes() const { return static_cast<size_t>(numel()) * SizeOf(dtype_); }
  bool initialized() const { return buffer_ != nullptr; }

  // Sets the shape. Storage is (re)allocated lazily by mutable_data when it is too small.
  void Resize(Dims dims);

  // Storage for numel() elements of type t (at least min_bytes) on place(); existing storage is
  // reused when large enough, on that place and not shared with another tensor. Buffers come
  // from the place's allocator, 64-byte aligned, as the SIMD kernels (ours and oneDNN's) want,
  // and zero-filled. Counts as a write (stamp()).
  void* mutable_data(DType t, size_t min_bytes = 0);
  template <typename T>
  T* mutable_data() {
    return static_cast<T*>(mutable_data(DTypeOf<T>::value));
  }
  // mutable_data for a kernel that writes every element before anything reads one: newly
  // allocated storage is not zero-filled (Allocator::AllocateForOverwrite).
  void* mutable_data_for_overwrite(DType t, size_t min_bytes = 0);
  template <typename T>
  T* mutable_data_for_overwrite() {
    return static_cast<T*>(mutable_data_for_overwrite(DTypeOf<T>::value));
  }

  const void* raw_data() const;
  template <typename T>
  const T* data() const {
    CheckType(DTypeOf<T>::value);
    return static_cast<const T*>(raw_data());
  }
  // Writable access to already allocated data of the right type. Counts as a write (stamp()).
  template <typename T>
  T* data_mut() {
    CheckType(DTypeOf<T>::value);
    MarkWritten();
    return static_cast<T*>(const_cast<void*>(raw_data()));
  }

  // Identifies the current contents of the buffer: a number taken from one process-wide
  // counter whenever the buffer is allocated or written through mutable_data or data_mut, so
  // equal stamps mean the same bytes, whichever tensor or buffer they are read through. 0: no
  // data. Kernels that keep something derived from an input (a reordered conv filter, packed
  // GEMM panels) remember the stamp and rebuild it when the input changed, which is what keeps
  // them right when training updates a parameter in place (WeightCache below).
  uint64_t stamp() const;
  // Takes a new stamp: the buffer was written by work the tensor did not see (a launch of a
  // recorded run).
  void MarkWritten();

  // The memory layout of the buffer. 0: plain row-major over dims (what every reader assumes).
  // Otherwise a code that only the tensor's place understands (on the CPU a oneDNN format tag,
  // e.g. channels-last, that a oneDNN kernel wrote it in, dims staying the logical NCHW ones:
  // consecutive oneDNN ops then skip the reorders to plain and back). Only kernels whose
  // registration accepts such a layout ever see one (OpDef layout rules); the executor converts
  // a tensor back, through the place's LayoutConverter, before any other op or the caller reads
  // it. A kernel that writes a layout other than plain sets it; the executor resets it to plain
  // for every other op's outputs.
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
  // True when another tensor views this one's buffer (mutable_data would then allocate anew).
  bool SharesData() const { return buffer_ != nullptr && buffer_.use_count() > 1; }
  // Deep copy of dims, dtype, LoD and data, on other's place (CopyTensor for another place).
  void CopyFrom(const Tensor& other);
  // Drops the storage (dims and dtype stay).
  void Release();

 private:
  void* MutableData(DType t, size_t min_bytes, bool zero);
  void CheckType(DType want) const;

  Dims dims_;
  Place place_;
  DType dtype_ = DType::kUndefined;
  LoD lod_;
  int layout_ = 0;
  Allocator* host_allocator_ = nullptr;
  struct Storage;
  std::shared_ptr<Storage> buffer_;
};

// Remembers which contents of an input a kernel's cached derivative was made from.
class WeightCache {
 public:
  // True (and remembers t) when t holds other contents than at the last call.
  bool Changed(const Tensor& t) {
    const uint64_t s = t.stamp();
    if (s == stamp_) return false;
    stamp_ = s;
    return true;
  }

 private:
  uint64_t stamp_ = 0;
};

// Checks that lod is well formed for a tensor whose dim 0 is rows: every level starts at 0,
// is non-decreasing, and the last level ends at rows.
void ValidateLoD(const LoD& lod, int64_t rows);

}  // namespace pd
