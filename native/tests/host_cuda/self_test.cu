// The host CUDA's own checks (built as host_cuda_self_test): that its barriers, shuffles and
// launch checks behave as a GPU's do, and that it faults where a GPU would, so that the backend's
// tests on it can be trusted to pass only for code a GPU would run the same way.
#include <cublas_v2.h>
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "errors.h"
#include "stream.h"

namespace {

constexpr int kThreads = 128;

// Every thread writes its slot, waits, then reads its neighbour's: wrong without the barrier.
__global__ void RotateKernel(const int* in, int* out) {
  __shared__ int slots[kThreads];
  const int t = threadIdx.x;
  slots[t] = in[blockIdx.x * kThreads + t];
  __syncthreads();
  out[blockIdx.x * kThreads + t] = slots[(t + 1) % kThreads];
}

__global__ void WarpSumKernel(const float* in, float* out) {
  float v = in[threadIdx.x];
  for (int o = 16; o > 0; o /= 2) v += __shfl_xor_sync(0xffffffffu, v, o);
  out[threadIdx.x] = v;
}

__global__ void ShiftDownKernel(const int* in, int* out) {
  out[threadIdx.x] = __shfl_down_sync(0xffffffffu, in[threadIdx.x], 3);
}

// Half a warp at a full-mask shuffle while the other half waits at a barrier: a hang (or
// undefined values) on a GPU.
__global__ void DivergentShuffleKernel(int* out) {
  if (threadIdx.x < 16) {
    out[threadIdx.x] = __shfl_xor_sync(0xffffffffu, 1, 1);
  } else {
    __syncthreads();
  }
}

__global__ void CopyKernel(const float* in, float* out, int n) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) out[i] = in[i];
}

// CopyKernel with its pointers in a struct, as the backend's merged optimizer and concat
// kernels take theirs.
struct CopyArgs {
  int n;
  const float* in;
  float* out;
};

// The field counts the race check walks a struct by: an array is one field, as is a nested
// struct (the optimizers' arguments have both).
struct Nested {
  int count;
  const float* ptr[4];
  CopyArgs args[2];
  double scale;
};
static_assert(hostcuda::FieldCount<CopyArgs>() == 3);
static_assert(hostcuda::FieldCount<Nested>() == 4);

__global__ void StructCopyKernel(CopyArgs a) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < a.n) a.out[i] = a.in[i];
}

template <typename T>
T* DeviceCopy(const std::vector<T>& host) {
  void* p = nullptr;
  EXPECT_EQ(cudaMallocAsync(&p, host.size() * sizeof(T), cudaStreamPerThread), cudaSuccess);
  EXPECT_EQ(cudaMemcpyAsync(p, host.data(), host.size() * sizeof(T), cudaMemcpyHostToDevice,
                            cudaStreamPerThread),
            cudaSuccess);
  return static_cast<T*>(p);
}

// A stream of its own (a copy queue) and page-locked host memory for n floats.
cudaStream_t NewSideStream() {
  cudaStream_t side = nullptr;
  EXPECT_EQ(cudaStreamCreateWithFlags(&side, cudaStreamNonBlocking), cudaSuccess);
  return side;
}
float* PinnedFloats(size_t n) {
  void* p = nullptr;
  EXPECT_EQ(cudaMallocHost(&p, n * sizeof(float)), cudaSuccess);
  return static_cast<float*>(p);
}

template <typename T>
std::vector<T> HostCopy(const T* device, size_t n) {
  std::vector<T> host(n);
  EXPECT_EQ(cudaMemcpyAsync(host.data(), device, n * sizeof(T), cudaMemcpyDeviceToHost,
                            cudaStreamPerThread),
            cudaSuccess);
  return host;
}

