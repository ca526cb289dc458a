#include "cuda/cuda_device.h"

#include <cstdint>
#include <cstdlib>
#include <limits>
#include <new>

namespace pd::cuda {

const char* CublasStatusName(cublasStatus_t status) {
  switch (status) {
    case CUBLAS_STATUS_SUCCESS: return "success";
    case CUBLAS_STATUS_NOT_INITIALIZED: return "cuBLAS not initialized";
    case CUBLAS_STATUS_ALLOC_FAILED: return "cuBLAS could not allocate memory";
    case CUBLAS_STATUS_INVALID_VALUE: return "invalid value";
    case CUBLAS_STATUS_ARCH_MISMATCH: return "not supported by this GPU";
    case CUBLAS_STATUS_MAPPING_ERROR: return "mapping error";
    case CUBLAS_STATUS_EXECUTION_FAILED: return "kernel execution failed";
    case CUBLAS_STATUS_INTERNAL_ERROR: return "internal error";
    case CUBLAS_STATUS_NOT_SUPPORTED: return "not supported";
    default: return "unknown cuBLAS status";
  }
}

void UseDevice(int device) {
  int current = -1;
  PD_CUDA_CHECK(cudaGetDevice(&current));
  if (current != device) PD_CUDA_CHECK(cudaSetDevice(device));
}

bool TryUseDevice(int device) noexcept {
  int current = -1;
  if (cudaGetDevice(&current) == cudaSuccess &&
      (current == device || cudaSetDevice(device) == cudaSuccess))
    return true;
  (void)cudaGetLastError();
  return false;
}

CudaAllocator::CudaAllocator(int device) : device_(device) {
  PD_CUDA_CHECK(cudaDeviceGetDefaultMemPool(&pool_, device));
  // Keep freed memory in the pool instead of giving it back at each synchronisation.
  uint64_t keep = std::numeric_limits<uint64_t>::max();
  PD_CUDA_CHECK(cudaMemPoolSetAttribute(pool_, cudaMemPoolAttrReleaseThreshold, &keep));
}

bool Recording() {
  cudaStreamCaptureStatus status = cudaStreamCaptureStatusNone;
  return cudaStreamIsCapturing(WorkStream(), &status) == cudaSuccess &&
         status != cudaStreamCaptureStatusNone;
}

void* CudaAllocator::Take(size_t bytes, bool zero) {
  UseDevice(device_);
  const bool recording = Recording();
  void* p = nullptr;
  const size_t n = bytes == 0 ? 64 : bytes;
  cudaError_t err = cudaMallocAsync(&p, n, WorkStream());
  // Memory the pool keeps cached for other sizes may be what is missing. A recording cannot
  // wait for the stream: it fails, and its run goes op by op.
  if (err == cudaErrorMemoryAllocation && !recording) {
    (void)cudaGetLastError();
    GiveBackCachedMemory(device_);
    err = cudaMallocAsync(&p, n, WorkStream());
  }
  if (err == cudaErrorMemoryAllocation) {
    (void)cudaGetLastError();
    Fail("out of GPU memory: ", bytes, " bytes asked for on GPU ", device_, " with ", in_use_,
         " in use");
  }
  PD_CUDA_CHECK(err);
  if (zero) PD_CUDA_CHECK(cudaMemsetAsync(p, 0, n, WorkStream()));
  std::lock_guard<std::mutex> lock(mu_);
  in_use_ += bytes;
  ++allocs_;
  if (recording) recorded_[p] = bytes;
  return p;
}

void CudaAllocator::Free(void* ptr, size_t bytes, Stream) {
  if (ptr == nullptr) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (lost_.erase(ptr) != 0) return;  // never backed
  }
  // A block that cannot be given back (the device failed) is lost with its context.
  if (!TryUseDevice(device_)) return;
  if (Recording()) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = recorded_.find(ptr);
    if (it == recorded_.end()) {  // the recording may read it: freed once the recording goes
      deferred_.push_back({ptr, bytes});
      return;
    }
    recorded_.erase(it);
    // A free node; a failure spoils the recording, which then shows it.
    if (cudaFreeAsync(ptr, WorkStream()) != cudaSuccess) (void)cudaGetLastError();
    in_use_ -= bytes;
    return;
  }
  // A free during shutdown (driver already gone) has nothing left to give back.
  if (cudaFreeAsync(ptr, WorkStream()) != cudaSuccess) (void)cudaGetLastError();
  std::lock_guard<std::mutex> lock(mu_);
  in_use_ -= bytes;
}

