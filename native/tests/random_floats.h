// Deterministic pseudo-random floats, for the tests and the native benchmarks alike (no test
// framework here, so that a benchmark can include it).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace pd::test {

// n floats in [lo, hi) from seed: the same values on every machine.
inline std::vector<float> RandomFloats(size_t n, uint32_t seed, float lo = -1.0f, float hi = 1.0f) {
  std::vector<float> v(n);
  uint32_t s = seed * 2654435761u + 1u;
  for (auto& x : v) {
    s = s * 1664525u + 1013904223u;
    x = lo + (hi - lo) * static_cast<float>(s >> 8) / static_cast<float>(1u << 24);
  }
  return v;
}

}  // namespace pd::test
