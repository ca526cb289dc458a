// The CPU allocator: aligned, zero-filled blocks from a cache of freed ones; tensors take their
// storage from their place's allocator and say where it is.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>

#include "framework/allocator.h"
#include "framework/device.h"
#include "test_device.h"
#include "test_util.h"

namespace pd::test {
namespace {

// Every 4093rd byte of p's first bytes is zero (a stride that touches every page).
void ExpectZeroed(const void* p, size_t bytes) {
  const auto* b = static_cast<const unsigned char*>(p);
  for (size_t i = 0; i < bytes; i += 4093) ASSERT_EQ(b[i], 0) << "byte " << i;
}

TEST(CpuAllocator, ReusesFreedBlocksZeroFilledAndAligned) {
  Allocator& a = CpuAllocator();
  a.ReleaseCached();
  const auto before = a.stats();
  void* p = a.Allocate(100000);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % 64, 0u);
  std::memset(p, 0xab, 100000);
  a.Free(p, 100000);
  EXPECT_GT(a.stats().cached, 0u);
  // A slightly smaller request of the same size class gets the same block back, zeroed.
  void* q = a.Allocate(99000);
  EXPECT_EQ(q, p);
  EXPECT_EQ(a.stats().reuses, before.reuses + 1);
  const auto* bytes = static_cast<const unsigned char*>(q);
  for (size_t i = 0; i < 99000; ++i) ASSERT_EQ(bytes[i], 0) << "byte " << i;
  a.Free(q, 99000);
  a.ReleaseCached();
  EXPECT_EQ(a.stats().cached, 0u);
  EXPECT_EQ(a.stats().in_use, before.in_use);
}

// AllocateForOverwrite serves the same cache without clearing: a kernel that writes every element
// does not pay a pass over the block first. The bytes left by the last user are still there,
// which is how the test tells that the fill was skipped.
TEST(CpuAllocator, ForOverwriteReusesWithoutClearing) {
  Allocator& a = CpuAllocator();
  a.ReleaseCached();
  const auto before = a.stats();
  for (size_t bytes : {size_t{100000}, size_t{3} << 20}) {  // a heap block and a mapped one
    SCOPED_TRACE(bytes);
    void* p = a.AllocateForOverwrite(bytes);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % 64, 0u);
    std::memset(p, 0xab, bytes);
    a.Free(p, bytes);
    void* q = a.AllocateForOverwrite(bytes);
    EXPECT_EQ(q, p);
    EXPECT_EQ(static_cast<const unsigned char*>(q)[bytes - 1], 0xab);
    a.Free(q, bytes);
    // The zero-filling Allocate still clears what the overwriting user left.
    void* z = a.Allocate(bytes);
    EXPECT_EQ(z, p);
    const auto* b = static_cast<const unsigned char*>(z);
    for (size_t i = 0; i < bytes; i += 997) ASSERT_EQ(b[i], 0) << "byte " << i;
    a.Free(z, bytes);
  }
  a.ReleaseCached();
  EXPECT_EQ(a.stats().in_use, before.in_use);
}

// A cached mapped block of up to twice the size asked for serves the request whole: it keeps
// its pages, goes back to the cache under its own size, and serves its own size again.
TEST(CpuAllocator, LargerCachedBlockServesWhole) {
  Allocator& a = CpuAllocator();
  a.ReleaseCached();
  const auto before = a.stats();
  const size_t big = size_t{6} << 20, small = size_t{4} << 20;
  void* p = a.Allocate(big);
  std::memset(p, 0xab, big);
  a.Free(p, big);
  void* q = a.Allocate(small);
  EXPECT_EQ(q, p);
  EXPECT_EQ(a.stats().in_use, before.in_use + big) << "the whole block is out";
  ExpectZeroed(q, small);
  a.Free(q, small);
  EXPECT_EQ(a.stats().cached, big);
  void* r = a.Allocate(big);
  EXPECT_EQ(r, p);
  a.Free(r, big);
  const auto after = a.stats();
  EXPECT_EQ(after.system_allocs, before.system_allocs + 1);
  EXPECT_EQ(after.reuses, before.reuses + 2);
  a.ReleaseCached();
  EXPECT_EQ(a.stats().in_use, before.in_use);
}

// A cached block more than twice the size asked for stays cached under the cap: the request
// gets a new block.
TEST(CpuAllocator, UnderTheCapFarLargerBlockStaysCached) {
  Allocator& a = CpuAllocator();
  a.ReleaseCached();
  const auto start = a.stats();
  ASSERT_LT(start.in_use + (size_t{16} << 20), uint64_t{512} << 20) << "the test needs room under the cap";
  const size_t big = size_t{6} << 20, small = size_t{2} << 20;
  void* p = a.Allocate(big);
  a.Free(p, big);
  void* q = a.Allocate(small);
  EXPECT_NE(q, p);
  EXPECT_EQ(a.stats().cached, big);
  EXPECT_EQ(a.stats().system_allocs, start.system_allocs + 2);
  a.Free(q, small);
  a.ReleaseCached();
  EXPECT_EQ(a.stats().in_use, start.in_use);
}