CudaAllocator::RecordingEnd CudaAllocator::EndRecording() {
  std::lock_guard<std::mutex> lock(mu_);
  RecordingEnd end;
  end.kept = recorded_.size();
  end.deferred.swap(deferred_);
  recorded_.clear();
  return end;
}

void CudaAllocator::LoseRecording() {
  std::vector<std::pair<void*, size_t>> deferred;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [ptr, bytes] : recorded_) {
      lost_.insert(ptr);
      in_use_ -= bytes;
    }
    recorded_.clear();
    deferred.swap(deferred_);
  }
  FreeNow(deferred);  // nothing recorded runs
}

size_t CudaAllocator::LostBlocks() const {
  std::lock_guard<std::mutex> lock(mu_);
  return lost_.size();
}

void CudaAllocator::FreeNow(const std::vector<std::pair<void*, size_t>>& blocks) {
  for (const auto& [ptr, bytes] : blocks) Free(ptr, bytes, nullptr);
}

void* CudaAllocator::AllocateHost(size_t bytes) {
  if (bytes == 0) bytes = 64;
  void* p = nullptr;
  if (cudaMallocHost(&p, bytes) == cudaSuccess) return p;
  (void)cudaGetLastError();  // else the next launch check reports this failure as its own
  p = std::malloc(bytes);
  if (p == nullptr) throw std::bad_alloc();
  std::lock_guard<std::mutex> lock(mu_);
  pageable_.insert(p);
  return p;
}

void CudaAllocator::FreeHost(void* ptr, size_t) {
  if (ptr == nullptr) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (pageable_.erase(ptr) != 0) {
      std::free(ptr);
      return;
    }
  }
  if (cudaFreeHost(ptr) != cudaSuccess) (void)cudaGetLastError();
}

Allocator::Stats CudaAllocator::stats() const {
  Stats s;
  uint64_t reserved = 0, used = 0, used_high = 0;
  if (cudaMemPoolGetAttribute(pool_, cudaMemPoolAttrReservedMemCurrent, &reserved) == cudaSuccess &&
      cudaMemPoolGetAttribute(pool_, cudaMemPoolAttrUsedMemCurrent, &used) == cudaSuccess)
    s.cached = reserved - used;
  if (cudaMemPoolGetAttribute(pool_, cudaMemPoolAttrUsedMemHigh, &used_high) == cudaSuccess)
    s.peak_in_use = used_high;
  // Recorded runs' own memory comes from the graphs' pool (an upper bound: the two peaks need
  // not coincide).
  uint64_t graph_high = 0;
  if (cudaDeviceGetGraphMemAttribute(device_, cudaGraphMemAttrUsedMemHigh, &graph_high) ==
      cudaSuccess)
    s.peak_in_use += graph_high;
  (void)cudaGetLastError();
  std::lock_guard<std::mutex> lock(mu_);
  s.in_use = in_use_;
  s.system_allocs = allocs_;
  return s;
}

void GiveBackCachedMemory(int device) {
  UseDevice(device);
  cudaMemPool_t pool = nullptr;
  PD_CUDA_CHECK(cudaDeviceGetDefaultMemPool(&pool, device));
  PD_CUDA_CHECK(cudaStreamSynchronize(WorkStream()));
  PD_CUDA_CHECK(cudaMemPoolTrimTo(pool, 0));
}

void CudaAllocator::ReleaseCached() { GiveBackCachedMemory(device_); }

void CudaAllocator::ResetPeak() {
  uint64_t zero = 0;  // CUDA resets a high-water mark to the current value when set to 0
  PD_CUDA_CHECK(cudaMemPoolSetAttribute(pool_, cudaMemPoolAttrUsedMemHigh, &zero));
  PD_CUDA_CHECK(cudaMemPoolSetAttribute(pool_, cudaMemPoolAttrReservedMemHigh, &zero));
  PD_CUDA_CHECK(cudaDeviceSetGraphMemAttribute(device_, cudaGraphMemAttrUsedMemHigh, &zero));
}

void CudaAllocator::Reserve(uint64_t mb) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (mb <= reserved_mb_) return;
    reserved_mb_ = mb;
  }
  UseDevice(device_);
  // One block of that size taken and given back leaves the pool holding it.
  void* p = nullptr;
  if (cudaMallocAsync(&p, mb << 20, WorkStream()) != cudaSuccess) {
    (void)cudaGetLastError();
    Fail("cannot reserve a ", mb, " MiB memory pool on GPU ", device_);
  }
  PD_CUDA_CHECK(cudaFreeAsync(p, WorkStream()));
  PD_CUDA_CHECK(cudaStreamSynchronize(WorkStream()));
}

