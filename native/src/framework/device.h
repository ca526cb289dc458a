// Devices behind places: per device type its allocators, its execution contexts, its copies to
// and from host memory and the converter of its own tensor layouts. The CPU device is
// registered by kernels/ (it owns oneDNN's engine and streams); a CUDA backend registers its
// device when its shared object is loaded; tests register a test device.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <mutex>

#include "framework/allocator.h"
#include "framework/place.h"

namespace pd {

class Tensor;

// Settings an executor passes to every kernel.
struct ExecConfig {
  int num_threads = 1;  // host math threads (OpenMP team, BLAS, oneDNN)
  // Where ops run when a kernel for this place exists; the others run on the CPU and the
  // executor copies tensors between the two.
  Place place = Place::CPU();
  // After every op, look for NaN or Inf in its float outputs and stop at the first, naming the
  // op and the variable (training's numerical check; off by default: it reads every output).
  bool check_nan_inf = false;
  // Release each intermediate tensor's memory after the last op that reads it (training's
  // activations and gradients), as Paddle's garbage collector does. Kept: persistable
  // variables, variables no op writes (feeds, parameters), fetch targets and outputs no op
  // reads. Off by default: tests and tools read intermediates after a run.
  bool free_intermediates = false;
  // TF32 tensor-core math for fp32 convolutions and GEMMs on a GPU (faster, about 10 bits of
  // mantissa); off by default so that GPU results match the CPU's to fp32 rounding.
  bool allow_tf32 = false;
  // Run the GPU convolutions an op marks for bfloat16 (mkldnn_data_type, as training's AMP
  // marks them) in bfloat16. Training executors set it; a predictor does not, as Paddle's GPU
  // kernels ignore that oneDNN attribute in a model file.
  bool gpu_bf16 = false;
  // With gpu_bf16: a bfloat16 convolution leaves its output in bfloat16, the form cuDNN wrote,
  // for batch norm to read so, and batch norm writes its own output in bfloat16 for the next
  // convolution, ReLU's gradient and the residual add to read, and the activations' gradients
  // stay in bfloat16 likewise (cuda/layout.h), as autocast keeps them: less memory traffic,
  // activations and their gradients rounded to bfloat16. Training executors set it as
  // Bf16ActivationsWanted() says.
  bool gpu_bf16_activations = false;
  // Record a run's device work once and launch the recording on later runs of the same input
  // shapes (CUDA graphs), when every op runs on the configured device: a batch-1 run then no
  // longer pays the host's time to queue each kernel. See Executor::RunRecorded.
  bool record_runs = false;
};

// Whether GPU training executors keep activations in bfloat16 between the ops that read them so
// (ExecConfig::gpu_bf16_activations): yes unless GOHUB_CUDA_BF16_ACTIVATIONS is 0.
bool Bf16ActivationsWanted();

// A point in a context's queue of work, to wait for from any thread (a CUDA event): a run
// launched without waiting (Executor::Launch) is waited for through it.
class Fence {
 public:
  virtual ~Fence() = default;
  // Returns when the work queued before the fence was made is done.
  virtual void Wait() = 0;
};

// What a kernel of one place needs besides its tensors: the thread count on the CPU plus
// oneDNN's engine and stream (kernels/cpu_context.h), on CUDA a stream, library handles and a
// workspace. Each executor owns one per place it runs ops on, so clones never share one.
class DeviceContext {
 public:
  DeviceContext(Place place, const ExecConfig& config) : place_(place), config_(config) {}
  virtual ~DeviceContext() = default;
  DeviceContext(const DeviceContext&) = delete;
  DeviceContext& operator=(const DeviceContext&) = delete;

  Place place() const { return place_; }
  const ExecConfig& config() const { return config_; }
  int num_threads() const { return config_.num_threads; }
  // The queue this context's work goes to (nullptr: the place's default, or none).
  virtual Stream stream() const { return nullptr; }
  // Returns when the work queued on this context is done.
  virtual void Wait() {}
  // A fence after the work queued on this context so far; nullptr when that work is done
  // already (a place whose kernels run as they are called).
  virtual std::unique_ptr<Fence> Mark() { return nullptr; }
  // Queues a copy of bytes from host memory to dst, this place's memory, beside the work queue
  // (on CUDA, on a copy stream of the context's own), so that it runs while the work queued so
  // far computes, and returns a fence for Follow. Neither queue may use dst meanwhile. A place
  // without a second queue copies on the work queue and returns nullptr: the work queued after
  // it comes after it already.
  virtual std::unique_ptr<Fence> CopyAside(void* dst, const void* src, size_t bytes);
  // The work queued on this context from now on comes after fence (from CopyAside).
  virtual void Follow(Fence& fence) {}

