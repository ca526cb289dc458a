// Copies a strided view of a buffer into a dense one, whatever the element type: the engine of
// transpose and slice. Dims are given in output order, each with the input stride (elements)
// that one step along it moves.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace pd {

struct StridedView {
  std::vector<int64_t> size;    // output dims, outermost first
  std::vector<int64_t> stride;  // input elements per step along each dim
};

// Drops dims of size 1 and merges neighbours that are contiguous in the input, so the inner
// loop runs as long as possible (whole rows are then one memcpy).
StridedView Simplify(const StridedView& v);

// dst (dense, Numel(v.size) elements) = the elements of src that v addresses, src starting at
// element offset; elem is the element size in bytes.
void StridedCopy(const StridedView& v, const void* src, int64_t offset, void* dst, size_t elem);

}  // namespace pd
