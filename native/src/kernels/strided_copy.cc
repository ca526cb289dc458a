#include "kernels/strided_copy.h"

#include <cstdint>
#include <cstring>


namespace pd {

StridedView Simplify(const StridedView& v) {
  StridedView s;
  for (size_t i = 0; i < v.size.size(); ++i) {
    if (v.size[i] == 1) continue;
    if (!s.size.empty() && s.stride.back() == v.stride[i] * v.size[i]) {
      s.size.back() *= v.size[i];
      s.stride.back() = v.stride[i];
    } else {
      s.size.push_back(v.size[i]);
      s.stride.push_back(v.stride[i]);
    }
  }
  return s;
}

namespace {

// One output row of n elements read every step input elements apart.
template <typename T>
void GatherRow(const unsigned char* src, int64_t step, int64_t n, unsigned char* dst) {
  const T* s = reinterpret_cast<const T*>(src);
  T* d = reinterpret_cast<T*>(dst);
  for (int64_t i = 0; i < n; ++i) d[i] = s[i * step];
}

void CopyRow(const unsigned char* src, int64_t step, int64_t n, unsigned char* dst, size_t elem) {
  if (step == 1) {
    std::memcpy(dst, src, static_cast<size_t>(n) * elem);
    return;
  }
  switch (elem) {
    case 1: return GatherRow<uint8_t>(src, step, n, dst);
    case 2: return GatherRow<uint16_t>(src, step, n, dst);
    case 4: return GatherRow<uint32_t>(src, step, n, dst);
    case 8: return GatherRow<uint64_t>(src, step, n, dst);
    default:
      for (int64_t i = 0; i < n; ++i) std::memcpy(dst + i * elem, src + i * step * elem, elem);
  }
}

}  // namespace

void StridedCopy(const StridedView& view, const void* src, int64_t offset, void* dst,
                 size_t elem) {
  const StridedView v = Simplify(view);
  const auto* in = static_cast<const unsigned char*>(src) + offset * static_cast<int64_t>(elem);
  auto* out = static_cast<unsigned char*>(dst);
  for (int64_t d : view.size)
    if (d == 0) return;
  if (v.size.empty()) {  // a single element
    std::memcpy(out, in, elem);
    return;
  }
  const size_t outer = v.size.size() - 1;
  const int64_t n = v.size.back(), step = v.stride.back();
  const size_t row_bytes = static_cast<size_t>(n) * elem;
  std::vector<int64_t> idx(outer, 0);
  int64_t at = 0;  // input element offset of the current row
  for (;;) {
    CopyRow(in + at * static_cast<int64_t>(elem), step, n, out, elem);
    out += row_bytes;
    size_t j = outer;
    for (; j-- > 0;) {  // odometer over the outer dims
      at += v.stride[j];
      if (++idx[j] < v.size[j]) break;
      at -= v.stride[j] * v.size[j];
      idx[j] = 0;
    }
    if (j == static_cast<size_t>(-1)) return;  // every outer dim wrapped: done
  }
}

}  // namespace pd