TEST(HostCuda, BarrierOrdersEveryThreadOfTheBlock) {
  std::vector<int> in(2 * kThreads);
  for (size_t i = 0; i < in.size(); ++i) in[i] = static_cast<int>(i);
  int* d_in = DeviceCopy(in);
  int* d_out = DeviceCopy(std::vector<int>(in.size()));
  RotateKernel<<<2, kThreads, 0, cudaStreamPerThread>>>(d_in, d_out);
  ASSERT_EQ(cudaGetLastError(), cudaSuccess);
  const std::vector<int> out = HostCopy(d_out, in.size());
  for (int b = 0; b < 2; ++b)
    for (int t = 0; t < kThreads; ++t)
      EXPECT_EQ(out[b * kThreads + t], b * kThreads + (t + 1) % kThreads);
}

TEST(HostCuda, ShufflesReadTheSourceLanesValue) {
  std::vector<float> in(64);
  for (int i = 0; i < 64; ++i) in[i] = static_cast<float>(i);
  float* d_in = DeviceCopy(in);
  float* d_out = DeviceCopy(std::vector<float>(64));
  WarpSumKernel<<<1, 64, 0, cudaStreamPerThread>>>(d_in, d_out);
  const std::vector<float> out = HostCopy(d_out, 64);
  for (int i = 0; i < 64; ++i) EXPECT_EQ(out[i], i < 32 ? 496.0f : 1520.0f) << i;  // per warp

  std::vector<int> lanes(32);
  for (int i = 0; i < 32; ++i) lanes[i] = 100 + i;
  int* d_lanes = DeviceCopy(lanes);
  int* d_shifted = DeviceCopy(std::vector<int>(32));
  ShiftDownKernel<<<1, 32, 0, cudaStreamPerThread>>>(d_lanes, d_shifted);
  const std::vector<int> shifted = HostCopy(d_shifted, 32);
  for (int i = 0; i < 32; ++i) EXPECT_EQ(shifted[i], i + 3 < 32 ? 103 + i : 100 + i) << i;
}

TEST(HostCuda, RefusesLaunchesOutsideCudasLimits) {
  float* d = DeviceCopy(std::vector<float>(4));
  CopyKernel<<<1, 2048, 0, cudaStreamPerThread>>>(d, d, 4);
  EXPECT_EQ(cudaGetLastError(), cudaErrorInvalidConfiguration);
  CopyKernel<<<dim3(1, 70000), 32, 0, cudaStreamPerThread>>>(d, d, 4);
  EXPECT_EQ(cudaGetLastError(), cudaErrorInvalidConfiguration);
  EXPECT_EQ(cudaGetLastError(), cudaSuccess);  // the last error is cleared once read
}

TEST(HostCuda, NewDeviceMemoryIsNotZero) {
  void* p = nullptr;
  ASSERT_EQ(cudaMallocAsync(&p, 16, cudaStreamPerThread), cudaSuccess);
  const std::vector<float> host = HostCopy(static_cast<float*>(p), 4);
  for (float v : host) EXPECT_TRUE(v != v) << "expected NaN, got " << v;
}

TEST(HostCuda, WorkRunsWhenTheStreamIsWaitedFor) {
  float* src = nullptr;
  ASSERT_EQ(cudaMallocHost(reinterpret_cast<void**>(&src), 4 * sizeof(float)), cudaSuccess);
  for (int i = 0; i < 4; ++i) src[i] = 1.0f;
  float* d = DeviceCopy(std::vector<float>(4));
  // From page-locked memory the copy is queued: what the source holds when it runs counts.
  ASSERT_EQ(cudaMemcpyAsync(d, src, 4 * sizeof(float), cudaMemcpyHostToDevice,
                            cudaStreamPerThread),
            cudaSuccess);
  src[0] = 7.0f;
  ASSERT_EQ(cudaStreamSynchronize(cudaStreamPerThread), cudaSuccess);
  EXPECT_EQ(HostCopy(d, 4)[0], 7.0f);
  ASSERT_EQ(cudaFreeHost(src), cudaSuccess);
}

