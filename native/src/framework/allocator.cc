#include "framework/allocator.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <new>
#include <vector>

namespace pd {
namespace {

constexpr size_t kAlign = 64;
// Freed blocks kept for reuse: at most this many bytes, or the most ever in use at once if
// that is more, so that a training loop, which frees and allocates its whole working set every
// step, reuses it instead of returning it and asking again.
constexpr size_t kMinCacheCap = size_t{512} << 20;
// Blocks this large come straight from the kernel (mmap) and go back to it (munmap): freed
// memory leaves the process instead of fragmenting malloc's heap, and a fresh block is
// already zero.
constexpr size_t kMapThreshold = size_t{1} << 20;

void* MapBlock(size_t bytes) {
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  return p == MAP_FAILED ? nullptr : p;
}

// The size class of a request: multiples of 64 bytes up to 4 KiB, then each power of two split
// into four steps, so that a block serves requests up to 25 % smaller than itself.
size_t SizeClass(size_t bytes) {
  if (bytes <= 4096) return (bytes + kAlign - 1) / kAlign * kAlign + (bytes == 0 ? kAlign : 0);
  size_t pow = 4096;
  while (pow * 2 < bytes) pow *= 2;
  const size_t step = pow / 4;
  return (bytes + step - 1) / step * step;
}

class CachingCpuAllocator final : public Allocator {
 public:
  ~CachingCpuAllocator() override { ReleaseCached(); }

  Place place() const override { return Place::CPU(); }

  void* Allocate(size_t bytes, Stream) override { return Take(bytes, true); }
  void* AllocateForOverwrite(size_t bytes, Stream) override { return Take(bytes, false); }

  void Free(void* ptr, size_t bytes, Stream) override {
    if (ptr == nullptr) return;
    const size_t cls = SizeClass(bytes);
    {
      std::lock_guard<std::mutex> lock(mu_);
      stats_.in_use -= cls;
      if (stats_.cached + cls <= std::max(kMinCacheCap, peak_in_use_)) {
        free_[cls].push_back(ptr);
        stats_.cached += cls;
        return;
      }
    }
    Release(ptr, cls);
  }

  Stats stats() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return stats_;
  }

  void ReleaseCached() override {
    std::map<size_t, std::vector<void*>> blocks;
    {
      std::lock_guard<std::mutex> lock(mu_);
      blocks.swap(free_);
      stats_.cached = 0;
    }
    for (auto& kv : blocks)
      for (void* p : kv.second) Release(p, kv.first);
  }

 private:
  // A block of bytes' size class: a cached one when there is one, else one from the system.
  void* Take(size_t bytes, bool zero) {
    const size_t cls = SizeClass(bytes);
    void* p = nullptr;
    std::pair<void*, size_t> other{nullptr, 0};  // a mapped block of another class to reshape
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = free_.find(cls);
      if (it != free_.end() && !it->second.empty()) {
        p = it->second.back();
        it->second.pop_back();
        stats_.cached -= cls;
        ++stats_.reuses;
      } else if (cls >= kMapThreshold) {
        other = TakeNearestMappedLocked(cls);
      }
      stats_.in_use += cls;
      peak_in_use_ = std::max(peak_in_use_, stats_.in_use);
    }
    if (other.first != nullptr) p = Reshape(other.first, other.second, cls);
    const bool fresh = p == nullptr;
    if (fresh) EvictBeyondPeak();
    if (fresh) {
      p = cls >= kMapThreshold ? MapBlock(cls) : std::aligned_alloc(kAlign, cls);
      if (p == nullptr) {
        std::lock_guard<std::mutex> lock(mu_);
        stats_.in_use -= cls;
        throw std::bad_alloc();
      }
      std::lock_guard<std::mutex> lock(mu_);
      ++stats_.system_allocs;
    }
    // Zero-filled, as every reader of a fresh tensor may assume (padding of blocked layouts);
    // a freshly mapped block is zero already.
    if (zero && (!fresh || cls < kMapThreshold)) std::memset(p, 0, bytes);
    return p;
  }

  // The cached mapped block nearest in size to cls, taken out of the cache: the smallest larger
  // one, else the largest smaller one. {nullptr, 0} when there is none.
  std::pair<void*, size_t> TakeNearestMappedLocked(size_t cls) {
    auto pick = free_.end();
    for (auto it = free_.lower_bound(cls); it != free_.end() && pick == free_.end(); ++it)
      if (!it->second.empty()) pick = it;
    for (auto it = free_.lower_bound(cls); pick == free_.end() && it != free_.begin();) {
      --it;
      if (it->first < kMapThreshold) break;
      if (!it->second.empty()) pick = it;
    }
    if (pick == free_.end()) return {nullptr, 0};
    void* p = pick->second.back();
    pick->second.pop_back();
    stats_.cached -= pick->first;
    ++stats_.reuses;
    return {p, pick->first};
  }

  // A training step frees and asks again for hundreds of activation-sized blocks whose mix of
  // sizes shifts op by op: serving a request from a cached block of another size class keeps
  // the pages the process already has, where unmapping one block and mapping another would
  // fault every page in again (hundreds of megabytes a step). Shrinking a mapping keeps its
  // pages; growing one moves them and faults in only the new tail. nullptr if the kernel
  // refuses (the block is then gone).
  static void* Reshape(void* p, size_t from, size_t to) {
    void* q = mremap(p, from, to, MREMAP_MAYMOVE);
    if (q != MAP_FAILED) return q;
    munmap(p, from);
    return nullptr;
  }

  // Before a block comes from the system, cached blocks (largest first) go back until what is
  // in use and cached together fits in the cache's cap: a phase with other sizes (evaluation
  // after training) then reuses the memory instead of adding to it.
  void EvictBeyondPeak() {
    std::vector<std::pair<void*, size_t>> evicted;
    {
      std::lock_guard<std::mutex> lock(mu_);
      const uint64_t cap = std::max<uint64_t>(kMinCacheCap, peak_in_use_);
      while (stats_.in_use + stats_.cached > cap && !free_.empty()) {
        auto it = std::prev(free_.end());
        if (it->second.empty()) {  // a size class whose blocks are all in use again
          free_.erase(it);
          continue;
        }
        evicted.emplace_back(it->second.back(), it->first);
        it->second.pop_back();
        stats_.cached -= it->first;
        if (it->second.empty()) free_.erase(it);
      }
    }
    for (auto& [p, cls] : evicted) Release(p, cls);
  }

  static void Release(void* p, size_t cls) {
    if (cls >= kMapThreshold) {
      munmap(p, cls);
    } else {
      std::free(p);
    }
  }

  mutable std::mutex mu_;
  std::map<size_t, std::vector<void*>> free_;  // size class -> cached blocks
  Stats stats_;
  uint64_t peak_in_use_ = 0;
};

}  // namespace

Allocator& CpuAllocator() {
  // Never destroyed: tensors in static storage may free into it during exit.
  static Allocator* allocator = new CachingCpuAllocator();
  return *allocator;
}

}  // namespace pd