// Under the cap a request that no cached block fits gets a new block; at the cap it gets a
// cached block of another size class, reshaped (shrunk or grown), zeroed. The filler that
// brings the allocator to its cap is mapped and never touched, so it costs no memory.
TEST(CpuAllocator, AtTheCapMappedBlocksChangeSizeClass) {
  Allocator& a = CpuAllocator();
  a.ReleaseCached();
  const auto start = a.stats();
  const size_t big = size_t{6} << 20, small = size_t{2} << 20;
  const uint64_t min_cap = uint64_t{512} << 20;
  // In use at least the cap's minimum, so that the cap is what is in use at the peak.
  const size_t filler = start.in_use < min_cap ? min_cap - start.in_use : 0;
  void* fill = filler > 0 ? a.AllocateForOverwrite(filler) : nullptr;
  void* p = a.Allocate(big);
  a.Free(p, big);
  const auto before = a.stats();
  ASSERT_EQ(before.cached, big);
  void* q = a.Allocate(small);  // the 6 MiB block, shrunk
  ExpectZeroed(q, small);
  std::memset(q, 0xcd, small);
  a.Free(q, small);
  void* r = a.Allocate(big);  // the 2 MiB block, grown
  ExpectZeroed(r, big);
  a.Free(r, big);
  const auto after = a.stats();
  EXPECT_EQ(after.system_allocs, before.system_allocs);
  EXPECT_EQ(after.reuses, before.reuses + 2);
  if (fill != nullptr) a.Free(fill, filler);
  a.ReleaseCached();
  EXPECT_EQ(a.stats().in_use, start.in_use);
}

// Blocks of a megabyte and more are mapped from the kernel: page-aligned, zero when fresh,
// zeroed again when reused, unmapped when the cache lets them go.
TEST(CpuAllocator, LargeBlocksAreMappedAndZeroed) {
  Allocator& a = CpuAllocator();
  a.ReleaseCached();
  const size_t big = size_t{3} << 20;
  void* p = a.Allocate(big);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % 4096, 0u);
  const auto* bytes = static_cast<const unsigned char*>(p);
  for (size_t i = 0; i < big; i += 4096) ASSERT_EQ(bytes[i], 0) << "byte " << i;
  std::memset(p, 0xcd, big);
  a.Free(p, big);
  void* q = a.Allocate(big);
  EXPECT_EQ(q, p) << "the freed block is cached and reused";
  bytes = static_cast<const unsigned char*>(q);
  for (size_t i = 0; i < big; ++i) ASSERT_EQ(bytes[i], 0) << "byte " << i;
  a.Free(q, big);
  a.ReleaseCached();
  EXPECT_EQ(a.stats().cached, 0u);
}

TEST(CpuAllocator, TensorsRecycleStorageAcrossSteps) {
  Allocator& a = CpuAllocator();
  a.ReleaseCached();
  const auto before = a.stats();
  // What a training step does with its temporaries: allocate, drop, allocate again.
  for (int step = 0; step < 10; ++step) {
    Tensor t;
    t.Resize({64, 1024});
    t.mutable_data<float>()[0] = 1.0f;
  }
  const auto after = a.stats();
  EXPECT_EQ(after.system_allocs - before.system_allocs, 1u);
  EXPECT_EQ(after.reuses - before.reuses, 9u);
}

TEST(TensorPlace, StorageComesFromItsPlace) {
  ScopedTestDevice test_device;
  Tensor host;
  host.Resize({2, 3});
  std::vector<float> v{1, 2, 3, 4, 5, 6};
  std::copy(v.begin(), v.end(), host.mutable_data<float>());
  host.set_lod({{0, 1, 2}});
  EXPECT_EQ(host.place(), Place::CPU());

  Tensor dev;
  CopyTensor(host, ScopedTestDevice::place(), &dev);
  EXPECT_EQ(dev.place(), ScopedTestDevice::place());
  EXPECT_EQ(dev.dims(), host.dims());
  EXPECT_EQ(dev.lod(), host.lod());
  EXPECT_EQ(test_device.device().allocator(0).stats().in_use, 24u);

  Tensor back;
  CopyTensor(dev, Place::CPU(), &back);
  EXPECT_EQ(back.place(), Place::CPU());
  EXPECT_EQ(std::vector<float>(back.data<float>(), back.data<float>() + 6), v);
  EXPECT_EQ(test_device.device().from_host(), 1u);
  EXPECT_EQ(test_device.device().to_host(), 1u);

  // mutable_data on a tensor whose buffer is elsewhere allocates on the tensor's place.
  back.set_place(ScopedTestDevice::place());
  back.mutable_data<float>();
  EXPECT_EQ(back.place(), ScopedTestDevice::place());
  dev.Release();
  back.Release();
  EXPECT_EQ(test_device.device().allocator(0).stats().in_use, 0u);
}

TEST(TensorStamp, ChangesOnEveryWriteAndIsUniqueAcrossBuffers) {
  Tensor a, b;
  EXPECT_EQ(a.stamp(), 0u);
  a.Resize({4});
  a.mutable_data<float>();
  const uint64_t s1 = a.stamp();
  EXPECT_NE(s1, 0u);
  a.data_mut<float>()[0] = 1.0f;
  EXPECT_NE(a.stamp(), s1);
  b.ShareDataWith(a);
  EXPECT_EQ(b.stamp(), a.stamp());
  WeightCache cache;
  EXPECT_TRUE(cache.Changed(b));
  EXPECT_FALSE(cache.Changed(b));
  a.data_mut<float>()[1] = 2.0f;  // written through the other tensor of the same buffer
  EXPECT_TRUE(cache.Changed(b));
  Tensor c;
  c.Resize({4});
  c.mutable_data<float>();
  EXPECT_NE(c.stamp(), a.stamp());
}

}  // namespace
}  // namespace pd::test
