#include "races.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "errors.h"

namespace hostcuda {
namespace {

struct Touch {
  int timeline;
  uint64_t tick;
  size_t begin, end;
  bool write;
  const char* what;
};

struct Races {
  std::mutex mu;
  VectorClock host;
  std::unordered_map<const void*, std::vector<Touch>> blocks;
};
Races& State() {
  static Races* r = new Races;  // outlives every static that frees device memory at exit
  return *r;
}

// A block's accesses kept: enough for a step's copies in and out, and its reuse.
constexpr size_t kKept = 64;

}  // namespace

void Join(VectorClock* into, const VectorClock& from) {
  for (const auto& [id, tick] : from) {
    uint64_t& t = (*into)[id];
    t = std::max(t, tick);
  }
}

Timeline::Timeline() {
  static std::atomic<int> next{1};
  id = next.fetch_add(1);
}

Stamp Tick(Timeline& t) {
  Races& r = State();
  std::lock_guard<std::mutex> lock(r.mu);
  Join(&t.clock, r.host);
  Stamp s;
  s.timeline = t.id;
  s.tick = ++t.clock[t.id];
  s.clock = t.clock;
  return s;
}

void HostWaited(const VectorClock& clock) {
  Races& r = State();
  std::lock_guard<std::mutex> lock(r.mu);
  Join(&r.host, clock);
}

void Access(const void* block, size_t offset, size_t bytes, bool write, const Stamp& stamp,
            const char* what) {
  Races& r = State();
  std::unique_lock<std::mutex> lock(r.mu);
  std::vector<Touch>& touches = r.blocks[block];
  const size_t begin = offset, end = offset + std::max<size_t>(bytes, 1);
  const auto ordered = [&](const Touch& t) {
    if (t.timeline == stamp.timeline) return true;
    const auto it = stamp.clock.find(t.timeline);
    return it != stamp.clock.end() && it->second >= t.tick;
  };
  for (const Touch& t : touches) {
    if (t.end <= begin || end <= t.begin || !(t.write || write) || ordered(t)) continue;
    char where[32];
    std::snprintf(where, sizeof(where), "%p", block);
    const std::string message = std::string("a race on the device block at ") + where + ": " +
                                what + (write ? " writes" : " reads") + " bytes that " + t.what +
                                (t.write ? " writes" : " reads") +
                                " on another stream, and nothing orders the two";
    lock.unlock();
    ReportFault(message);
    return;
  }
  // An earlier access this one comes after and covers, and is at least as strong as (a write,
  // or a read after a read), is of no more use: whatever races with it races with this one.
  touches.erase(std::remove_if(touches.begin(), touches.end(),
                               [&](const Touch& t) {
                                 return ordered(t) && (write || !t.write) && begin <= t.begin &&
                                        t.end <= end;
                               }),
                touches.end());
  if (touches.size() >= kKept) touches.erase(touches.begin());
  touches.push_back(Touch{stamp.timeline, stamp.tick, begin, end, write, what});
}

void Forget(const void* block) {
  Races& r = State();
  std::lock_guard<std::mutex> lock(r.mu);
  r.blocks.erase(block);
}

}  // namespace hostcuda