CudaContext::CudaContext(Place place, const ExecConfig& config) : DeviceContext(place, config) {
  UseDevice(place.device);
  PD_CUDA_CHECK(cudaGetDeviceProperties(&props_, place.device));
  PD_CUBLAS_CHECK(cublasCreate(&cublas_));
  PD_CUBLAS_CHECK(cublasSetStream(cublas_, WorkStream()));
  PD_CUBLAS_CHECK(cublasSetMathMode(
      cublas_, config.allow_tf32 ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_PEDANTIC_MATH));
  // cuBLAS's scratch, fixed: without one it allocates its own, inside a recorded run too
  // (memory the recording did not make). 32 MiB is what cuBLAS's guide gives for Hopper.
  PD_CUDA_CHECK(cudaMallocAsync(&cublas_workspace_, kCublasWorkspace, WorkStream()));
  PD_CUBLAS_CHECK(cublasSetWorkspace(cublas_, cublas_workspace_, kCublasWorkspace));
  PD_CUDNN_CHECK(cudnnCreate(&cudnn_));
  PD_CUDNN_CHECK(cudnnSetStream(cudnn_, WorkStream()));
  // The workspace is this thread's stream's until another is ordered after its allocation: the
  // context may be used and destroyed from other threads (a goroutine moves between them), and
  // one that never runs anything on the GPU would never order it otherwise.
  PD_CUDA_CHECK(cudaStreamSynchronize(WorkStream()));
}

CudaContext::~CudaContext() {
  if (workspace_ != nullptr && TryUseDevice(place().device))
    (void)cudaFreeAsync(workspace_, WorkStream());
  if (cublas_workspace_ != nullptr && TryUseDevice(place().device))
    (void)cudaFreeAsync(cublas_workspace_, WorkStream());
  // Its queued copies finish first (CUDA lets a destroyed stream's work complete).
  if (copy_stream_ != nullptr && TryUseDevice(place().device)) (void)cudaStreamDestroy(copy_stream_);
  if (cudnn_ != nullptr) cudnnDestroy(cudnn_);
  if (cublas_ != nullptr) cublasDestroy(cublas_);
}

void CudaContext::Wait() {
  UseDevice(place().device);
  PD_CUDA_CHECK(cudaStreamSynchronize(WorkStream()));
}

namespace {

// An event recorded on a stream (the calling thread's, or a context's copy stream); its Wait may
// come from any thread.
class CudaFence final : public Fence {
 public:
  CudaFence(int device, cudaStream_t stream) : device_(device) {
    PD_CUDA_CHECK(cudaEventCreateWithFlags(&event_, cudaEventDisableTiming));
    const cudaError_t err = cudaEventRecord(event_, stream);
    if (err != cudaSuccess) {
      cudaEventDestroy(event_);
      PD_CUDA_CHECK(err);
    }
  }
  ~CudaFence() override {
    if (TryUseDevice(device_)) (void)cudaEventDestroy(event_);
  }
  void Wait() override {
    UseDevice(device_);
    PD_CUDA_CHECK(cudaEventSynchronize(event_));
  }
  cudaEvent_t event() const { return event_; }

 private:
  int device_;
  cudaEvent_t event_ = nullptr;
};

}  // namespace

std::unique_ptr<Fence> CudaContext::Mark() {
  UseDevice(place().device);
  return std::make_unique<CudaFence>(place().device, WorkStream());
}

std::unique_ptr<Fence> CudaContext::CopyAside(void* dst, const void* src, size_t bytes) {
  UseDevice(place().device);
  // Non-blocking: the legacy default stream's implicit synchronisation would tie it to the rest.
  if (copy_stream_ == nullptr)
    PD_CUDA_CHECK(cudaStreamCreateWithFlags(&copy_stream_, cudaStreamNonBlocking));
  PD_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyHostToDevice, copy_stream_));
  return std::make_unique<CudaFence>(place().device, copy_stream_);
}

void CudaContext::Follow(Fence& fence) {
  UseDevice(place().device);
  PD_CUDA_CHECK(cudaStreamWaitEvent(WorkStream(), static_cast<CudaFence&>(fence).event(), 0));
}