TEST(HostCuda, RecordsAndReplaysACapturedStream) {
  float* a = DeviceCopy(std::vector<float>{1, 2, 3, 4});
  float* b = DeviceCopy(std::vector<float>(4));
  ASSERT_EQ(cudaStreamBeginCapture(cudaStreamPerThread, cudaStreamCaptureModeThreadLocal),
            cudaSuccess);
  CopyKernel<<<1, 32, 0, cudaStreamPerThread>>>(a, b, 4);
  // Waiting inside a capture is refused and spoils it.
  EXPECT_EQ(cudaStreamSynchronize(cudaStreamPerThread), cudaErrorStreamCaptureUnsupported);
  cudaGraph_t graph = nullptr;
  EXPECT_EQ(cudaStreamEndCapture(cudaStreamPerThread, &graph), cudaErrorStreamCaptureInvalidated);
  (void)cudaGetLastError();

  ASSERT_EQ(cudaStreamBeginCapture(cudaStreamPerThread, cudaStreamCaptureModeThreadLocal),
            cudaSuccess);
  CopyKernel<<<1, 32, 0, cudaStreamPerThread>>>(a, b, 4);
  ASSERT_EQ(cudaStreamEndCapture(cudaStreamPerThread, &graph), cudaSuccess);
  EXPECT_EQ(HostCopy(b, 4)[3], 0.0f);  // recorded, not run
  cudaGraphExec_t exec = nullptr;
  ASSERT_EQ(cudaGraphInstantiate(&exec, graph, 0), cudaSuccess);
  ASSERT_EQ(cudaGraphLaunch(exec, cudaStreamPerThread), cudaSuccess);
  EXPECT_EQ(HostCopy(b, 4)[3], 4.0f);
  cudaGraphExecDestroy(exec);
  cudaGraphDestroy(graph);
}

// cudaMallocAsync while capturing makes an allocation node: the address is fixed, the memory
// is there from the node to its free at each launch, and a graph that frees what it allocates
// can be launched again and again.
TEST(HostCuda, AGraphAllocatesAndFreesItsOwnMemoryAtEachLaunch) {
  float* a = DeviceCopy(std::vector<float>{1, 2, 3, 4});
  float* b = DeviceCopy(std::vector<float>(4));
  ASSERT_EQ(cudaStreamBeginCapture(cudaStreamPerThread, cudaStreamCaptureModeThreadLocal),
            cudaSuccess);
  void* scratch = nullptr;
  ASSERT_EQ(cudaMallocAsync(&scratch, 4 * sizeof(float), cudaStreamPerThread), cudaSuccess);
  CopyKernel<<<1, 32, 0, cudaStreamPerThread>>>(a, static_cast<float*>(scratch), 4);
  CopyKernel<<<1, 32, 0, cudaStreamPerThread>>>(static_cast<float*>(scratch), b, 4);
  ASSERT_EQ(cudaFreeAsync(scratch, cudaStreamPerThread), cudaSuccess);
  cudaGraph_t graph = nullptr;
  ASSERT_EQ(cudaStreamEndCapture(cudaStreamPerThread, &graph), cudaSuccess);
  cudaGraphExec_t exec = nullptr;
  ASSERT_EQ(cudaGraphInstantiate(&exec, graph, 0), cudaSuccess);
  cudaGraphDestroy(graph);
  for (int launch = 0; launch < 3; ++launch) {
    ASSERT_EQ(cudaMemcpyAsync(a, std::vector<float>{5.0f + launch, 6, 7, 8}.data(),
                              4 * sizeof(float), cudaMemcpyHostToDevice, cudaStreamPerThread),
              cudaSuccess);
    ASSERT_EQ(cudaGraphLaunch(exec, cudaStreamPerThread), cudaSuccess);
    EXPECT_EQ(HostCopy(b, 4)[0], 5.0f + launch);
  }
  // Its graph frees it: freeing it outside is refused.
  EXPECT_EQ(cudaFreeAsync(scratch, cudaStreamPerThread), cudaErrorInvalidValue);
  (void)cudaGetLastError();
  cudaGraphExecDestroy(exec);
}

