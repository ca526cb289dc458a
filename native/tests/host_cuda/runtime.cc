// The host CUDA's runtime: the CUDA runtime functions the backend calls, over host memory.
//
// Devices: HOSTCUDA_DEVICES of them (default 1), sm_90-like; the current device is per thread.
// Memory: device blocks are host memory that the runtime tracks by device, so that a kernel
// handed anything else (host memory, another device's block, a freed block) faults as it would
// on a GPU. New blocks are filled with 0xff bytes (NaN as float32), as cudaMallocAsync gives
// memory that was never zeroed, so that a kernel reading what nothing wrote shows NaN; freed
// blocks are filled the same way and kept a while before the system gets them back, so that a
// stale pointer reads NaN instead of old values.
// Streams: each thread's work is queued (stream.h) and runs when the thread synchronises (a
// stream or device synchronisation, a copy to or from pageable memory, which CUDA makes
// synchronous, or freeing page-locked memory), as a GPU runs it after the call that queued it
// returns: a caller that reads a result or reuses a source too early sees it.
// Streams made with cudaStreamCreateWithFlags (a copy queue beside the work) have a queue of
// their own, which any thread may run: it runs when something waits for it (a synchronisation
// of it, of an event recorded on it or of the device, or, through cudaStreamWaitEvent, a
// thread's stream reaching the wait in its own order). Work on it that nothing waits for has
// not run, so a kernel that reads what such a copy writes without waiting for it sees the
// memory as it was.
// Host waits: every call that makes the host wait for queued work (those synchronisations and
// copies) is counted, and hostcuda_host_waits tells the count, so that a check can show that a
// launched training step queues its work without waiting for any of it.
// Capture: while a thread's stream is captured, its work is recorded as a graph instead;
// cudaGraphLaunch queues the recording. A call CUDA refuses during a thread-local capture
// (synchronising) fails and invalidates the capture, as on a GPU.
// Graph memory: cudaMallocAsync while capturing makes an allocation node, as CUDA does: the
// address is the graph's for its life, and the memory is there only from the node's run at a
// launch to its free, a free node of the same graph (cudaFreeAsync while capturing) or, for an
// allocation the graph does not free, a cudaFreeAsync after the launch. Before, after or, in a
// capture that failed, ever, a kernel handed it faults. A graph whose allocation from the last
// launch was not freed cannot be launched again, and an allocation its graph frees cannot be
// freed outside it; both calls fail, as CUDA's do.
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "errors.h"
#include "kernel_model.h"
#include "races.h"
#include "stream.h"

