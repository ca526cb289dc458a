// Errors inside the library are exceptions of one type; the C API turns them into a
// PD_Bool/NULL result plus a thread-local message, so nothing ever crosses the C boundary.
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>

namespace pd {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& msg) : std::runtime_error(msg) {}
};

namespace detail {
inline void Append(std::ostringstream&) {}
template <typename T, typename... Rest>
void Append(std::ostringstream& os, const T& v, const Rest&... rest) {
  os << v;
  Append(os, rest...);
}
}  // namespace detail

// Concatenates the arguments with operator<< into one message.
template <typename... Args>
std::string StrCat(const Args&... args) {
  std::ostringstream os;
  detail::Append(os, args...);
  return os.str();
}

template <typename... Args>
[[noreturn]] void Fail(const Args&... args) {
  throw Error(StrCat(args...));
}

}  // namespace pd

// PD_CHECK(cond, "message parts", ...) throws pd::Error when cond is false.
#define PD_CHECK(cond, ...)                   \
  do {                                        \
    if (!(cond)) ::pd::Fail(__VA_ARGS__);     \
  } while (0)
