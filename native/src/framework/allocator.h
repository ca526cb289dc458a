// Memory per place. Every tensor buffer comes from the allocator of its place; the CPU's keeps
// freed blocks for reuse, so a training step that frees and reallocates hundreds of activations
// does not go to the system allocator each time.
//
// The interface is the one a CUDA allocator needs: allocation and free are ordered on a stream
// (a block freed on a stream may be handed out again for work queued after that point), and
// pinned host memory is available for transfers. On the CPU the stream is ignored.
#pragma once

#include <cstddef>
#include <cstdint>

#include "framework/place.h"

namespace pd {

// A device's queue of work (cudaStream_t on CUDA); nullptr is the place's default stream.
using Stream = void*;

class Allocator {
 public:
  virtual ~Allocator() = default;

  virtual Place place() const = 0;
  // At least bytes of storage, aligned to 64 bytes, zero-filled. Throws std::bad_alloc (or
  // pd::Error with the place's message) when memory is exhausted.
  virtual void* Allocate(size_t bytes, Stream stream = nullptr) = 0;
  // Allocate without the zero fill, for a caller that writes every byte before anyone reads
  // one (a kernel's dense output): a training step takes its whole working set from the cache
  // each step, and clearing it first costs a pass over all of it.
  virtual void* AllocateForOverwrite(size_t bytes, Stream stream = nullptr) {
    return Allocate(bytes, stream);
  }
  // Returns a block from Allocate with the size it was asked for.
  virtual void Free(void* ptr, size_t bytes, Stream stream = nullptr) = 0;

  // Host memory that this place copies to and from fastest (page-locked on CUDA; plain on
  // the CPU).
  virtual void* AllocateHost(size_t bytes) { return Allocate(bytes); }
  virtual void FreeHost(void* ptr, size_t bytes) { Free(ptr, bytes); }

  struct Stats {
    uint64_t in_use = 0;       // bytes handed out and not freed
    uint64_t cached = 0;       // bytes held for reuse
    uint64_t system_allocs = 0;  // blocks taken from the system
    uint64_t reuses = 0;         // allocations served from the cache
    uint64_t peak_in_use = 0;    // the most in_use has been
  };
  virtual Stats stats() const = 0;
  // Gives every cached block back to the system.
  virtual void ReleaseCached() = 0;
  // Starts peak_in_use over from what is in use now, where the allocator measures it for its
  // callers only (a GPU's pool: a benchmark's rows one after another). The CPU allocator's
  // peak sizes its cache and is kept.
  virtual void ResetPeak() {}
  // Makes the allocator hold at least mb MiB up front (a GPU's memory pool, sized by
  // PD_ConfigEnableUseGpu); nothing to do where memory is not pooled ahead.
  virtual void Reserve(uint64_t mb) {}
};

// The CPU's allocator: 64-byte aligned, zero-filled blocks, sizes rounded up to a size class
// (each power of two split in four) and freed blocks cached per class, up to 512 MiB or the peak
// in use, whichever is more. A request of a megabyte or more may be served by a cached block
// of up to twice its size. Thread-safe.
Allocator& CpuAllocator();

// Host memory for the tensors that cross between the CPU and a device (a GPU predictor's inputs
// and outputs): blocks from device.AllocateHost, page-locked on CUDA so that a copy runs as one
// DMA transfer with no staging copy through the driver's buffers. A CPU allocator in every other
// respect; freed blocks are cached by size class (up to 256 MiB), since page-locking memory
// costs milliseconds a call. One per device allocator, made on first use and kept for the
// process's life (the device may be gone by the time static destructors run).
Allocator& HostStagingFor(Allocator& device);

}  // namespace pd
