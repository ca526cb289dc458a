// Races between the host CUDA's streams: two pieces of work on different streams touching one
// device block, at least one writing it, that nothing orders (no event waited for between
// them, no synchronisation of the host with the first before it queued the second). On a GPU
// they may run in either order or at once; here a side stream runs lazily, so such a pair
// often runs in a harmless order and the race would pass unseen. The order CUDA guarantees is
// kept as vector clocks over timelines (each thread's stream, each side stream), and each
// access is checked against the block's earlier accesses when its work is queued, whatever
// order the work later runs in. Checked: copies, memsets, a block's allocation and free
// (stream-ordered: the block is the allocating stream's until another is ordered after it),
// and kernels: each pointer argument touches its block from there to the end (a kernel's own
// range is not known), a write where the kernel takes a pointer to non-const. Library calls
// are not, nor graph memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>

namespace hostcuda {

// Per timeline, the last of its work known to come before.
using VectorClock = std::map<int, uint64_t>;

void Join(VectorClock* into, const VectorClock& from);

// The order of one stream's work.
struct Timeline {
  Timeline();
  int id;
  VectorClock clock;
};

// A piece of work queued on a timeline: its place there, and what comes before it.
struct Stamp {
  int timeline = 0;
  uint64_t tick = 0;
  VectorClock clock;
};

// Stamps the next piece of work queued on t: after t's earlier work and after all the host
// has waited for.
Stamp Tick(Timeline& t);

// The host waited for the work clock covers: work queued from now on comes after it.
void HostWaited(const VectorClock& clock);

// Records an access by stamped work to [offset, offset + bytes) of the device block starting
// at block, and reports a fault (errors.h) naming both when an earlier access races with it.
void Access(const void* block, size_t offset, size_t bytes, bool write, const Stamp& stamp,
            const char* what);

// The block is gone: its accesses with it.
void Forget(const void* block);

}  // namespace hostcuda