 private:
  Place place_;
  ExecConfig config_;
};

// Turns a tensor that a kernel of this place left in one of the place's own layouts
// (Tensor::layout() != 0) back into plain row-major, in place. Keeps what it needs for the next
// call (the reorder), so one converter serves one tensor slot.
class LayoutConverter {
 public:
  virtual ~LayoutConverter() = default;
  virtual void ToPlain(Tensor* t, DeviceContext& ctx) = 0;
  // The reverse, for checks: stores the plain tensor t in the layout this place's kernels leave
  // such a tensor in, where they use one; false (t unchanged) where they do not. A check that
  // feeds an op alone then runs the op's paths for that layout, as a whole run would.
  virtual bool ToKernelLayout(Tensor* t, DeviceContext& ctx) { return false; }
};

// A run's device work recorded once, to be launched again as a whole (a CUDA graph).
class RecordedWork {
 public:
  virtual ~RecordedWork() = default;
  virtual void Launch(DeviceContext& ctx) = 0;
  // False when the recording may be launched only once: it allocated memory that outlives it
  // (held by a tensor after the run), which a second launch would have to allocate again.
  virtual bool repeatable() const { return true; }
};

class Device {
 public:
  virtual ~Device() = default;
  virtual DeviceType type() const = 0;
  virtual Allocator& allocator(int device) = 0;
  virtual std::unique_ptr<DeviceContext> NewContext(Place place, const ExecConfig& config) = 0;
  // nullptr when the device's kernels only ever write plain tensors.
  virtual std::unique_ptr<LayoutConverter> NewLayoutConverter() { return nullptr; }
  // Byte copies between the memory of this type's device number `device` (Place::device) and
  // host memory, ordered on stream; they have completed when Synchronize(device, stream)
  // returns. The device is named because a copy belongs to that device's queue whichever
  // device the calling thread last used (a goroutine moves between threads).
  virtual void CopyToHost(int device, void* dst, const void* src, size_t bytes,
                          Stream stream) = 0;
  virtual void CopyFromHost(int device, void* dst, const void* src, size_t bytes,
                            Stream stream) = 0;
  // A byte copy within that device's memory, ordered on stream likewise.
  virtual void CopyOnDevice(int device, void* dst, const void* src, size_t bytes,
                            Stream stream) = 0;
  virtual void Synchronize(int device, Stream stream) {}
  // Records the work that queue() puts on ctx's stream, without running it; nullptr where the
  // device cannot record. Memory the kernels allocate meanwhile is the recording's, made and
  // freed at each launch. When queue throws (something in it cannot be recorded), nothing is
  // recorded and the exception propagates; memory allocated by such a failed recording was never
  // there, and its holders must drop it (BuffersLostToRecording counts what is still held).
  virtual std::unique_ptr<RecordedWork> Record(DeviceContext& ctx,
                                               const std::function<void()>& queue) {
    return nullptr;
  }
  virtual size_t BuffersLostToRecording(int device) { return 0; }
};

class DeviceRegistry {
 public:
  // The registry with the devices of this build (framework/builtins.h).
  static DeviceRegistry& Global();

  // Adds or replaces the device of its type. Done before any executor uses that type.
  void Add(std::unique_ptr<Device> device);
  void Remove(DeviceType type);
  Device* Find(DeviceType type) const;
  // Fails naming the type when it is not registered.
  Device& Get(DeviceType type) const;
  // Makes a tensor in one of its device's layouts plain, in place, outside any executor (see
  // PlainOnHost), with a context per place kept for such reads: a device context is costly to
  // make (on CUDA a cuBLAS and a cuDNN handle) and a check reads hundreds of tensors. One at a
  // time: a context's handles serve one caller at a time.
  void ToPlain(Tensor* t);

 private:
  void DropConversionContexts(DeviceType type);

  mutable std::mutex mu_;
  std::map<DeviceType, std::unique_ptr<Device>> devices_;
  // ToPlain's contexts. Like the registry, they outlive static destruction (a CUDA context's
  // handles cannot be destroyed once the driver has gone at exit).
  std::mutex conversion_mu_;
  std::map<Place, std::unique_ptr<DeviceContext>> conversion_contexts_;
};

// The allocator of place (the CPU's needs no registered device).
Allocator& AllocatorFor(Place place);

// Makes dst a copy of src on place: dims, dtype, LoD, layout and data (a non-plain layout is
// copied as it is, with its padding). Host-side copies are done when it returns; a copy from a
// device is ordered on stream and complete when it returns too (the data is needed on the
// host), unless wait is false: then it is complete once the device has done the work queued on
// stream before it (the caller waits, as Executor::Launch's fences do).
void CopyTensor(const Tensor& src, Place place, Tensor* dst, Stream stream = nullptr,
                bool wait = true);

// t as plain host memory: t itself, or a copy in *host when t lives on a device or in one of its
// place's own layouts (a training step leaves activations channels-last for the ops that read
// them; t keeps its layout and place).
const Tensor& PlainOnHost(const Tensor& t, Tensor* host);

}  // namespace pd
