#include "framework/allocator.h"

#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <new>
#include <vector>

namespace pd {
namespace {

constexpr size_t kAlign = 64;
// Freed blocks kept for reuse, at most this many bytes in all; the rest go back to the system.
constexpr size_t kMaxCachedBytes = size_t{512} << 20;

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

  void* Allocate(size_t bytes, Stream) override {
    const size_t cls = SizeClass(bytes);
    void* p = nullptr;
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = free_.find(cls);
      if (it != free_.end() && !it->second.empty()) {
        p = it->second.back();
        it->second.pop_back();
        stats_.cached -= cls;
        ++stats_.reuses;
      }
      stats_.in_use += cls;
    }
    if (p == nullptr) {
      p = std::aligned_alloc(kAlign, cls);
      if (p == nullptr) {
        std::lock_guard<std::mutex> lock(mu_);
        stats_.in_use -= cls;
        throw std::bad_alloc();
      }
      std::lock_guard<std::mutex> lock(mu_);
      ++stats_.system_allocs;
    }
    // Zero-filled, as every reader of a fresh tensor may assume (padding of blocked layouts).
    std::memset(p, 0, bytes);
    return p;
  }

  void Free(void* ptr, size_t bytes, Stream) override {
    if (ptr == nullptr) return;
    const size_t cls = SizeClass(bytes);
    {
      std::lock_guard<std::mutex> lock(mu_);
      stats_.in_use -= cls;
      if (stats_.cached + cls <= kMaxCachedBytes) {
        free_[cls].push_back(ptr);
        stats_.cached += cls;
        return;
      }
    }
    std::free(ptr);
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
      for (void* p : kv.second) std::free(p);
  }

 private:
  mutable std::mutex mu_;
  std::map<size_t, std::vector<void*>> free_;  // size class -> cached blocks
  Stats stats_;
};

}  // namespace

Allocator& CpuAllocator() {
  // Never destroyed: tensors in static storage may free into it during exit.
  static Allocator* allocator = new CachingCpuAllocator();
  return *allocator;
}

}  // namespace pd
