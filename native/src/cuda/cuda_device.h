// The CUDA device behind Place{kGPU, n}: a stream-ordered allocator over each GPU's memory pool,
// the execution context kernels get (stream, cuBLAS and cuDNN handles, workspace, TF32 switch)
// and the copies between host and device memory.
//
// One stream per host thread: all of the backend's work goes to cudaStreamPerThread, so a
// predictor (used by one thread at a time, as with Paddle) has its work ordered on that thread's
// stream, clones on other threads run concurrently, and the allocator's stream-ordered frees are
// safe without events. A run ends by copying its fetch targets to the host, which waits for the
// stream: after Run returns nothing of it is still in flight.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "cuda/cuda_check.h"
#include "framework/device.h"

namespace pd::cuda {

// All of the backend's work is queued here (see above).
inline cudaStream_t WorkStream() { return cudaStreamPerThread; }

// Hands the memory device's pool keeps cached back to the driver, once the calling thread's
// work is done, for allocations outside the pool (cuDNN's own) or a retried one that failed.
void GiveBackCachedMemory(int device);

// Memory of one GPU from its default memory pool (cudaMallocAsync), which keeps freed blocks
// for reuse: the pool's release threshold is raised so the driver never hands cached memory
// back on its own, and Reserve makes the pool hold memory_pool_init_size_mb up front, as
// Paddle's allocator does with that setting. An allocation the pool cannot serve gets the
// cached memory given back to the driver and one more try, as PyTorch's allocator does. Blocks are zero-filled, as the Allocator contract
// promises every kernel, except those taken for a kernel that writes them in full
// (AllocateForOverwrite, Tensor::mutable_data_for_overwrite): with activations freed after their
// last use, a training step allocates its working set anew, and filling it first was a whole
// extra pass over memory.
class CudaAllocator final : public Allocator {
 public:
  explicit CudaAllocator(int device);
  Place place() const override { return Place{DeviceType::kGPU, device_}; }
  void* Allocate(size_t bytes, Stream) override { return Take(bytes, true); }
  void* AllocateForOverwrite(size_t bytes, Stream) override { return Take(bytes, false); }
  void Free(void* ptr, size_t bytes, Stream stream) override;
  // Page-locked host memory; plain (pageable) memory where the system has no more to lock, so
  // that a transfer is slower rather than failed.
  void* AllocateHost(size_t bytes) override;
  void FreeHost(void* ptr, size_t bytes) override;
  // peak_in_use: the pool's high-water mark of memory in use (cuDNN's allocations, outside
  // the pool, not counted).
  Stats stats() const override;
  void ReleaseCached() override;
  void ResetPeak() override;
  // Grows the pool to hold at least mb MiB (once per size asked for).
  void Reserve(uint64_t mb) override;

  // While a run is recorded (CudaDevice::Record), a block taken is the recording's graph
  // memory (an allocation node: CUDA backs it only while the graph runs) and giving it back in
  // the same run makes a free node; a block from before the recording given back meanwhile is
  // kept for the recording, which may read it (EndRecording hands those over).
  struct RecordingEnd {
    // Blocks the recording allocated and did not free: there after its first launch, but a
    // graph holding such an allocation cannot be launched again.
    size_t kept = 0;
    std::vector<std::pair<void*, size_t>> deferred;  // frees for after the recording is gone
  };
  RecordingEnd EndRecording();
  // After a recording that failed: its blocks were never backed. Giving one back then does
  // nothing; LostBlocks counts those still held.
  void LoseRecording();
  size_t LostBlocks() const;
  // Frees blocks deferred by a recording, once nothing of it can run.
  void FreeNow(const std::vector<std::pair<void*, size_t>>& blocks);

 private:
  void* Take(size_t bytes, bool zero);

