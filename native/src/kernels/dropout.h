// dropout's random mask, shared by the CPU kernel and the GPU's (which draws it on the host and
// uploads it), so that one seed gives one mask on every place.
#pragma once

#include <cstdint>

#include "framework/op_registry.h"

namespace pd {

// dropout_implementation: true for upscale_in_train, false for downgrade_in_infer; fails
// naming the op for anything else.
bool DropoutUpscales(const OpContext& ctx);

// The generator's seed: the Seed input (a host tensor), else the seed attribute when fix_seed,
// else a fresh random one.
uint64_t DropoutSeed(const OpContext& ctx);

// mask[i] = 0 (dropped, with probability p) or 1, for p in [0, 1); the mt19937_64 sequence of
// seed.
void DropoutMask(uint64_t seed, float p, int64_t n, uint8_t* mask);

}  // namespace pd