// An allocation the graph does not free is there after the launch, until freed outside; until
// then the graph cannot be launched again.
TEST(HostCuda, AGraphsUnfreedAllocationOutlivesTheLaunch) {
  float* a = DeviceCopy(std::vector<float>{1, 2, 3, 4});
  ASSERT_EQ(cudaStreamBeginCapture(cudaStreamPerThread, cudaStreamCaptureModeThreadLocal),
            cudaSuccess);
  void* kept = nullptr;
  ASSERT_EQ(cudaMallocAsync(&kept, 4 * sizeof(float), cudaStreamPerThread), cudaSuccess);
  CopyKernel<<<1, 32, 0, cudaStreamPerThread>>>(a, static_cast<float*>(kept), 4);
  cudaGraph_t graph = nullptr;
  ASSERT_EQ(cudaStreamEndCapture(cudaStreamPerThread, &graph), cudaSuccess);
  cudaGraphExec_t exec = nullptr;
  ASSERT_EQ(cudaGraphInstantiate(&exec, graph, 0), cudaSuccess);
  cudaGraphDestroy(graph);
  ASSERT_EQ(cudaGraphLaunch(exec, cudaStreamPerThread), cudaSuccess);
  EXPECT_EQ(cudaGraphLaunch(exec, cudaStreamPerThread), cudaErrorInvalidValue);
  (void)cudaGetLastError();
  cudaGraphExecDestroy(exec);  // the memory outlives its graph
  EXPECT_EQ(HostCopy(static_cast<float*>(kept), 4)[3], 4.0f);
  EXPECT_EQ(cudaFreeAsync(kept, cudaStreamPerThread), cudaSuccess);
  EXPECT_EQ(cudaStreamSynchronize(cudaStreamPerThread), cudaSuccess);
}

// A free node frees only what its own graph allocated.
TEST(HostCuda, ACapturedFreeOfOrdinaryMemorySpoilsTheCapture) {
  float* a = DeviceCopy(std::vector<float>(4));
  ASSERT_EQ(cudaStreamBeginCapture(cudaStreamPerThread, cudaStreamCaptureModeThreadLocal),
            cudaSuccess);
  EXPECT_EQ(cudaFreeAsync(a, cudaStreamPerThread), cudaErrorInvalidValue);
  cudaGraph_t graph = nullptr;
  EXPECT_EQ(cudaStreamEndCapture(cudaStreamPerThread, &graph), cudaErrorStreamCaptureInvalidated);
  (void)cudaGetLastError();
}

// Copies {7, 8, 9, 10} into a device block on a side stream, makes the thread's stream wait for
// the copy, then has `read(block, out)` read the block on the thread's stream into out; returns
// out.
template <typename Read>
std::vector<float> ReadASideStreamsCopyAfterAWait(Read read) {
  cudaStream_t side = NewSideStream();
  float* src = PinnedFloats(4);
  for (int i = 0; i < 4; ++i) src[i] = 7.0f + i;
  float* d = DeviceCopy(std::vector<float>{1, 2, 3, 4});
  float* out = DeviceCopy(std::vector<float>(4));
  EXPECT_EQ(cudaStreamSynchronize(cudaStreamPerThread), cudaSuccess);
  cudaEvent_t copied = nullptr;
  EXPECT_EQ(cudaEventCreateWithFlags(&copied, cudaEventDisableTiming), cudaSuccess);
  EXPECT_EQ(cudaMemcpyAsync(d, src, 4 * sizeof(float), cudaMemcpyHostToDevice, side), cudaSuccess);
  EXPECT_EQ(cudaEventRecord(copied, side), cudaSuccess);
  EXPECT_EQ(cudaStreamWaitEvent(cudaStreamPerThread, copied, 0), cudaSuccess);
  read(d, out);
  std::vector<float> got = HostCopy(out, 4);
  cudaEventDestroy(copied);
  EXPECT_EQ(cudaStreamDestroy(side), cudaSuccess);
  cudaFreeHost(src);
  return got;
}

