// The thread-local last error behind PD_GetLastError (pd_ext.h).
#include "capi/guard.h"
#include "pd_ext.h"

namespace pd::capi {

namespace {
thread_local std::string last_error;
}  // namespace

void ClearLastError() noexcept { last_error.clear(); }

void SetLastError(const char* fn, const char* what) noexcept {
  try {
    last_error = std::string(fn) + ": " + what;
  } catch (...) {
    // Out of memory while reporting: keep whatever fits in the existing capacity.
    last_error.clear();
  }
}

}  // namespace pd::capi

const char* PD_GetLastError(void) { return pd::capi::last_error.c_str(); }