void* CudaContext::Workspace(size_t bytes) {
  if (bytes <= workspace_bytes_) return workspace_;
  // Its old block is not the recording's to free, nor the new one the recording's to keep.
  PD_CHECK(!Recording(), "a kernel needed a larger workspace while the run was recorded");
  if (workspace_ != nullptr) PD_CUDA_CHECK(cudaFreeAsync(workspace_, WorkStream()));
  workspace_ = nullptr;
  workspace_bytes_ = 0;
  PD_CUDA_CHECK(cudaMallocAsync(&workspace_, bytes, WorkStream()));
  workspace_bytes_ = bytes;
  return workspace_;
}

CudaDevice::CudaDevice() {
  int n = 0;
  PD_CUDA_CHECK(cudaGetDeviceCount(&n));
  for (int i = 0; i < n; ++i) allocators_.push_back(std::make_unique<CudaAllocator>(i));
}

Allocator& CudaDevice::allocator(int device) {
  PD_CHECK(device >= 0 && device < count(), "GPU ", device, " does not exist (this machine has ",
           count(), ")");
  return *allocators_[device];
}

std::unique_ptr<DeviceContext> CudaDevice::NewContext(Place place, const ExecConfig& config) {
  allocator(place.device);  // checks the id
  return std::make_unique<CudaContext>(place, config);
}

void CudaDevice::CopyToHost(int device, void* dst, const void* src, size_t bytes, Stream) {
  UseDevice(device);
  PD_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToHost, WorkStream()));
}

void CudaDevice::CopyFromHost(int device, void* dst, const void* src, size_t bytes, Stream) {
  UseDevice(device);
  PD_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyHostToDevice, WorkStream()));
}

void CudaDevice::CopyOnDevice(int device, void* dst, const void* src, size_t bytes, Stream) {
  UseDevice(device);
  PD_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice, WorkStream()));
}

void CudaDevice::Synchronize(int device, Stream) {
  UseDevice(device);
  PD_CUDA_CHECK(cudaStreamSynchronize(WorkStream()));
}

namespace {

class CudaGraphWork final : public RecordedWork {
 public:
  CudaGraphWork(cudaGraphExec_t exec, CudaAllocator& allocator,
                CudaAllocator::RecordingEnd end)
      : exec_(exec), allocator_(allocator), end_(std::move(end)) {}
  ~CudaGraphWork() override {
    cudaGraphExecDestroy(exec_);
    allocator_.FreeNow(end_.deferred);  // stream-ordered after the launches
  }
  void Launch(DeviceContext& ctx) override {
    UseDevice(ctx.place().device);
    PD_CUDA_CHECK(cudaGraphLaunch(exec_, WorkStream()));
  }
  bool repeatable() const override { return end_.kept == 0; }

 private:
  cudaGraphExec_t exec_;
  CudaAllocator& allocator_;
  CudaAllocator::RecordingEnd end_;
};

}  // namespace

std::unique_ptr<RecordedWork> CudaDevice::Record(DeviceContext& ctx,
                                                 const std::function<void()>& queue) {
  UseDevice(ctx.place().device);
  CudaAllocator& allocator = *allocators_[ctx.place().device];
  // Thread-local mode: a call on this thread that cannot be recorded (a synchronous copy, a
  // plain cudaMalloc) fails instead of running outside the graph.
  PD_CUDA_CHECK(cudaStreamBeginCapture(WorkStream(), cudaStreamCaptureModeThreadLocal));
  const auto end_capture = [] {
    cudaGraph_t graph = nullptr;
    const cudaError_t err = cudaStreamEndCapture(WorkStream(), &graph);
    (void)cudaGetLastError();
    if (err != cudaSuccess && graph != nullptr) {
      cudaGraphDestroy(graph);
      graph = nullptr;
    }
    return graph;
  };
  try {
    queue();
  } catch (...) {
    if (cudaGraph_t graph = end_capture()) cudaGraphDestroy(graph);
    allocator.LoseRecording();
    throw;
  }
  cudaGraph_t graph = end_capture();
  if (graph == nullptr) {
    allocator.LoseRecording();
    Fail("the run could not be recorded as a CUDA graph");
  }
  cudaGraphExec_t exec = nullptr;
  const cudaError_t err = cudaGraphInstantiate(&exec, graph, 0);
  cudaGraphDestroy(graph);
  if (err != cudaSuccess) {
    (void)cudaGetLastError();
    allocator.LoseRecording();
    PD_CUDA_CHECK(err);
  }
  return std::make_unique<CudaGraphWork>(exec, allocator, allocator.EndRecording());
}

size_t CudaDevice::BuffersLostToRecording(int device) {
  return static_cast<CudaAllocator&>(allocator(device)).LostBlocks();
}

}  // namespace pd::cuda
