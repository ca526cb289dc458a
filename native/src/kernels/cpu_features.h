// Run-time CPU feature checks for the kernels that carry an AVX2+FMA variant next to their
// portable loop: the library must run on any x86-64, and the fast path only where it can.
#pragma once

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define PD_HAVE_AVX2_VARIANT 1
#define PD_TARGET_AVX2 __attribute__((target("avx2,fma")))
#endif

namespace pd {

#ifdef PD_HAVE_AVX2_VARIANT
inline bool CpuHasAvx2Fma() {
  static const bool yes = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return yes;
}
#endif

}  // namespace pd
