// The convolution algorithms cudnnFind offers for one descriptor set, in the order the GPU
// convolution and its gradient (cuda/conv.cc, cuda/conv_grad.cc) try them, and what they do
// when cuDNN refuses.
//
// cudnnFind times every candidate, yet a listed one can still refuse its call (another
// workspace address, a fused form): the op then moves on to the next, as PyTorch's
// cudnn.benchmark path does, and when every candidate has refused, to its next form
// (channels-last to plain, bfloat16 to float32). cudnnFind itself may answer "not supported"
// for a whole form, which sends the op to its next form before anything runs; and it times the
// candidates in scratch of its own (cudaMalloc, outside the pool), so where that allocation
// fails the pool gives back the memory it keeps and the search runs once more.
#pragma once

#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

#include "cuda/cuda_device.h"

namespace pd::cuda {

// Caps what an algorithm may ask for: more scratch than this is not worth the speed.
constexpr size_t kMaxConvWorkspace = size_t(1) << 30;

// Whether GOHUB_CUDNN_DETERMINISTIC asks for deterministic algorithms first (Paddle's
// FLAGS_cudnn_deterministic), so that two runs give equal gradients: cuDNN's fastest filter
// gradients add with atomics. Read once.
inline bool DeterministicConvWanted() {
  static const bool on = [] {
    const char* v = std::getenv("GOHUB_CUDNN_DETERMINISTIC");
    return v != nullptr && *v != '\0' && std::string(v) != "0";
  }();
  return on;
}

// A refusal that another algorithm or form may not meet: cuDNN's "not supported" family. Any
// other failure is the op's error.
inline bool ConvRefused(cudnnStatus_t status) {
  return CUDNN_STATUS_CATEGORY(status) == CUDNN_STATUS_NOT_SUPPORTED;
}

struct ConvAlgo {
  int algo = 0;
  size_t workspace = 0;
  cudnnMathType_t math = CUDNN_DEFAULT_MATH;
};

// The candidates still to try, the current one first.
class ConvAlgos {
 public:
  // From cudnnFind's results (fastest first): those that ran within the workspace cap, the
  // deterministic ones ahead of the others where DeterministicConvWanted().
  template <typename Perf>
  void Assign(const std::vector<Perf>& perf, int found) {
    list_.clear();
    next_ = 0;
    for (int i = 0; i < found; ++i) {
      const Perf& p = perf[static_cast<size_t>(i)];
      if (p.status != CUDNN_STATUS_SUCCESS || p.memory > kMaxConvWorkspace) continue;
      list_.push_back({static_cast<int>(p.algo), p.memory, p.mathType});
      deterministic_.push_back(p.determinism == CUDNN_DETERMINISTIC);
    }
    if (DeterministicConvWanted()) {
      std::vector<ConvAlgo> ordered;
      for (int pass = 0; pass < 2; ++pass)
        for (size_t i = 0; i < list_.size(); ++i)
          if (deterministic_[i] == (pass == 0)) ordered.push_back(list_[i]);
      list_.swap(ordered);
    }
    deterministic_.clear();
  }
  void Clear() {
    list_.clear();
    next_ = 0;
  }
  bool empty() const { return next_ >= list_.size(); }
  const ConvAlgo& current() const { return list_[next_]; }
  // The current one refused its call: the next one, with its math type set on conv; false
  // when none is left.
  bool Drop(cudnnConvolutionDescriptor_t conv) {
    ++next_;
    if (empty()) return false;
    Use(conv);
    return true;
  }
  // Sets the current one's math type on conv (each algorithm was timed with its own).
  void Use(cudnnConvolutionDescriptor_t conv) const {
    PD_CUDNN_CHECK(cudnnSetConvolutionMathType(conv, current().math));
  }

 private:
  std::vector<ConvAlgo> list_;
  std::vector<bool> deterministic_;
  size_t next_ = 0;
};

// Runs one of the cudnnFind functions, find(requested, &found, results), into algos and sets
// the fastest one's math type on conv. Returns CUDNN_STATUS_SUCCESS with algos empty where no
// candidate ran, or cuDNN's refusal (ConvRefused) for the whole form; fails on anything else.
template <typename Perf, typename Find>
cudnnStatus_t FindConvAlgos(const CudaContext& cu, int requested, Find&& find,
                            cudnnConvolutionDescriptor_t conv, ConvAlgos* algos) {
  algos->Clear();
  std::vector<Perf> perf(static_cast<size_t>(requested));
  int found = 0;
  cudnnStatus_t status = find(requested, &found, perf.data());
  if (status == CUDNN_STATUS_INTERNAL_ERROR_DEVICE_ALLOCATION_FAILED && !Recording()) {
    GiveBackCachedMemory(cu.place().device);
    status = find(requested, &found, perf.data());
  }
  if (ConvRefused(status)) return status;
  PD_CUDNN_CHECK(status);
  algos->Assign(perf, found);
  if (!algos->empty()) algos->Use(conv);
  return CUDNN_STATUS_SUCCESS;
}

}  // namespace pd::cuda
