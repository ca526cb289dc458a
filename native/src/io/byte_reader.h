// A bounds-checked little-endian cursor over a byte range (parameter records, Paddle-Lite
// files). Every read names the field and the absolute file offset when the bytes run out, so a
// truncated or corrupt file fails with "<origin>: truncated at byte N: <field> needs K
// bytes ..." instead of reading past the buffer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <utility>

#include "framework/error.h"

namespace pd {

class ByteReader {
 public:
  // Reads data[0, size); base is the offset of data[0] in the file, used only in messages.
  ByteReader(const char* data, size_t size, const std::string& origin, uint64_t base = 0)
      : data_(data), size_(size), origin_(origin), base_(base) {}

  size_t pos() const { return pos_; }
  size_t size() const { return size_; }
  size_t remaining() const { return size_ - pos_; }
  // Absolute file offset of the cursor.
  uint64_t offset() const { return base_ + pos_; }
  const std::string& origin() const { return origin_; }
  // What is being decoded ("block 0, op #3 (fc)"), named in every error from here on.
  void set_context(std::string context) { context_ = std::move(context); }
  const std::string& context() const { return context_; }
  // "<origin>, <context>" for errors raised by callers.
  std::string where() const { return context_.empty() ? origin_ : origin_ + ", " + context_; }

  void Need(uint64_t n, const char* what) const {
    if (n > remaining()) {
      Fail(where(), ": truncated at byte ", offset(), ": ", what, " needs ", n,
           " bytes but only ", remaining(), " remain");
    }
  }

  template <typename T>
  T Read(const char* what) {
    Need(sizeof(T), what);
    T v;
    std::memcpy(&v, data_ + pos_, sizeof(T));
    pos_ += sizeof(T);
    return v;
  }

  const char* Bytes(uint64_t n, const char* what) {
    Need(n, what);
    const char* p = data_ + pos_;
    pos_ += static_cast<size_t>(n);
    return p;
  }

  // A count that prefixes n elements of at least min_elem_bytes each: checked against the
  // bytes that remain before anyone allocates for it, so a corrupt count cannot ask for
  // gigabytes.
  uint64_t Count(const char* what, size_t min_elem_bytes) {
    uint64_t start = offset();
    uint64_t n = Read<uint64_t>(what);
    if (min_elem_bytes > 0 && n > remaining() / min_elem_bytes) {
      Fail(where(), ": truncated or corrupt ", what, " at byte ", start, ": ", n,
           " entries of at least ", min_elem_bytes, " bytes each do not fit in the ", remaining(),
           " bytes that remain");
    }
    return n;
  }

 private:
  const char* data_;
  size_t size_;
  size_t pos_ = 0;
  std::string origin_;
  std::string context_;
  uint64_t base_;
};

}  // namespace pd
