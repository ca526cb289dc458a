// A minimal JSON reader for the test data our own scripts write (testdata/ops/*/case.json):
// objects, arrays, strings (escapes \" \\ \/ \b \f \n \r \t and \uXXXX in the BMP), numbers,
// true/false/null. Enough for a trusted, machine-written file; not a general-purpose parser.
#pragma once

#include <cstdlib>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace pd::test {

class Json {
 public:
  enum class Kind { kNull, kBool, kNumber, kString, kArray, kObject };

  static Json Parse(const std::string& text) {
    size_t pos = 0;
    Json v = ParseValue(text, pos);
    SkipSpace(text, pos);
    if (pos != text.size()) Throw("trailing characters", pos);
    return v;
  }

  Kind kind() const { return kind_; }
  bool Has(const std::string& key) const { return kind_ == Kind::kObject && object_.count(key); }
  const Json& operator[](const std::string& key) const {
    auto it = object_.find(key);
    if (kind_ != Kind::kObject || it == object_.end()) throw std::runtime_error("no key " + key);
    return it->second;
  }
  const std::vector<Json>& array() const { return Want(Kind::kArray).array_; }
  const std::string& str() const { return Want(Kind::kString).string_; }
  double number() const { return Want(Kind::kNumber).number_; }
  bool boolean() const { return Want(Kind::kBool).bool_; }

 private:
  const Json& Want(Kind k) const {
    if (kind_ != k) throw std::runtime_error("JSON value has another type");
    return *this;
  }

  [[noreturn]] static void Throw(const std::string& what, size_t pos) {
    throw std::runtime_error("JSON: " + what + " at offset " + std::to_string(pos));
  }

  static void SkipSpace(const std::string& s, size_t& pos) {
    while (pos < s.size() && (s[pos] == ' ' || s[pos] == '\n' || s[pos] == '\r' || s[pos] == '\t'))
      ++pos;
  }

  static void Expect(const std::string& s, size_t& pos, const char* word) {
    const std::string w(word);
    if (s.compare(pos, w.size(), w) != 0) Throw("expected " + w, pos);
    pos += w.size();
  }

  static Json ParseValue(const std::string& s, size_t& pos) {
    SkipSpace(s, pos);
    if (pos >= s.size()) Throw("unexpected end", pos);
    Json v;
    const char c = s[pos];
    if (c == '{') {
      v.kind_ = Kind::kObject;
      ++pos;
      SkipSpace(s, pos);
      if (pos < s.size() && s[pos] == '}') return ++pos, v;
      for (;;) {
        SkipSpace(s, pos);
        std::string key = ParseString(s, pos);
        SkipSpace(s, pos);
        Expect(s, pos, ":");
        v.object_[key] = ParseValue(s, pos);
        SkipSpace(s, pos);
        if (pos < s.size() && s[pos] == ',') {
          ++pos;
          continue;
        }
        Expect(s, pos, "}");
        return v;
      }
    }
    if (c == '[') {
      v.kind_ = Kind::kArray;
      ++pos;
      SkipSpace(s, pos);
      if (pos < s.size() && s[pos] == ']') return ++pos, v;
      for (;;) {
        v.array_.push_back(ParseValue(s, pos));
        SkipSpace(s, pos);
        if (pos < s.size() && s[pos] == ',') {
          ++pos;
          continue;
        }
        Expect(s, pos, "]");
        return v;
      }
    }
    if (c == '"') {
      v.kind_ = Kind::kString;
      v.string_ = ParseString(s, pos);
      return v;
    }
    if (c == 't' || c == 'f') {
      v.kind_ = Kind::kBool;
      v.bool_ = c == 't';
      Expect(s, pos, v.bool_ ? "true" : "false");
      return v;
    }
    if (c == 'n') {
      Expect(s, pos, "null");
      return v;
    }
    char* end = nullptr;
    v.kind_ = Kind::kNumber;
    v.number_ = std::strtod(s.c_str() + pos, &end);
    if (end == s.c_str() + pos) Throw("bad value", pos);
    pos = static_cast<size_t>(end - s.c_str());
    return v;
  }

  static std::string ParseString(const std::string& s, size_t& pos) {
    Expect(s, pos, "\"");
    std::string out;
    while (pos < s.size() && s[pos] != '"') {
      char c = s[pos++];
      if (c != '\\') {
        out += c;
        continue;
      }
      if (pos >= s.size()) break;
      c = s[pos++];
      switch (c) {
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          if (pos + 4 > s.size()) Throw("short \\u escape", pos);
          const unsigned cp = static_cast<unsigned>(std::stoul(s.substr(pos, 4), nullptr, 16));
          pos += 4;
          // UTF-8 encode; our writers never emit surrogate pairs (ensure_ascii on BMP text).
          if (cp < 0x80) {
            out += static_cast<char>(cp);
          } else if (cp < 0x800) {
            out += static_cast<char>(0xC0 | (cp >> 6));
            out += static_cast<char>(0x80 | (cp & 0x3F));
          } else {
            out += static_cast<char>(0xE0 | (cp >> 12));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (cp & 0x3F));
          }
          break;
        }
        default: out += c;  // \" \\ \/
      }
    }
    Expect(s, pos, "\"");
    return out;
  }

  Kind kind_ = Kind::kNull;
  bool bool_ = false;
  double number_ = 0;
  std::string string_;
  std::vector<Json> array_;
  std::map<std::string, Json> object_;
};

}  // namespace pd::test
