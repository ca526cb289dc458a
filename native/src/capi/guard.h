// The one place where C++ meets the C boundary: every exported function runs its body
// through Guard, which clears the thread's last error, turns any exception into that error
// (prefixed with the function's name) and returns the function's failure value instead.
#pragma once

#include <exception>
#include <string>

namespace pd::capi {

void ClearLastError() noexcept;
// Sets the calling thread's message to "fn: what".
void SetLastError(const char* fn, const char* what) noexcept;

template <typename R, typename F>
R Guard(const char* fn, R on_error, F&& body) noexcept {
  ClearLastError();
  try {
    return body();
  } catch (const std::exception& e) {
    SetLastError(fn, e.what());
  } catch (...) {
    SetLastError(fn, "unknown error");
  }
  return on_error;
}

template <typename F>
void GuardVoid(const char* fn, F&& body) noexcept {
  Guard(fn, 0, [&] {
    body();
    return 0;
  });
}

}  // namespace pd::capi
