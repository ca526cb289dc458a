#include "io/flatbuffer_reader.h"

#include "framework/error.h"

namespace pd::fbs {

void Buffer::Corrupt(uint64_t pos, const std::string& what, const std::string& why) const {
  Fail(origin_, ": corrupt flatbuffer at byte ", base_ + pos, " (", what, "): ", why);
}

void Buffer::Check(uint64_t pos, uint64_t n, const std::string& what) const {
  if (pos > size_ || n > size_ - pos) {
    Corrupt(pos, what,
            StrCat("needs ", n, " bytes but the ", size_, "-byte buffer ends first (truncated?)"));
  }
}

uint64_t Buffer::Follow(uint64_t pos, const std::string& what) const {
  uint32_t off = Load<uint32_t>(pos, what);
  uint64_t target = pos + off;
  if (off == 0 || target >= size_) {
    Corrupt(pos, what, StrCat("offset ", off, " points outside the ", size_, "-byte buffer"));
  }
  return target;
}

Table::Table(const Buffer* buf, uint64_t pos, std::string what)
    : buf_(buf), pos_(pos), what_(std::move(what)) {
  int32_t soff = buf_->Load<int32_t>(pos_, what_ + " vtable offset");
  int64_t vt = static_cast<int64_t>(pos_) - soff;
  if (vt < 0 || static_cast<uint64_t>(vt) + 4 > buf_->size()) {
    buf_->Corrupt(pos_, what_, StrCat("vtable offset ", soff, " points outside the buffer"));
  }
  vtable_ = static_cast<uint64_t>(vt);
  vtable_size_ = buf_->Load<uint16_t>(vtable_, what_ + " vtable size");
  table_size_ = buf_->Load<uint16_t>(vtable_ + 2, what_ + " table size");
  if (vtable_size_ < 4 || vtable_size_ % 2 != 0) {
    buf_->Corrupt(vtable_, what_, StrCat("vtable size ", vtable_size_, " is invalid"));
  }
  buf_->Check(vtable_, vtable_size_, what_ + " vtable");
  if (table_size_ < 4) buf_->Corrupt(pos_, what_, StrCat("table size ", table_size_, " < 4"));
  buf_->Check(pos_, table_size_, what_ + " table");
}

Table Table::Root(const Buffer* buf, const std::string& what) {
  return Table(buf, buf->Follow(0, what + " root offset"), what);
}

uint64_t Table::FieldPos(int field) const {
  uint64_t slot = 4 + 2 * static_cast<uint64_t>(field);
  if (slot + 2 > vtable_size_) return 0;
  return buf_->Load<uint16_t>(vtable_ + slot, what_ + " vtable");
}

void Table::CheckField(int field, size_t n, const char* name) const {
  uint64_t p = FieldPos(field);
  if (p + n > table_size_) {
    buf_->Corrupt(pos_ + p, Name(name),
                  StrCat("field at table offset ", p, " runs past the ", table_size_,
                         "-byte table"));
  }
}

std::string Table::ReadString(uint64_t pos, const char* name) const {
  uint32_t len = buf_->Load<uint32_t>(pos, Name(name) + " length");
  buf_->Check(pos + 4, len, Name(name));
  return std::string(buf_->data() + pos + 4, len);
}

std::string Table::String(int field, const char* name) const {
  uint64_t p = FieldPos(field);
  if (p == 0) return std::string();
  CheckField(field, 4, name);
  return ReadString(buf_->Follow(pos_ + p, Name(name)), name);
}

Table Table::Child(int field, const char* name) const {
  uint64_t p = FieldPos(field);
  if (p == 0) buf_->Corrupt(pos_, Name(name), "the required table is missing");
  CheckField(field, 4, name);
  return Table(buf_, buf_->Follow(pos_ + p, Name(name)), what_ + "." + name);
}

Vector Table::Vec(int field, size_t elem_size, const char* name) const {
  uint64_t p = FieldPos(field);
  if (p == 0) return Vector{};
  CheckField(field, 4, name);
  uint64_t start = buf_->Follow(pos_ + p, Name(name));
  Vector v;
  v.count = buf_->Load<uint32_t>(start, Name(name) + " length");
  v.pos = start + 4;
  buf_->Check(v.pos, static_cast<uint64_t>(v.count) * elem_size, Name(name));
  return v;
}

Table Table::TableAt(const Vector& v, uint32_t i, const std::string& what) const {
  uint64_t at = v.pos + 4 * static_cast<uint64_t>(i);
  return Table(buf_, buf_->Follow(at, what), what);
}

std::string Table::StringAt(const Vector& v, uint32_t i, const char* name) const {
  uint64_t at = v.pos + 4 * static_cast<uint64_t>(i);
  return ReadString(buf_->Follow(at, Name(name)), name);
}

}  // namespace pd::fbs