// The same with no wait: the two race, which the device reports as a sticky fault. Exits 0 if
// it did (for EXPECT_EXIT).
template <typename Read>
[[noreturn]] void ReadASideStreamsCopyUnordered(Read read) {
  cudaStream_t side = NewSideStream();
  float* src = PinnedFloats(4);
  float* d = DeviceCopy(std::vector<float>(4));
  float* out = DeviceCopy(std::vector<float>(4));
  (void)cudaStreamSynchronize(cudaStreamPerThread);
  (void)cudaMemcpyAsync(d, src, 4 * sizeof(float), cudaMemcpyHostToDevice, side);
  read(d, out);
  std::exit(cudaDeviceSynchronize() == cudaErrorIllegalAddress ? 0 : 1);
}

// A copy on a stream of its own runs when something waits for it: a kernel on the thread's
// stream that reads its destination after cudaStreamWaitEvent sees the copy, the wait ordering
// it where the thread's stream reaches it (without the wait the two race:
// AKernelReadingASideStreamsCopyUnorderedRaces).
TEST(HostCuda, ASideStreamsCopyIsSeenAfterAWaitForIt) {
  EXPECT_EQ(ReadASideStreamsCopyAfterAWait([](float* d, float* out) {
              CopyKernel<<<1, 32, 0, cudaStreamPerThread>>>(d, out, 4);
            }),
            (std::vector<float>{7, 8, 9, 10}));
}

extern "C" long hostcuda_host_waits(void);

// Queuing work, stream-ordered memory and copies between page-locked and device memory let the
// host go on; synchronising and copies from or to pageable memory make it wait, and count.
TEST(HostCuda, CountsTheCallsThatMakeTheHostWait) {
  float* pinned = nullptr;
  ASSERT_EQ(cudaMallocHost(reinterpret_cast<void**>(&pinned), 4 * sizeof(float)), cudaSuccess);
  const long start = hostcuda_host_waits();
  void* d = nullptr;
  ASSERT_EQ(cudaMallocAsync(&d, 4 * sizeof(float), cudaStreamPerThread), cudaSuccess);
  ASSERT_EQ(cudaMemcpyAsync(d, pinned, 4 * sizeof(float), cudaMemcpyHostToDevice,
                            cudaStreamPerThread), cudaSuccess);
  CopyKernel<<<1, 32, 0, cudaStreamPerThread>>>(static_cast<float*>(d), static_cast<float*>(d), 4);
  ASSERT_EQ(cudaMemcpyAsync(pinned, d, 4 * sizeof(float), cudaMemcpyDeviceToHost,
                            cudaStreamPerThread), cudaSuccess);
  EXPECT_EQ(hostcuda_host_waits(), start) << "nothing waited yet";
  std::vector<float> pageable(4);
  ASSERT_EQ(cudaMemcpyAsync(pageable.data(), d, 4 * sizeof(float), cudaMemcpyDeviceToHost,
                            cudaStreamPerThread), cudaSuccess);
  EXPECT_EQ(hostcuda_host_waits(), start + 1) << "a copy to pageable memory";
  ASSERT_EQ(cudaFreeAsync(d, cudaStreamPerThread), cudaSuccess);
  ASSERT_EQ(cudaStreamSynchronize(cudaStreamPerThread), cudaSuccess);
  EXPECT_EQ(hostcuda_host_waits(), start + 2) << "a stream synchronisation";
  cudaFreeHost(pinned);
}

// Faults are sticky, so each runs in a child process.
TEST(HostCudaDeathTest, AKernelHandedHostMemoryFaults) {
  EXPECT_EXIT(
      {
        std::vector<float> host(4);
        float* d = DeviceCopy(std::vector<float>(4));
        CopyKernel<<<1, 32, 0, cudaStreamPerThread>>>(host.data(), d, 4);
        std::exit(cudaDeviceSynchronize() == cudaErrorIllegalAddress ? 0 : 1);
      },
      testing::ExitedWithCode(0), "a kernel was handed host memory");
}

