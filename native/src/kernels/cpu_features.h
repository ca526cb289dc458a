// Run-time CPU feature checks for the kernels that carry an AVX2+FMA (or AVX-512) variant next
// to their portable loop: the library must run on any x86-64, and the fast path only where it
// can.
#pragma once

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define PD_HAVE_AVX2_VARIANT 1
#define PD_TARGET_AVX2 __attribute__((target("avx2,fma")))
#define PD_TARGET_AVX512 __attribute__((target("avx512f,avx2,fma")))
// One copy of the function per instruction set, the widest the CPU has chosen when the library
// loads: for loops the compiler vectorises by itself (the batch-norm reductions). Unlike the
// hand-written variants above, copies may round differently where the compiler contracts a
// multiply and an add into one FMA; each machine still gets the same bits run after run.
#define PD_KERNEL_ISAS __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define PD_KERNEL_ISAS
#endif

namespace pd {

#ifdef PD_HAVE_AVX2_VARIANT
inline bool CpuHasAvx2Fma() {
  static const bool yes = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return yes;
}

// AVX-512F alone: its 32 zmm registers, masks and FMA are all the variants use. GCC's probe
// also checks that the OS saves the zmm state (XCR0), not just the CPUID bit.
inline bool CpuHasAvx512f() {
  static const bool yes = __builtin_cpu_supports("avx512f");
  return yes;
}
#endif

// The instruction sets the dispatching kernels choose between, narrowest first. Tests run a
// kernel on each one the CPU has and compare them.
enum class VectorIsa { kScalar, kAvx2, kAvx512 };

constexpr VectorIsa kVectorIsas[] = {VectorIsa::kScalar, VectorIsa::kAvx2, VectorIsa::kAvx512};

// Whether this build has variants for the instruction set and this CPU can run it.
inline bool VectorIsaRuns(VectorIsa isa) {
  switch (isa) {
    case VectorIsa::kScalar: return true;
#ifdef PD_HAVE_AVX2_VARIANT
    case VectorIsa::kAvx2: return CpuHasAvx2Fma();
    case VectorIsa::kAvx512: return CpuHasAvx512f();
#endif
    default: return false;
  }
}

// The widest instruction set that runs here: what a dispatching kernel picks.
inline VectorIsa WidestVectorIsa() {
  if (VectorIsaRuns(VectorIsa::kAvx512)) return VectorIsa::kAvx512;
  if (VectorIsaRuns(VectorIsa::kAvx2)) return VectorIsa::kAvx2;
  return VectorIsa::kScalar;
}

inline const char* VectorIsaName(VectorIsa isa) {
  switch (isa) {
    case VectorIsa::kScalar: return "scalar";
    case VectorIsa::kAvx2: return "AVX2";
    case VectorIsa::kAvx512: return "AVX-512";
  }
  return "?";
}

}  // namespace pd