namespace hostcuda {
namespace {

constexpr unsigned char kPoison = 0xff;  // NaN in every float byte pattern
constexpr size_t kQuarantineBytes = size_t{256} << 20;

int DeviceCount() {
  static const int count = [] {
    const char* env = std::getenv("HOSTCUDA_DEVICES");
    const int n = env != nullptr ? std::atoi(env) : 1;
    return n < 1 ? 1 : n;
  }();
  return count;
}

thread_local int current_device = 0;
thread_local cudaError_t last_error = cudaSuccess;

std::mutex fault_mu;
std::atomic<cudaError_t> sticky{cudaSuccess};
std::atomic<long> host_waits{0};
std::string fault_text;

// ---- memory ---------------------------------------------------------------------------------

struct GraphAlloc;

struct Block {
  size_t bytes;
  int device;  // -1: page-locked host memory
  // Graph memory: the allocation node that owns the address (nullptr: an ordinary block), and
  // whether the memory is there now (an ordinary block always is).
  GraphAlloc* graph = nullptr;
  bool live = true;
};

// An allocation node of a captured graph: shared by the graph, its instantiations and their
// queued work, and given back when the last of them goes.
struct GraphAlloc {
  char* p = nullptr;
  bool freed_in_graph = false;  // the graph has a free node for it
  bool outstanding = false;     // launched, and not freed since
  ~GraphAlloc();
};

struct Memory {
  std::mutex mu;
  std::map<const char*, Block> blocks;  // by start
  std::deque<std::pair<char*, size_t>> quarantine;
  size_t quarantined = 0;
  std::vector<size_t> used;  // device bytes in use, per device
  std::vector<size_t> used_high;  // the most used has been since the last reset
  // The same for graph memory, which CUDA counts apart from the pools.
  std::vector<size_t> graph_used, graph_high;
  void Grow(int device) {
    if (used.size() > static_cast<size_t>(device)) return;
    used.resize(device + 1);
    used_high.resize(device + 1);
    graph_used.resize(device + 1);
    graph_high.resize(device + 1);
  }
};
Memory& Mem() {
  static Memory* m = new Memory;  // outlives every static that frees device memory at exit
  return *m;
}

// A new block; graph memory (owned by graph) starts absent, until its allocation node runs.
char* NewBlock(size_t bytes, int device, GraphAlloc* graph = nullptr) {
  const size_t n = bytes == 0 ? 1 : bytes;
  char* p = static_cast<char*>(std::aligned_alloc(256, (n + 255) / 256 * 256));
  if (p == nullptr) return nullptr;
  std::memset(p, kPoison, n);
  Memory& m = Mem();
  std::lock_guard<std::mutex> lock(m.mu);
  m.blocks[p] = Block{n, device, graph, graph == nullptr};
  if (device >= 0 && graph == nullptr) {
    m.Grow(device);
    m.used[device] += n;
    m.used_high[device] = std::max(m.used_high[device], m.used[device]);
  }
  return p;
}

// Graph memory coming (an allocation node runs) or going (its free runs), poisoned either way.
// False when it already was as asked.
bool SetGraphMemory(char* p, bool live) {
  Memory& m = Mem();
  std::lock_guard<std::mutex> lock(m.mu);
  auto it = m.blocks.find(p);
  if (it == m.blocks.end() || it->second.live == live) return false;
  Block& b = it->second;
  b.live = live;
  std::memset(p, kPoison, b.bytes);
  m.Grow(b.device);
  if (live) {
    m.graph_used[b.device] += b.bytes;
    m.graph_high[b.device] = std::max(m.graph_high[b.device], m.graph_used[b.device]);
  } else {
    m.graph_used[b.device] -= b.bytes;
  }
  return true;
}

GraphAlloc::~GraphAlloc() {
  Memory& m = Mem();
  std::unique_lock<std::mutex> lock(m.mu);
  auto it = m.blocks.find(p);
  if (it == m.blocks.end()) return;
  if (it->second.live) {
    // Launched and not freed yet: the memory outlives its graph, and cudaFreeAsync frees it.
    it->second.graph = nullptr;
    m.graph_used[it->second.device] -= it->second.bytes;
    m.used[it->second.device] += it->second.bytes;
    return;
  }
  m.blocks.erase(it);
  lock.unlock();
  std::free(p);
}

// Removes a block; false if p does not start one of the given kind that is there. Graph
// memory just goes (its graph owns the address).
bool DropBlock(void* ptr, bool host) {
  Memory& m = Mem();
  std::unique_lock<std::mutex> lock(m.mu);
  auto it = m.blocks.find(static_cast<const char*>(ptr));
  if (it == m.blocks.end() || (it->second.device < 0) != host || !it->second.live) return false;
  if (it->second.graph != nullptr) {
    lock.unlock();
    return SetGraphMemory(static_cast<char*>(ptr), false);
  }
  const size_t bytes = it->second.bytes;
  if (it->second.device >= 0) m.used[it->second.device] -= bytes;
  m.blocks.erase(it);
  Forget(ptr);
  char* p = static_cast<char*>(ptr);
  std::memset(p, kPoison, bytes);
  m.quarantine.emplace_back(p, bytes);
  m.quarantined += bytes;
  while (m.quarantined > kQuarantineBytes) {
    std::free(m.quarantine.front().first);
    m.quarantined -= m.quarantine.front().second;
    m.quarantine.pop_front();
  }
  return true;
}

// The block holding [p, p + bytes), if any (p may be one past the end when bytes is 0), and
// where it starts.
bool Find(const void* p, size_t bytes, Block* out, const char** start = nullptr) {
  Memory& m = Mem();
  const char* c = static_cast<const char*>(p);
  std::lock_guard<std::mutex> lock(m.mu);
  auto it = m.blocks.upper_bound(c);
  if (it == m.blocks.begin()) return false;
  --it;
  if (c + bytes > it->first + it->second.bytes) return false;
  *out = it->second;
  if (start != nullptr) *start = it->first;
  return true;
}

std::string DescribePointer(const void* p, size_t bytes) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%p", p);
  Block b{};
  if (!Find(p, 0, &b)) return std::string("host memory at ") + buf;
  if (b.device < 0) return std::string("page-locked host memory at ") + buf;
  if (!Find(p, bytes, &b))
    return "a range of " + std::to_string(bytes) + " bytes at " + buf + " past its block's end";
  if (!b.live) return std::string("graph memory at ") + buf + " while its graph does not hold it";
  return "memory of GPU " + std::to_string(b.device) + " at " + buf + " while GPU " +
         std::to_string(current_device) + " is current";
}

// Whether [p, p + bytes) is device memory of the current device: there now, or graph memory
// while a capture records work (CUDA checks nothing of it until the work runs).
bool OnCurrentDevice(const void* p, size_t bytes) {
  Block b{};
  return Find(p, bytes, &b) && b.device == current_device &&
         (b.live || (b.graph != nullptr && Capturing()));
}

bool PageableHost(const void* p) {
  Block b{};
  return !Find(p, 0, &b);
}

// ---- streams and capture --------------------------------------------------------------------

struct Graph {
  std::vector<std::function<void()>> work;
  std::vector<std::shared_ptr<GraphAlloc>> allocs;  // its allocation nodes
};

// A stream made with cudaStreamCreateWithFlags. Closures that run its work hold it shared, so
// a destroyed stream's queued waits stay valid.
struct SideStream {
  std::mutex mu;
  std::deque<std::function<void()>> queued;
  uint64_t queued_total = 0, ran = 0;  // pieces of work ever queued, and run
  Timeline timeline;  // races.h
};

struct SideStreams {
  std::mutex mu;
  std::map<cudaStream_t, std::shared_ptr<SideStream>> live;
};
SideStreams& Sides() {
  static SideStreams* s = new SideStreams;
  return *s;
}

// The side stream s is, or nullptr (a thread's stream: 0, cudaStreamLegacy, cudaStreamPerThread).
std::shared_ptr<SideStream> SideOf(cudaStream_t s) {
  SideStreams& all = Sides();
  std::lock_guard<std::mutex> lock(all.mu);
  auto it = all.live.find(s);
  return it == all.live.end() ? nullptr : it->second;
}

// Runs side's work, in order, until `upto` pieces of it have run.
void RunSide(SideStream& side, uint64_t upto) {
  std::lock_guard<std::mutex> lock(side.mu);
  while (side.ran < upto && !side.queued.empty()) {
    std::function<void()> work = std::move(side.queued.front());
    side.queued.pop_front();
    ++side.ran;
    work();
  }
}

void RunAllSides() {
  std::vector<std::shared_ptr<SideStream>> sides;
  {
    SideStreams& all = Sides();
    std::lock_guard<std::mutex> lock(all.mu);
    for (auto& [handle, side] : all.live) sides.push_back(side);
  }
  for (auto& side : sides) RunSide(*side, UINT64_MAX);
}

struct ThreadStream {
  std::vector<std::function<void()>> queued;
  Graph* capture = nullptr;  // the graph being recorded
  bool capture_invalid = false;
  Timeline timeline;  // races.h
  ~ThreadStream() {  // a thread that ends runs what it queued, as its stream would
    for (auto& w : queued) w();
    delete capture;
  }
};
thread_local ThreadStream stream;

// The stamp of a piece of work queued on s now (races.h); none while the thread's stream is
// captured (a graph's work is not checked).
std::optional<Stamp> StampFor(cudaStream_t s) {
  if (std::shared_ptr<SideStream> side = SideOf(s)) {
    std::lock_guard<std::mutex> lock(side->mu);
    return Tick(side->timeline);
  }
  if (stream.capture != nullptr) return std::nullopt;
  return Tick(stream.timeline);
}

// Checks stamped work's access to [p, p + bytes) where that is an ordinary device block.
void Track(const std::optional<Stamp>& stamp, const void* p, size_t bytes, bool write,
           const char* what) {
  Block b{};
  const char* start = nullptr;
  if (!stamp || !Find(p, bytes, &b, &start) || b.device < 0 || b.graph != nullptr) return;
  Access(start, static_cast<size_t>(static_cast<const char*>(p) - start), bytes, write, *stamp,
         what);
}

// The host waited for the work queued on s so far, or on every stream it can wait for.
void Waited(cudaStream_t s) {
  if (std::shared_ptr<SideStream> side = SideOf(s)) {
    std::lock_guard<std::mutex> lock(side->mu);
    HostWaited(side->timeline.clock);
    return;
  }
  HostWaited(stream.timeline.clock);
}
void WaitedForAll() {
  HostWaited(stream.timeline.clock);
  SideStreams& all = Sides();
  std::lock_guard<std::mutex> lock(all.mu);
  for (auto& [handle, side] : all.live) {
    std::lock_guard<std::mutex> side_lock(side->mu);
    HostWaited(side->timeline.clock);
  }
}

void Flush() {
  std::vector<std::function<void()>> work;
  work.swap(stream.queued);
  for (auto& w : work) w();
}

cudaError_t Fails(cudaError_t error) {
  last_error = error;
  return error;
}

// What every call returns first: a sticky fault, or success.
#define HOSTCUDA_STICKY()                                      \
  do {                                                         \
    if (const cudaError_t s_ = Sticky(); s_ != cudaSuccess) return s_; \
  } while (0)

// A call CUDA refuses during a capture: fails it and the capture.
bool RefusedWhileCapturing() {
  if (stream.capture == nullptr) return false;
  InvalidateCapture();
  last_error = cudaErrorStreamCaptureUnsupported;
  return true;
}

struct PoolHandle {
  int device;
};
PoolHandle* Pool(int device) {
  static std::vector<PoolHandle>* pools = [] {
    auto* v = new std::vector<PoolHandle>;
    for (int i = 0; i < DeviceCount(); ++i) v->push_back(PoolHandle{i});
    return v;
  }();
  return &(*pools)[device];
}

}  // namespace

