// Graph optimisation behind SwitchIrOptim: named passes applied once when a predictor is
// created, before its executor is built. Clones share the optimised program and weights.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "framework/program.h"
#include "framework/scope.h"

namespace pd {

// The passes applied when ir_optim is on, in order. They carry Paddle Inference's pass names,
// so that PD_ConfigDeletePass calls written for Paddle disable ours too.
const std::vector<std::string>& DefaultPassNames();

// Applies the named passes in order to a copy of program and returns it. Names this build has
// no pass for are skipped (Paddle has many more). New weights go into weights; existing
// tensors there are never changed.
std::shared_ptr<const Program> Optimize(const Program& program, Scope* weights,
                                        const std::vector<std::string>& passes);

// The op types whose CPU kernels run in bfloat16 when marked (kernels/bf16.h).
const std::vector<std::string>& Bfloat16OpTypes();

// Paddle's cpu_bfloat16_placement_pass, run after the fusions: sets mkldnn_data_type =
// "bfloat16" on every op of a type in Bfloat16OpTypes() and in only, and returns the marked
// program. only empty means conv2d alone: depthwise_conv2d, bound by memory rather than
// arithmetic, is no faster in bfloat16 (BENCHMARKS.md), so it is marked only when named.
std::shared_ptr<const Program> PlaceBfloat16(const Program& program,
                                             const std::vector<std::string>& only);

// Passes whose fused op has a CPU kernel only (fused_concat_shuffle_split): a GPU predictor
// skips them, so that the ops they would replace keep their GPU kernels rather than sending
// the data to the CPU and back.
const std::vector<std::string>& CpuOnlyPassNames();

// What a training executor runs instead of program: a copy with each channel shuffle and its
// gradient chain fused (FuseShuffleChannel), so that ShuffleNet's step keeps the convolutions'
// channels-last layout throughout; on the CPU ShuffleNetV2's unit boundaries (concat → shuffle
// → split) and their gradient chains fused (FuseConcatShuffleSplit, whose op has a CPU kernel
// alone); each relu after batch_norm or elementwise_add fused into that op (FuseTrainingRelu);
// and the momentum and adam updates merged into merged_momentum and merged_adam ops
// (FuseOptimizers). Exact: the fused ops compute the same values. The intermediates (the
// shuffle's 5-D view and its transpose, the concatenated and shuffled tensors, the values before
// relu) are not stored.
std::shared_ptr<const Program> OptimizeForTraining(const Program& program, bool on_cpu);

}  // namespace pd