TEST(HostCudaDeathTest, AFreedBlockFaults) {
  EXPECT_EXIT(
      {
        float* d = DeviceCopy(std::vector<float>(4));
        float* e = DeviceCopy(std::vector<float>(4));
        (void)cudaFreeAsync(d, cudaStreamPerThread);
        (void)cudaStreamSynchronize(cudaStreamPerThread);
        CopyKernel<<<1, 32, 0, cudaStreamPerThread>>>(d, e, 4);
        std::exit(cudaDeviceSynchronize() == cudaErrorIllegalAddress ? 0 : 1);
      },
      testing::ExitedWithCode(0), "a kernel was handed host memory");
}

// Memory a failed capture allocated never comes: a kernel handed it faults.
TEST(HostCudaDeathTest, MemoryOfAFailedCaptureFaults) {
  EXPECT_EXIT(
      {
        float* e = DeviceCopy(std::vector<float>(4));
        (void)cudaStreamBeginCapture(cudaStreamPerThread, cudaStreamCaptureModeThreadLocal);
        void* lost = nullptr;
        (void)cudaMallocAsync(&lost, 4 * sizeof(float), cudaStreamPerThread);
        (void)cudaStreamSynchronize(cudaStreamPerThread);  // spoils the capture
        cudaGraph_t graph = nullptr;
        (void)cudaStreamEndCapture(cudaStreamPerThread, &graph);
        (void)cudaGetLastError();
        CopyKernel<<<1, 32, 0, cudaStreamPerThread>>>(static_cast<float*>(lost), e, 4);
        std::exit(cudaDeviceSynchronize() == cudaErrorIllegalAddress ? 0 : 1);
      },
      testing::ExitedWithCode(0), "a kernel was handed");
}

TEST(HostCudaDeathTest, AShuffleWhileTheWarpWaitsElsewhereFaults) {
  EXPECT_EXIT(
      {
        int* d = DeviceCopy(std::vector<int>(32));
        DivergentShuffleKernel<<<1, 32, 0, cudaStreamPerThread>>>(d);
        std::exit(cudaDeviceSynchronize() == cudaErrorIllegalAddress ? 0 : 1);
      },
      testing::ExitedWithCode(0), "a barrier and a warp shuffle at once");
}

}  // namespace

// races.h: a copy on a side stream into a block and a copy out of it on the thread's stream,
// unordered, race (whichever order the work happens to run in here); an event waited for
// between them orders them.
TEST(HostCuda, CopiesOrderedByAnEventWaitDoNotRace) {
  cudaStream_t side = NewSideStream();
  float* src = PinnedFloats(4);
  float* d = DeviceCopy(std::vector<float>(4));
  float* e = DeviceCopy(std::vector<float>(4));
  ASSERT_EQ(cudaStreamSynchronize(cudaStreamPerThread), cudaSuccess);
  cudaEvent_t copied = nullptr;
  ASSERT_EQ(cudaEventCreateWithFlags(&copied, cudaEventDisableTiming), cudaSuccess);
  ASSERT_EQ(cudaMemcpyAsync(d, src, 4 * sizeof(float), cudaMemcpyHostToDevice, side), cudaSuccess);
  ASSERT_EQ(cudaEventRecord(copied, side), cudaSuccess);
  ASSERT_EQ(cudaStreamWaitEvent(cudaStreamPerThread, copied, 0), cudaSuccess);
  ASSERT_EQ(cudaMemcpyAsync(e, d, 4 * sizeof(float), cudaMemcpyDeviceToDevice, cudaStreamPerThread),
            cudaSuccess);
  EXPECT_EQ(cudaDeviceSynchronize(), cudaSuccess);
  cudaEventDestroy(copied);
  ASSERT_EQ(cudaStreamDestroy(side), cudaSuccess);
  cudaFreeHost(src);
}

TEST(HostCudaDeathTest, UnorderedCopiesOnTwoStreamsRace) {
  EXPECT_EXIT(
      {
        cudaStream_t side = NewSideStream();
        float* src = PinnedFloats(4);
        float* d = DeviceCopy(std::vector<float>(4));
        float* e = DeviceCopy(std::vector<float>(4));
        (void)cudaStreamSynchronize(cudaStreamPerThread);
        (void)cudaMemcpyAsync(e, d, 4 * sizeof(float), cudaMemcpyDeviceToDevice,
                              cudaStreamPerThread);
        (void)cudaMemcpyAsync(d, src, 4 * sizeof(float), cudaMemcpyHostToDevice, side);
        std::exit(cudaDeviceSynchronize() == cudaErrorIllegalAddress ? 0 : 1);
      },
      testing::ExitedWithCode(0), "a race on the device block");
}

