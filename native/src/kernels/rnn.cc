// Recurrent ops: gru, Fluid's dynamic GRU over level-1 LoD sequences.
//
// Like Paddle, sequences are processed time-step-batched: sorted longest first, step t takes
// row t of every sequence still running, so each step's recurrent projection is one GEMM over
// those rows (and a GEMV when only one sequence runs). The batch-ordered gates, reset hidden
// states and hidden states live in the BatchGate, BatchResetHiddenPrev and BatchHidden
// outputs, as in Paddle, so a run allocates no scratch when the program declares them.
#include <algorithm>
#include <cstring>
#include <numeric>
#include <vector>

#include "framework/op_registry.h"
#include "kernels/cpu_features.h"
#include "kernels/kernel_util.h"
#include "kernels/parallel.h"
#include "kernels/register.h"
#include "kernels/small_gemm.h"
#include "kernels/vec_math.h"

namespace pd {
namespace {

using ActFn = void (*)(float*, int64_t);

void IdentityInPlace(float*, int64_t) {}

ActFn ParseActivation(const OpContext& ctx, const char* attr, const char* def) {
  const std::string name = ctx.op().GetString(attr, def);
  if (name == "sigmoid") return SigmoidInPlace;
  if (name == "tanh") return TanhInPlace;
  if (name == "relu") return ReluInPlace;
  if (name == "identity" || name.empty()) return IdentityInPlace;
  Fail("gru: ", attr, " '", name, "' is not one of sigmoid, tanh, relu, identity");
}

void GruInferShape(OpContext& ctx) {
  for (const char* out : {"Hidden", "BatchGate", "BatchResetHiddenPrev", "BatchHidden"}) {
    CheckNotInPlace(ctx, out, {"Input", "H0", "Weight", "Bias"});
  }
  const Tensor& input = InputWithData(ctx, "Input");
  const Tensor& weight = InputOfType(ctx, "Weight", DType::kFP32);
  PD_CHECK(weight.rank() == 2 && weight.dim(0) > 0 && weight.dim(1) == 3 * weight.dim(0),
           "gru: Weight must be [D, 3D] with D > 0, got ", DimsToString(weight.dims()));
  const int64_t d = weight.dim(0);
  PD_CHECK(input.rank() == 2 && input.dim(1) == 3 * d, "gru: Input must be [T, 3D] = [T, ", 3 * d,
           "] for Weight ", DimsToString(weight.dims()), ", got ", DimsToString(input.dims()));
  PD_CHECK(input.lod().size() == 1, "gru: Input must carry a level-1 LoD (one entry per ",
           "sequence), got ", input.lod().size(), " levels");
  ValidateLoD(input.lod(), input.dim(0));
  if (ctx.HasInput("Bias")) {
    const Tensor& bias = InputOfType(ctx, "Bias", DType::kFP32);
    PD_CHECK(bias.numel() == 3 * d && (bias.rank() == 1 || (bias.rank() == 2 && bias.dim(0) == 1)),
             "gru: Bias must be [1, 3D] = [1, ", 3 * d, "], got ", DimsToString(bias.dims()));
  }
  if (ctx.HasInput("H0")) {
    const Tensor& h0 = InputOfType(ctx, "H0", DType::kFP32);
    const int64_t seqs = static_cast<int64_t>(input.lod()[0].size()) - 1;
    PD_CHECK(h0.rank() == 2 && h0.dim(0) == seqs && h0.dim(1) == d,
             "gru: H0 must be [sequences, D] = [", seqs, ", ", d, "], got ",
             DimsToString(h0.dims()));
  }
  const int64_t t = input.dim(0);
  Tensor* hidden = ctx.Out("Hidden");
  hidden->Resize({t, d});
  ShareLoD(ctx, "Input", "Hidden");
  if (ctx.HasOutput("BatchGate")) ctx.Out("BatchGate")->Resize({t, 3 * d});
  if (ctx.HasOutput("BatchResetHiddenPrev")) ctx.Out("BatchResetHiddenPrev")->Resize({t, d});
  if (ctx.HasOutput("BatchHidden")) ctx.Out("BatchHidden")->Resize({t, d});
}

// The time-step-batched order of the rows: step t covers batch rows
// [step_start[t], step_start[t+1]), one per running sequence, longest sequence first.
struct BatchOrder {
  std::vector<size_t> seqs;   // sequence indices, longest first
  std::vector<int64_t> rows;  // batch row -> input row
  std::vector<int64_t> step_start;
};

BatchOrder MakeBatchOrder(const std::vector<size_t>& offsets, bool reverse) {
  BatchOrder b;
  const size_t n = offsets.size() - 1;
  auto len = [&](size_t s) { return offsets[s + 1] - offsets[s]; };
  b.seqs.resize(n);
  std::iota(b.seqs.begin(), b.seqs.end(), size_t{0});
  std::stable_sort(b.seqs.begin(), b.seqs.end(),
                   [&](size_t a, size_t c) { return len(a) > len(c); });
  const size_t steps = n == 0 ? 0 : len(b.seqs[0]);
  b.rows.reserve(offsets.back());
  b.step_start.reserve(steps + 1);
  for (size_t t = 0; t < steps; ++t) {
    b.step_start.push_back(static_cast<int64_t>(b.rows.size()));
    for (size_t s : b.seqs) {
      const size_t l = len(s);
      if (l <= t) break;  // sorted: every later sequence is shorter too
      b.rows.push_back(static_cast<int64_t>(offsets[s] + (reverse ? l - 1 - t : t)));
    }
  }
  b.step_start.push_back(static_cast<int64_t>(b.rows.size()));
  return b;
}

// The storage of an optional intermediate output of size elements, or of scratch when the
// program does not declare it.
float* Workspace(OpContext& ctx, const char* slot, int64_t size, std::vector<float>& scratch) {
  if (ctx.HasOutput(slot)) return ctx.Out(slot)->mutable_data<float>();
  scratch.resize(static_cast<size_t>(size));
  return scratch.data();
}

// The recurrent weights, packed for the step products on the first run. Only a constant
// Weight (a predictor's parameter) is cached; any other is packed again on every run.
struct GruState : KernelState {
  PackedMatrix update_reset;  // [D, 2D]
  PackedMatrix candidate;     // [D, D]
  WeightCache packed_from;    // the Weight contents they were packed from
};

// Sequences a lane must have at least before the recurrence is split over threads: below
// that, waking a thread costs more than a lane's share of the steps saves.
constexpr int64_t kMinSequencesPerLane = 2;

// The kernel's body; built twice, see GruKernel.
PD_ALWAYS_INLINE void GruKernelBody(OpContext& ctx) {
  const Tensor& input = ctx.In("Input");
  const Tensor& weight = ctx.In("Weight");
  const int64_t d = weight.dim(0), d3 = 3 * d;
  const int64_t total = input.dim(0);
  const bool reverse = ctx.op().GetBool("is_reverse", false);
  const bool origin_mode = ctx.op().GetBool("origin_mode", false);
  const ActFn act_gate = ParseActivation(ctx, "gate_activation", "sigmoid");
  const ActFn act_node = ParseActivation(ctx, "activation", "tanh");

  const BatchOrder order = MakeBatchOrder(input.lod()[0], reverse);
  std::vector<float> gate_scratch, reset_scratch, hidden_scratch;
  float* gates = Workspace(ctx, "BatchGate", total * d3, gate_scratch);
  float* reset_hidden = Workspace(ctx, "BatchResetHiddenPrev", total * d, reset_scratch);
  float* batch_hidden = Workspace(ctx, "BatchHidden", total * d, hidden_scratch);
  float* hidden = ctx.Out("Hidden")->mutable_data<float>();
  const float* x = input.data<float>();
  const float* bias = ctx.HasInput("Bias") ? ctx.In("Bias").data<float>() : nullptr;

  // Weight memory: a row-major [D, 2D] update|reset matrix, then a row-major [D, D] candidate
  // matrix (not a [D, 3D] matrix split by columns).
  GruState& state = ctx.State<GruState>();
  if (state.packed_from.Changed(weight)) {
    const float* w = weight.data<float>();
    state.update_reset.Pack(d, 2 * d, w, 2 * d);
    state.candidate.Pack(d, d, w + 2 * d * d, d);
  }

  // H0 rows in sorted sequence order, so step 0's previous state lines up with its rows.
  std::vector<float> h0_sorted;
  const float* h0 = nullptr;  // null: the implicit zero state
  if (ctx.HasInput("H0") && !order.seqs.empty()) {
    const float* given = ctx.In("H0").data<float>();
    h0_sorted.resize(order.seqs.size() * static_cast<size_t>(d));
    for (size_t i = 0; i < order.seqs.size(); ++i) {
      std::memcpy(h0_sorted.data() + i * d, given + order.seqs[i] * d,
                  static_cast<size_t>(d) * sizeof(float));
    }
    h0 = h0_sorted.data();
  }

  // A sequence's row of step t sits at the same position among the step's rows as its row of
  // step t-1 (the running sequences of a step are the first rows of the step before), so the
  // sequences at positions lane, lane + lanes, ... form a recurrence of their own: each lane
  // runs every step on its strided rows with no synchronisation between lanes. One lane is
  // the whole batch, as Paddle runs it. (A lane's row count differs from the whole step's, and
  // a step of one row sums its products in another order, so results can move by rounding
  // with the thread count, never with the run.)
  const int64_t seqs = static_cast<int64_t>(order.seqs.size());
  const int64_t lanes = std::min<int64_t>(ctx.config().num_threads, seqs / kMinSequencesPerLane);
  ParallelLanes(lanes, [&](int64_t lane, int64_t lane_count) {
    const int64_t ld3 = lane_count * d3, ld = lane_count * d;
    const float* prev = h0 ? h0 + lane * d : nullptr;
    for (size_t t = 0; t + 1 < order.step_start.size(); ++t) {
      const int64_t first = order.step_start[t] + lane;
      const int64_t step_rows = order.step_start[t + 1] - order.step_start[t];
      const int64_t rows = step_rows > lane ? (step_rows - lane + lane_count - 1) / lane_count : 0;
      if (rows == 0) break;  // later steps run fewer sequences still
      float* g = gates + first * d3;
      float* rh = reset_hidden + first * d;
      float* h = batch_hidden + first * d;
      // Gates start as the projected input plus the bias, gathered into batch order.
      for (int64_t i = 0; i < rows; ++i) {
        const float* src = x + order.rows[first + i * lane_count] * d3;
        float* gi = g + i * ld3;
        if (bias) {
          for (int64_t j = 0; j < d3; ++j) gi[j] = src[j] + bias[j];
        } else {
          std::memcpy(gi, src, static_cast<size_t>(d3) * sizeof(float));
        }
      }
      if (prev) AddRowsTimesPacked(rows, prev, ld, state.update_reset, g, ld3);
      for (int64_t i = 0; i < rows; ++i) {
        float* gi = g + i * ld3;
        act_gate(gi, 2 * d);  // update gate u, then reset gate r
        float* rhi = rh + i * ld;
        if (prev) {
          const float* r = gi + d;
          const float* hp = prev + i * ld;
          for (int64_t j = 0; j < d; ++j) rhi[j] = r[j] * hp[j];
        } else {
          std::memset(rhi, 0, static_cast<size_t>(d) * sizeof(float));
        }
      }
      if (prev) AddRowsTimesPacked(rows, rh, ld, state.candidate, g + 2 * d, ld3);
      for (int64_t i = 0; i < rows; ++i) {
        float* gi = g + i * ld3;
        float* c = gi + 2 * d;
        act_node(c, d);
        const float* u = gi;
        float* hi = h + i * ld;
        // Paddle's expressions, term for term, for matching rounding.
        if (!prev) {
          if (origin_mode) {
            for (int64_t j = 0; j < d; ++j) hi[j] = c[j] - u[j] * c[j];
          } else {
            for (int64_t j = 0; j < d; ++j) hi[j] = u[j] * c[j];
          }
        } else {
          const float* hp = prev + i * ld;
          if (origin_mode) {
            for (int64_t j = 0; j < d; ++j) hi[j] = u[j] * hp[j] + c[j] - u[j] * c[j];
          } else {
            for (int64_t j = 0; j < d; ++j) hi[j] = hp[j] - u[j] * hp[j] + u[j] * c[j];
          }
        }
        std::memcpy(hidden + order.rows[first + i * lane_count] * d, hi,
                    static_cast<size_t>(d) * sizeof(float));
      }
      prev = h;
    }
  });
}

#ifdef PD_HAVE_AVX2_VARIANT
// AVX2 without FMA: the element-wise loops run 8 wide, and without FMA the compiler cannot
// contract Paddle's update expressions, so the rounding stays term for term.
__attribute__((target("avx2"))) void GruKernelAvx2(OpContext& ctx) { GruKernelBody(ctx); }
#endif

void GruKernel(OpContext& ctx) {
#ifdef PD_HAVE_AVX2_VARIANT
  if (CpuHasAvx2Fma()) return GruKernelAvx2(ctx);
#endif
  GruKernelBody(ctx);
}

}  // namespace

void RegisterRnnKernels(OpRegistry& r) {
  r.Add("gru", GruInferShape, "Input");
  r.AddKernel("gru", DeviceType::kCPU, DType::kFP32, GruKernel);
}

}  // namespace pd