// ---- errors.h and stream.h ------------------------------------------------------------------

void ReportError(cudaError_t error, const std::string& message) {
  std::fprintf(stderr, "host CUDA: %s\n", message.c_str());
  last_error = error;
}

void ReportFault(const std::string& message) {
  std::fprintf(stderr, "host CUDA: fault: %s\n", message.c_str());
  std::lock_guard<std::mutex> lock(fault_mu);
  if (sticky.load() == cudaSuccess) {
    fault_text = "an illegal memory access was encountered (host CUDA: " + message + ")";
    sticky.store(cudaErrorIllegalAddress);
  }
}

cudaError_t Sticky() { return sticky.load(); }

void Enqueue(cudaStream_t s, std::function<void()> work) {
  if (Sticky() != cudaSuccess) return;  // a faulted context runs nothing more
  if (std::shared_ptr<SideStream> side = SideOf(s)) {
    std::lock_guard<std::mutex> lock(side->mu);
    side->queued.push_back(std::move(work));
    ++side->queued_total;
    return;
  }
  if (stream.capture != nullptr) {
    stream.capture->work.push_back(std::move(work));
  } else {
    stream.queued.push_back(std::move(work));
  }
}

void TrackWork(cudaStream_t s, const std::vector<DeviceAccess>& accesses, const char* what) {
  if (accesses.empty()) return;
  const std::optional<Stamp> stamp = StampFor(s);
  for (const DeviceAccess& a : accesses) {
    size_t bytes = a.bytes;
    if (bytes == kToBlockEnd) {
      Block b{};
      const char* start = nullptr;
      if (!Find(a.p, 0, &b, &start)) continue;
      bytes = b.bytes - static_cast<size_t>(static_cast<const char*>(a.p) - start);
    }
    Track(stamp, a.p, bytes, a.write, what);
  }
}