// A kernel's pointer arguments count as accesses: one reading a block that a side stream's
// copy writes, with no wait between, races (here it would read the old values: the side
// stream runs only when waited for).
TEST(HostCudaDeathTest, AKernelReadingASideStreamsCopyUnorderedRaces) {
  EXPECT_EXIT(ReadASideStreamsCopyUnordered([](float* d, float* out) {
                CopyKernel<<<1, 32, 0, cudaStreamPerThread>>>(d, out, 4);
              }),
              testing::ExitedWithCode(0),
              "the kernel launched at .* reads bytes that cudaMemcpyAsync");
}

// So do the pointers a struct argument carries, each as its field's type says: here the read
// through `in` races.
TEST(HostCudaDeathTest, AKernelReadingASideStreamsCopyThroughAStructRaces) {
  EXPECT_EXIT(ReadASideStreamsCopyUnordered([](float* d, float* out) {
                StructCopyKernel<<<1, 32, 0, cudaStreamPerThread>>>(CopyArgs{4, d, out});
              }),
              testing::ExitedWithCode(0),
              "the kernel launched at .* reads bytes that cudaMemcpyAsync");
}

// Ordered by a wait, the same struct kernel reads the copy.
TEST(HostCuda, AStructKernelAfterAWaitSeesASideStreamsCopy) {
  EXPECT_EQ(ReadASideStreamsCopyAfterAWait([](float* d, float* out) {
              StructCopyKernel<<<1, 32, 0, cudaStreamPerThread>>>(CopyArgs{4, d, out});
            }),
            (std::vector<float>{7, 8, 9, 10}));
}

// So do a library call's operands: a cuBLAS product on the thread's stream writing a block
// that a side stream's copy reads, unordered, races.
TEST(HostCudaDeathTest, ALibraryCallWritingWhatASideStreamReadsRaces) {
  EXPECT_EXIT(
      {
        cudaStream_t side = NewSideStream();
        float* host = PinnedFloats(4);
        float* a = DeviceCopy(std::vector<float>{1, 2, 3, 4});
        float* c = DeviceCopy(std::vector<float>(4));
        (void)cudaStreamSynchronize(cudaStreamPerThread);
        (void)cudaMemcpyAsync(host, c, 4 * sizeof(float), cudaMemcpyDeviceToHost, side);
        cublasHandle_t blas = nullptr;
        (void)cublasCreate(&blas);
        (void)cublasSetStream(blas, cudaStreamPerThread);
        const float one = 1.0f;
        const float zero = 0.0f;
        (void)cublasSgemm(blas, CUBLAS_OP_N, CUBLAS_OP_N, 2, 2, 2, &one, a, 2, a, 2, &zero, c, 2);
        std::exit(cudaDeviceSynchronize() == cudaErrorIllegalAddress ? 0 : 1);
      },
      testing::ExitedWithCode(0), "cublasSgemm writes bytes that cudaMemcpyAsync reads");
}

// A block allocated on one stream is that stream's until another is ordered after it.
TEST(HostCudaDeathTest, ABlockUsedOnAnotherStreamThanItsAllocationsRaces) {
  EXPECT_EXIT(
      {
        cudaStream_t side = NewSideStream();
        float* src = PinnedFloats(4);
        void* d = nullptr;
        (void)cudaMallocAsync(&d, 4 * sizeof(float), cudaStreamPerThread);
        (void)cudaMemcpyAsync(d, src, 4 * sizeof(float), cudaMemcpyHostToDevice, side);
        std::exit(cudaDeviceSynchronize() == cudaErrorIllegalAddress ? 0 : 1);
      },
      testing::ExitedWithCode(0), "a race on the device block");
}
