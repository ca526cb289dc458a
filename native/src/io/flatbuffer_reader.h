// A minimal, bounds-checked reader of FlatBuffers binaries, enough for Paddle-Lite's
// framework.fbs and param.fbs. A table starts with an int32 offset back to its vtable; the
// vtable lists uint16 vtable size, uint16 table size, then one uint16 offset per field (0 or
// missing: the field is absent, i.e. has its default). Strings, vectors and sub-tables are
// reached through uint32 offsets relative to where the offset is stored. Every offset and
// length is checked against the buffer, so a corrupt file fails with the byte offset and the
// field being read instead of reading outside the buffer.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

namespace pd::fbs {

class Buffer {
 public:
  // data[0, size) holds one flatbuffer; base is its offset in the file (for messages).
  Buffer(const char* data, size_t size, std::string origin, uint64_t base)
      : data_(data), size_(size), origin_(std::move(origin)), base_(base) {}

  size_t size() const { return size_; }
  const char* data() const { return data_; }
  const std::string& origin() const { return origin_; }
  // Fails unless [pos, pos + n) is inside the buffer.
  void Check(uint64_t pos, uint64_t n, const std::string& what) const;
  template <typename T>
  T Load(uint64_t pos, const std::string& what) const {
    Check(pos, sizeof(T), what);
    T v;
    std::memcpy(&v, data_ + pos, sizeof(T));
    return v;
  }
  // The position an unsigned offset stored at pos points to.
  uint64_t Follow(uint64_t pos, const std::string& what) const;
  [[noreturn]] void Corrupt(uint64_t pos, const std::string& what, const std::string& why) const;

 private:
  const char* data_;
  size_t size_;
  std::string origin_;
  uint64_t base_;
};

// A vector: count elements of elem_size bytes from pos (the element after the length).
struct Vector {
  uint64_t pos = 0;
  uint32_t count = 0;
};

class Table {
 public:
  // The table at pos; what names it ("op #3") in errors.
  Table(const Buffer* buf, uint64_t pos, std::string what);
  // The root table of buf.
  static Table Root(const Buffer* buf, const std::string& what);

  bool Has(int field) const { return FieldPos(field) != 0; }
  template <typename T>
  T Scalar(int field, T def, const char* name) const {
    uint64_t p = FieldPos(field);
    if (p == 0) return def;
    CheckField(field, sizeof(T), name);
    return buf_->Load<T>(pos_ + p, Name(name));
  }
  // An absent string reads as empty.
  std::string String(int field, const char* name) const;
  // A required sub-table: fails when absent.
  Table Child(int field, const char* name) const;
  // An absent vector reads as empty.
  Vector Vec(int field, size_t elem_size, const char* name) const;
  // Element i of a vector of tables / strings.
  Table TableAt(const Vector& v, uint32_t i, const std::string& what) const;
  std::string StringAt(const Vector& v, uint32_t i, const char* name) const;
  template <typename T>
  std::vector<T> Scalars(int field, const char* name) const {
    Vector v = Vec(field, sizeof(T), name);
    std::vector<T> out(v.count);
    if (v.count > 0) std::memcpy(out.data(), buf_->data() + v.pos, v.count * sizeof(T));
    return out;
  }
  const Buffer& buffer() const { return *buf_; }
  const std::string& what() const { return what_; }

 private:
  uint64_t FieldPos(int field) const;  // offset of the field within the table, 0 if absent
  void CheckField(int field, size_t n, const char* name) const;
  std::string Name(const char* field) const { return what_ + " field '" + field + "'"; }
  std::string ReadString(uint64_t pos, const char* name) const;

  const Buffer* buf_;
  uint64_t pos_;
  uint64_t vtable_ = 0;
  uint16_t vtable_size_ = 0;
  uint16_t table_size_ = 0;
  std::string what_;
};

}  // namespace pd::fbs