  int device_;
  cudaMemPool_t pool_ = nullptr;
  mutable std::mutex mu_;
  uint64_t in_use_ = 0, allocs_ = 0, reserved_mb_ = 0;
  std::unordered_map<void*, size_t> recorded_;  // graph memory of the recording under way
  std::unordered_set<void*> lost_;              // graph memory of a failed recording
  std::vector<std::pair<void*, size_t>> deferred_;
  std::unordered_set<void*> pageable_;  // AllocateHost's blocks that could not be locked
};

// What a CUDA kernel needs besides its tensors. One per executor and place, so clones never
// share handles or workspace.
class CudaContext final : public DeviceContext {
 public:
  CudaContext(Place place, const ExecConfig& config);
  ~CudaContext() override;

  Stream stream() const override { return WorkStream(); }
  cudaStream_t cuda_stream() const { return WorkStream(); }
  void Wait() override;
  std::unique_ptr<Fence> Mark() override;
  // On the context's copy stream, made at the first call (a copy engine runs it beside the
  // kernels of the work stream).
  std::unique_ptr<Fence> CopyAside(void* dst, const void* src, size_t bytes) override;
  void Follow(Fence& fence) override;

  cublasHandle_t cublas() const { return cublas_; }
  cudnnHandle_t cudnn() const { return cudnn_; }
  // TF32 tensor-core math for fp32 convolutions and GEMMs; off unless the config allows it, so
  // fp32 results match the CPU's to fp32 rounding by default.
  bool allow_tf32() const { return config().allow_tf32; }
  // Scratch memory of at least bytes for one kernel call (cuDNN algorithms), kept and grown.
  void* Workspace(size_t bytes);
  const cudaDeviceProp& props() const { return props_; }

 private:
  static constexpr size_t kCublasWorkspace = size_t{32} << 20;
  cublasHandle_t cublas_ = nullptr;
  cudnnHandle_t cudnn_ = nullptr;
  void* cublas_workspace_ = nullptr;
  void* workspace_ = nullptr;
  size_t workspace_bytes_ = 0;
  cudaStream_t copy_stream_ = nullptr;
  cudaDeviceProp props_{};
};

inline CudaContext& Ctx(const DeviceContext& device) {
  return static_cast<CudaContext&>(const_cast<DeviceContext&>(device));
}

class CudaDevice final : public Device {
 public:
  CudaDevice();
  DeviceType type() const override { return DeviceType::kGPU; }
  Allocator& allocator(int device) override;
  std::unique_ptr<DeviceContext> NewContext(Place place, const ExecConfig& config) override;
  // Channels-last tensors back to plain (cuda/layout.h).
  std::unique_ptr<LayoutConverter> NewLayoutConverter() override;
  // Each first makes `device` the thread's current GPU: the per-thread stream is per device, so
  // a copy queued while another GPU is current would not be ordered after this one's kernels.
  void CopyToHost(int device, void* dst, const void* src, size_t bytes, Stream stream) override;
  void CopyFromHost(int device, void* dst, const void* src, size_t bytes,
                    Stream stream) override;
  void CopyOnDevice(int device, void* dst, const void* src, size_t bytes,
                    Stream stream) override;
  void Synchronize(int device, Stream stream) override;
  // A CUDA graph of the work queue() puts on the calling thread's stream, its allocations
  // graph memory (CudaAllocator above).
  std::unique_ptr<RecordedWork> Record(DeviceContext& ctx,
                                       const std::function<void()>& queue) override;
  size_t BuffersLostToRecording(int device) override;
  int count() const { return static_cast<int>(allocators_.size()); }

 private:
  std::vector<std::unique_ptr<CudaAllocator>> allocators_;
};

// Makes device the calling thread's current GPU (cheap when it already is).
void UseDevice(int device);
// Whether the calling thread's work is being recorded (CudaDevice::Record): what a kernel
// queues then runs at every launch of the recording, so host-side caches of device results
// (ConvFilterCopies) must not skip work on its account.
bool Recording();
// UseDevice for the paths that give memory back (destructors among them), which must not
// throw: false, with CUDA's error cleared, when the device cannot be made current (a failed
// context, a driver shutting down).
bool TryUseDevice(int device) noexcept;

}  // namespace pd::cuda