bool Capturing() { return stream.capture != nullptr; }
void InvalidateCapture() { stream.capture_invalid = true; }

bool LiveOnDevice(const void* p, size_t bytes, const char* what) {
  Block b{};
  if (Find(p, bytes, &b) && b.live) return true;
  ReportFault(std::string(what) + " is " + DescribePointer(p, bytes));
  return false;
}

thread_local bool checking_launched_work = false;

bool DevicePointerOk(const void* p, const char** why) {
  Block b{};
  // Queued work runs whichever device is current by then; graph memory must be there.
  const bool ok = checking_launched_work ? Find(p, 0, &b) && b.device >= 0 && b.live
                                         : OnCurrentDevice(p, 0);
  if (p == nullptr || ok) return true;
  static thread_local std::string text;
  text = DescribePointer(p, 0);
  *why = text.c_str();
  return false;
}

}  // namespace hostcuda

using namespace hostcuda;  // NOLINT: the runtime's functions are global, as CUDA declares them

// ---- the CUDA runtime API -------------------------------------------------------------------

extern "C" {

const char* cudaGetErrorString(cudaError_t error) {
  if (error != cudaSuccess && error == Sticky()) {
    std::lock_guard<std::mutex> lock(fault_mu);
    return fault_text.c_str();
  }
  switch (error) {
    case cudaSuccess: return "no error";
    case cudaErrorInvalidValue: return "invalid argument";
    case cudaErrorMemoryAllocation: return "out of memory";
    case cudaErrorInvalidConfiguration: return "invalid configuration argument";
    case cudaErrorInvalidDevice: return "invalid device ordinal";
    case cudaErrorIllegalState: return "operation not permitted when stream is capturing";
    case cudaErrorStreamCaptureUnsupported:
      return "operation not permitted when stream is capturing";
    case cudaErrorStreamCaptureInvalidated:
      return "operation failed due to a previous error during capture";
    case cudaErrorIllegalAddress: return "an illegal memory access was encountered";
    default: return "unknown error";
  }
}

const char* cudaGetErrorName(cudaError_t error) { return cudaGetErrorString(error); }

cudaError_t cudaGetLastError(void) {
  HOSTCUDA_STICKY();
  const cudaError_t e = last_error;
  last_error = cudaSuccess;
  return e;
}

cudaError_t cudaPeekAtLastError(void) {
  HOSTCUDA_STICKY();
  return last_error;
}

cudaError_t cudaGetDeviceCount(int* count) {
  *count = DeviceCount();
  return cudaSuccess;
}

cudaError_t cudaDriverGetVersion(int* version) {
  *version = CUDART_VERSION;
  return cudaSuccess;
}

cudaError_t cudaRuntimeGetVersion(int* version) {
  *version = CUDART_VERSION;
  return cudaSuccess;
}

cudaError_t cudaSetDevice(int device) {
  HOSTCUDA_STICKY();
  if (device < 0 || device >= DeviceCount()) return Fails(cudaErrorInvalidDevice);
  current_device = device;
  return cudaSuccess;
}

cudaError_t cudaGetDevice(int* device) {
  HOSTCUDA_STICKY();
  *device = current_device;
  return cudaSuccess;
}

cudaError_t cudaGetDeviceProperties(cudaDeviceProp* prop, int device) {
  HOSTCUDA_STICKY();
  if (device < 0 || device >= DeviceCount()) return Fails(cudaErrorInvalidDevice);
  *prop = cudaDeviceProp{};
  std::snprintf(prop->name, sizeof(prop->name), "host CUDA emulation %d", device);
  prop->major = 9;
  prop->minor = 0;
  prop->totalGlobalMem = size_t{16} << 30;
  prop->multiProcessorCount = 4;
  prop->maxThreadsPerBlock = 1024;
  prop->maxThreadsDim[0] = prop->maxThreadsDim[1] = 1024;
  prop->maxThreadsDim[2] = 64;
  prop->maxGridSize[0] = 0x7fffffff;
  prop->maxGridSize[1] = prop->maxGridSize[2] = 65535;
  prop->warpSize = 32;
  prop->sharedMemPerBlock = 48 << 10;
  prop->regsPerBlock = 65536;
  prop->maxThreadsPerMultiProcessor = 2048;
  prop->l2CacheSize = 4 << 20;
  prop->memoryBusWidth = 256;
  return cudaSuccess;
}

cudaError_t cudaDeviceSynchronize(void) {
  HOSTCUDA_STICKY();
  if (RefusedWhileCapturing()) return cudaErrorStreamCaptureUnsupported;
  ++host_waits;
  Flush();
  RunAllSides();
  WaitedForAll();
  return Sticky();
}

cudaError_t cudaStreamSynchronize(cudaStream_t s) {
  HOSTCUDA_STICKY();
  ++host_waits;
  Waited(s);
  if (std::shared_ptr<SideStream> side = SideOf(s)) {
    RunSide(*side, UINT64_MAX);
    return Sticky();
  }
  if (RefusedWhileCapturing()) return cudaErrorStreamCaptureUnsupported;
  Flush();
  return Sticky();
}

cudaError_t cudaStreamCreateWithFlags(cudaStream_t* s, unsigned int) {
  HOSTCUDA_STICKY();
  auto side = std::make_shared<SideStream>();
  *s = reinterpret_cast<cudaStream_t>(side.get());
  SideStreams& all = Sides();
  std::lock_guard<std::mutex> lock(all.mu);
  all.live[*s] = std::move(side);
  return cudaSuccess;
}

// CUDA lets a destroyed stream's queued work finish; here it runs now.
cudaError_t cudaStreamDestroy(cudaStream_t s) {
  std::shared_ptr<SideStream> side;
  {
    SideStreams& all = Sides();
    std::lock_guard<std::mutex> lock(all.mu);
    auto it = all.live.find(s);
    if (it == all.live.end()) return Fails(cudaErrorInvalidValue);
    side = std::move(it->second);
    all.live.erase(it);
  }
  RunSide(*side, UINT64_MAX);
  return cudaSuccess;
}

// Events: recording one queues a marker on the calling thread's stream; the event is complete
// once the thread's work up to the marker ran. Synchronising on it runs that work, which only
// the recording thread can do here (its queue is its own): a wait from another thread, which
// CUDA allows, fails naming this limit rather than pass without the work having run.
namespace {
struct HostEvent {
  std::shared_ptr<std::atomic<bool>> done = std::make_shared<std::atomic<bool>>(true);
  ThreadStream* owner = nullptr;
  // Recorded on a side stream: it, and how much of its work comes before the marker.
  std::shared_ptr<SideStream> side;
  uint64_t mark = 0;
  VectorClock clock;  // the work before the marker (races.h)
};
}  // namespace

cudaError_t cudaEventCreateWithFlags(cudaEvent_t* event, unsigned int) {
  HOSTCUDA_STICKY();
  *event = reinterpret_cast<cudaEvent_t>(new HostEvent);
  return cudaSuccess;
}

cudaError_t cudaEventRecord(cudaEvent_t event, cudaStream_t s) {
  HOSTCUDA_STICKY();
  if (RefusedWhileCapturing()) return cudaErrorStreamCaptureUnsupported;  // not modelled
  auto* e = reinterpret_cast<HostEvent*>(event);
  e->done = std::make_shared<std::atomic<bool>>(false);
  e->owner = &stream;
  e->side = SideOf(s);
  Enqueue(s, [done = e->done] { done->store(true); });
  if (std::optional<Stamp> stamp = StampFor(s)) e->clock = stamp->clock;
  if (e->side != nullptr) {
    std::lock_guard<std::mutex> lock(e->side->mu);
    e->mark = e->side->queued_total;
  }
  return cudaSuccess;
}

cudaError_t cudaEventSynchronize(cudaEvent_t event) {
  HOSTCUDA_STICKY();
  auto* e = reinterpret_cast<HostEvent*>(event);
  HostWaited(e->clock);
  if (e->done->load()) return cudaSuccess;
  ++host_waits;
  if (e->side != nullptr) {
    RunSide(*e->side, e->mark);
    return Sticky();
  }
  if (e->owner != &stream) {
    ReportError(cudaErrorNotSupported,
                "cudaEventSynchronize on another thread than the one that recorded the event");
    return cudaErrorNotSupported;
  }
  Flush();
  return Sticky();
}

// A thread's stream waiting for an event on a side stream runs that stream's work up to the
// event when it gets there. Waits the model cannot order (a side stream waiting, or one thread's
// stream waiting for another thread's) fail, naming the limit.
cudaError_t cudaStreamWaitEvent(cudaStream_t s, cudaEvent_t event, unsigned int) {
  HOSTCUDA_STICKY();
  auto* e = reinterpret_cast<HostEvent*>(event);
  if (SideOf(s) == nullptr) Join(&stream.timeline.clock, e->clock);
  if (e->done->load()) return cudaSuccess;
  if (SideOf(s) != nullptr || (e->side == nullptr && e->owner != &stream)) {
    ReportError(cudaErrorNotSupported,
                "cudaStreamWaitEvent: only a thread's stream waiting for a side stream's event "
                "(or its own) is modelled");
    return cudaErrorNotSupported;
  }
  if (e->side == nullptr) return cudaSuccess;  // the thread's own stream: in order already
  Enqueue(s, [side = e->side, mark = e->mark] { RunSide(*side, mark); });
  return cudaSuccess;
}

cudaError_t cudaEventDestroy(cudaEvent_t event) {
  delete reinterpret_cast<HostEvent*>(event);  // a queued marker keeps its own flag
  return cudaSuccess;
}

cudaError_t cudaMallocAsync(void** ptr, size_t bytes, cudaStream_t s) {
  HOSTCUDA_STICKY();
  if (stream.capture == nullptr || SideOf(s) != nullptr) {
    *ptr = NewBlock(bytes, current_device);
    if (*ptr == nullptr) return Fails(cudaErrorMemoryAllocation);
    // The block is s's from here: another stream's use must be ordered after this.
    Forget(*ptr);
    Track(StampFor(s), *ptr, bytes, true, "cudaMallocAsync");
    return cudaSuccess;
  }
  // An allocation node: the address now, the memory when the node runs.
  auto node = std::make_shared<GraphAlloc>();
  node->p = NewBlock(bytes, current_device, node.get());
  if (node->p == nullptr) return Fails(cudaErrorMemoryAllocation);
  stream.capture->allocs.push_back(node);
  Enqueue(s, [node] {
    SetGraphMemory(node->p, true);
    node->outstanding = !node->freed_in_graph;
  });
  *ptr = node->p;
  return cudaSuccess;
}

namespace {
// The allocation node of the graph being captured that p starts, if any.
GraphAlloc* CapturedAlloc(const void* p) {
  for (const auto& node : stream.capture->allocs)
    if (node->p == p) return node.get();
  return nullptr;
}

// The allocation node that owns p's address, if p is graph memory.
GraphAlloc* GraphOwner(const void* p) {
  Memory& m = Mem();
  std::lock_guard<std::mutex> lock(m.mu);
  auto it = m.blocks.find(static_cast<const char*>(p));
  return it == m.blocks.end() ? nullptr : it->second.graph;
}
}  // namespace

cudaError_t cudaFreeAsync(void* ptr, cudaStream_t s) {
  HOSTCUDA_STICKY();
  if (ptr == nullptr) return cudaSuccess;
  if (!OnCurrentDevice(ptr, 0)) return Fails(cudaErrorInvalidValue);
  if (stream.capture != nullptr && SideOf(s) == nullptr) {
    // A free node frees what an allocation node of the same graph made, once.
    GraphAlloc* node = CapturedAlloc(ptr);
    if (node == nullptr || node->freed_in_graph) {
      InvalidateCapture();
      return Fails(cudaErrorInvalidValue);
    }
    node->freed_in_graph = true;
    Enqueue(s, [ptr] { SetGraphMemory(static_cast<char*>(ptr), false); });
    return cudaSuccess;
  }
  if (GraphAlloc* node = GraphOwner(ptr)) {
    if (node->freed_in_graph) return Fails(cudaErrorInvalidValue);  // its graph frees it
    node->outstanding = false;
  }
  // Stream-ordered: the block stays the kernels' until the work queued before the free ran.
  Block b{};
  if (Find(ptr, 0, &b)) Track(StampFor(s), ptr, b.bytes, true, "cudaFreeAsync");
  Enqueue(s, [ptr] {
    if (!DropBlock(ptr, false)) ReportFault("cudaFreeAsync of a block already freed");
  });
  return cudaSuccess;
}

cudaError_t cudaMallocHost(void** ptr, size_t bytes) {
  HOSTCUDA_STICKY();
  if (RefusedWhileCapturing()) return cudaErrorStreamCaptureUnsupported;
  *ptr = NewBlock(bytes, -1);
  return *ptr == nullptr ? Fails(cudaErrorMemoryAllocation) : cudaSuccess;
}

cudaError_t cudaFreeHost(void* ptr) {
  HOSTCUDA_STICKY();
  if (ptr == nullptr) return cudaSuccess;
  if (RefusedWhileCapturing()) return cudaErrorStreamCaptureUnsupported;
  // cudaFreeHost waits for the device, so queued copies from the block finish first.
  ++host_waits;
  Flush();
  RunAllSides();
  WaitedForAll();
  return DropBlock(ptr, true) ? cudaSuccess : Fails(cudaErrorInvalidValue);
}

cudaError_t cudaMemsetAsync(void* ptr, int value, size_t bytes, cudaStream_t s) {
  HOSTCUDA_STICKY();
  if (!OnCurrentDevice(ptr, bytes)) {
    ReportFault("cudaMemsetAsync on " + DescribePointer(ptr, bytes));
    return Sticky();
  }
  Track(StampFor(s), ptr, bytes, true, "cudaMemsetAsync");
  Enqueue(s, [ptr, value, bytes] {
    if (LiveOnDevice(ptr, bytes, "cudaMemsetAsync")) std::memset(ptr, value, bytes);
  });
  return cudaSuccess;
}

cudaError_t cudaMemcpyAsync(void* dst, const void* src, size_t bytes, cudaMemcpyKind kind,
                            cudaStream_t s) {
  HOSTCUDA_STICKY();
  if (bytes == 0) return cudaSuccess;
  const bool dst_device = kind == cudaMemcpyHostToDevice || kind == cudaMemcpyDeviceToDevice;
  const bool src_device = kind == cudaMemcpyDeviceToHost || kind == cudaMemcpyDeviceToDevice;
  if (kind == cudaMemcpyDefault || kind == cudaMemcpyHostToHost) return Fails(cudaErrorInvalidValue);
  Block b{};
  const auto check = [&](const void* p, bool device, const char* role) {
    const bool is_device = Find(p, bytes, &b) && b.device >= 0;
    if (device ? OnCurrentDevice(p, bytes) : !is_device) return true;
    ReportFault(std::string("cudaMemcpyAsync's ") + role + " is " + DescribePointer(p, bytes) +
                (device ? ", not device memory" : ", not host memory"));
    return false;
  };
  if (!check(dst, dst_device, "destination") || !check(src, src_device, "source")) return Sticky();
  // CUDA lets a capture record a copy from or to pageable memory, and each launch then reads
  // or writes that host memory as it is by then (long gone, for a kernel's temporary): refused
  // here, as a recording may never rely on it.
  const bool pageable = (!dst_device && PageableHost(dst)) || (!src_device && PageableHost(src));
  if (pageable && SideOf(s) == nullptr && RefusedWhileCapturing())
    return cudaErrorStreamCaptureUnsupported;
  const std::optional<Stamp> stamp = StampFor(s);
  if (dst_device) Track(stamp, dst, bytes, true, "cudaMemcpyAsync");
  if (src_device) Track(stamp, src, bytes, false, "cudaMemcpyAsync");
  Enqueue(s, [dst, src, bytes, dst_device, src_device] {
    if ((!dst_device || LiveOnDevice(dst, bytes, "cudaMemcpyAsync's destination")) &&
        (!src_device || LiveOnDevice(src, bytes, "cudaMemcpyAsync's source")))
      std::memcpy(dst, src, bytes);
  });
  // From or to pageable memory CUDA returns once the copy is done (to the device: once the
  // source is staged), so the caller may reuse the buffer at once.
  if (pageable) {
    ++host_waits;
    Waited(s);
    if (std::shared_ptr<SideStream> side = SideOf(s)) {
      RunSide(*side, UINT64_MAX);
    } else {
      Flush();
    }
  }
  return Sticky();
}

cudaError_t cudaDeviceGetDefaultMemPool(cudaMemPool_t* pool, int device) {
  HOSTCUDA_STICKY();
  if (device < 0 || device >= DeviceCount()) return Fails(cudaErrorInvalidDevice);
  *pool = reinterpret_cast<cudaMemPool_t>(Pool(device));
  return cudaSuccess;
}

// The pool has no release threshold to honour (freed blocks go back at once, quarantined), so
// setting one is accepted and ignored; a high-water mark set to 0 starts over from the current
// value, as CUDA's does. Reserved memory is memory in use: nothing is kept for reuse.
cudaError_t cudaMemPoolSetAttribute(cudaMemPool_t pool, cudaMemPoolAttr attr, void* value) {
  HOSTCUDA_STICKY();
  const int device = reinterpret_cast<PoolHandle*>(pool)->device;
  switch (attr) {
    case cudaMemPoolAttrReleaseThreshold: return cudaSuccess;
    case cudaMemPoolAttrUsedMemHigh:
    case cudaMemPoolAttrReservedMemHigh: {
      if (*static_cast<uint64_t*>(value) != 0) return Fails(cudaErrorInvalidValue);
      Memory& m = Mem();
      std::lock_guard<std::mutex> lock(m.mu);
      if (static_cast<size_t>(device) < m.used.size()) m.used_high[device] = m.used[device];
      return cudaSuccess;
    }
    default: return Fails(cudaErrorInvalidValue);
  }
}

cudaError_t cudaMemPoolGetAttribute(cudaMemPool_t pool, cudaMemPoolAttr attr, void* value) {
  HOSTCUDA_STICKY();
  const int device = reinterpret_cast<PoolHandle*>(pool)->device;
  uint64_t used = 0, high = 0;
  {
    Memory& m = Mem();
    std::lock_guard<std::mutex> lock(m.mu);
    if (static_cast<size_t>(device) < m.used.size()) used = m.used[device], high = m.used_high[device];
  }
  switch (attr) {
    case cudaMemPoolAttrReservedMemCurrent:
    case cudaMemPoolAttrUsedMemCurrent:
      *static_cast<uint64_t*>(value) = used;
      return cudaSuccess;
    case cudaMemPoolAttrReservedMemHigh:
    case cudaMemPoolAttrUsedMemHigh:
      *static_cast<uint64_t*>(value) = high;
      return cudaSuccess;
    default: return Fails(cudaErrorInvalidValue);
  }
}

cudaError_t cudaMemPoolTrimTo(cudaMemPool_t, size_t) {
  HOSTCUDA_STICKY();
  return cudaSuccess;
}

cudaError_t cudaDeviceGetGraphMemAttribute(int device, cudaGraphMemAttributeType attr,
                                           void* value) {
  HOSTCUDA_STICKY();
  if (device < 0 || device >= DeviceCount()) return Fails(cudaErrorInvalidDevice);
  Memory& m = Mem();
  std::lock_guard<std::mutex> lock(m.mu);
  m.Grow(device);
  switch (attr) {
    case cudaGraphMemAttrUsedMemCurrent:
    case cudaGraphMemAttrReservedMemCurrent:
      *static_cast<uint64_t*>(value) = m.graph_used[device];
      return cudaSuccess;
    case cudaGraphMemAttrUsedMemHigh:
    case cudaGraphMemAttrReservedMemHigh:
      *static_cast<uint64_t*>(value) = m.graph_high[device];
      return cudaSuccess;
    default: return Fails(cudaErrorInvalidValue);
  }
}

cudaError_t cudaDeviceSetGraphMemAttribute(int device, cudaGraphMemAttributeType attr,
                                           void* value) {
  HOSTCUDA_STICKY();
  if (device < 0 || device >= DeviceCount()) return Fails(cudaErrorInvalidDevice);
  if ((attr != cudaGraphMemAttrUsedMemHigh && attr != cudaGraphMemAttrReservedMemHigh) ||
      *static_cast<uint64_t*>(value) != 0)
    return Fails(cudaErrorInvalidValue);
  Memory& m = Mem();
  std::lock_guard<std::mutex> lock(m.mu);
  m.Grow(device);
  m.graph_high[device] = m.graph_used[device];
  return cudaSuccess;
}

cudaError_t cudaStreamIsCapturing(cudaStream_t s, cudaStreamCaptureStatus* status) {
  HOSTCUDA_STICKY();
  *status = stream.capture == nullptr || SideOf(s) != nullptr ? cudaStreamCaptureStatusNone
            : stream.capture_invalid ? cudaStreamCaptureStatusInvalidated
                                     : cudaStreamCaptureStatusActive;
  return cudaSuccess;
}

cudaError_t cudaStreamBeginCapture(cudaStream_t, cudaStreamCaptureMode) {
  HOSTCUDA_STICKY();
  if (stream.capture != nullptr) return Fails(cudaErrorIllegalState);
  stream.capture = new Graph;
  stream.capture_invalid = false;
  return cudaSuccess;
}

cudaError_t cudaStreamEndCapture(cudaStream_t, cudaGraph_t* graph) {
  HOSTCUDA_STICKY();
  if (stream.capture == nullptr) return Fails(cudaErrorIllegalState);
  std::unique_ptr<Graph> g(stream.capture);
  stream.capture = nullptr;
  if (stream.capture_invalid) {
    *graph = nullptr;
    return Fails(cudaErrorStreamCaptureInvalidated);
  }
  *graph = reinterpret_cast<cudaGraph_t>(g.release());
  return cudaSuccess;
}

cudaError_t cudaGraphInstantiate(cudaGraphExec_t* exec, cudaGraph_t graph, unsigned long long) {
  HOSTCUDA_STICKY();
  if (graph == nullptr) return Fails(cudaErrorInvalidValue);
  *exec = reinterpret_cast<cudaGraphExec_t>(new Graph(*reinterpret_cast<Graph*>(graph)));
  return cudaSuccess;
}

cudaError_t cudaGraphLaunch(cudaGraphExec_t exec, cudaStream_t s) {
  HOSTCUDA_STICKY();
  const Graph* g = reinterpret_cast<const Graph*>(exec);
  for (const auto& node : g->allocs)
    if (node->outstanding) return Fails(cudaErrorInvalidValue);  // not freed since the last launch
  for (const auto& node : g->allocs) node->outstanding = !node->freed_in_graph;
  Enqueue(s, [g] {
    for (const auto& w : g->work) w();
  });
  return cudaSuccess;
}

cudaError_t cudaGraphDestroy(cudaGraph_t graph) {
  delete reinterpret_cast<Graph*>(graph);
  return cudaSuccess;
}

cudaError_t cudaGraphExecDestroy(cudaGraphExec_t exec) {
  Flush();  // a launch still queued reads the graph
  delete reinterpret_cast<Graph*>(exec);
  return cudaSuccess;
}

// Not CUDA's: how many calls so far made the host wait for queued work (the file's top).
__attribute__((visibility("default"))) long hostcuda_host_waits(void) { return host_waits.load(); }

}  // extern "C"
