"""Cases for the initialisers (native/src/kernels/random.cc) and assign/assign_value
(native/src/kernels/assign.cc). The random ops have a fixed nonzero seed, so Paddle's values are
reproducible and ours must equal them exactly (tolerance 0): the same std::mt19937_64 and
libstdc++ distributions as Paddle's CPU kernels."""

import numpy as np
import paddle

from op_case import case, feed, op, uniform


def _random(type, attrs, dtype="float32"):
    """Appends a random op with no inputs; returns its output."""
    block = paddle.static.default_main_program().current_block()
    out = block.create_var(name=paddle.utils.unique_name.generate(type + "_out"), dtype=dtype)
    block.append_op(type=type, inputs={}, outputs={"Out": [out]}, attrs=attrs)
    return out


@case("uniform_random", rtol=0, atol=0,
      note="uniform_random [4,50] in [-0.5, 0.7), seed 42: exactly Paddle's values")
def uniform_random_seed42(rng):
    return _random("uniform_random", {"shape": [4, 50], "min": -0.5, "max": 0.7, "seed": 42,
                                      "dtype": 5})


@case("uniform_random", rtol=0, atol=0,
      note="uniform_random float64 [3,5], seed 7, with diag_num 3 / diag_step 4 / diag_val 2: "
           "elements 0, 5, 10 set to 2")
def uniform_random_fp64_diag(rng):
    return _random("uniform_random", {"shape": [3, 5], "min": -1.0, "max": 1.0, "seed": 7,
                                      "dtype": 6, "diag_num": 3, "diag_step": 4,
                                      "diag_val": 2.0}, dtype="float64")


@case("gaussian_random", rtol=0, atol=0,
      note="gaussian_random [7,31] (odd count: the polar method's spare value), mean 0.3, "
           "std 2, seed 1234: exactly Paddle's values")
def gaussian_random_seed1234(rng):
    return _random("gaussian_random", {"shape": [7, 31], "mean": 0.3, "std": 2.0,
                                       "seed": 1234, "dtype": 5})


@case("truncated_gaussian_random", rtol=0, atol=0,
      note="truncated_gaussian_random [10,50], mean 0.1, std 1.5, a -2, b 2 (Paddle's "
           "TruncatedNormal initializer's bounds), seed 5: exactly Paddle's values")
def truncated_gaussian_random_seed5(rng):
    return _random("truncated_gaussian_random", {"shape": [10, 50], "mean": 0.1, "std": 1.5,
                                                 "a": -2.0, "b": 2.0, "seed": 5, "dtype": 5})


@case("truncated_gaussian_random", rtol=0, atol=0,
      note="truncated_gaussian_random [20,50], mean 0, std 1, a -6, b 6, seed 99: wide bounds "
           "reach erfinv's tail approximations (|2p-1| > 0.85)")
def truncated_gaussian_random_wide(rng):
    return _random("truncated_gaussian_random", {"shape": [20, 50], "mean": 0.0, "std": 1.0,
                                                 "a": -6.0, "b": 6.0, "seed": 99, "dtype": 5})


@case("assign", note="assign copies X [3,4]")
def assign_float(rng):
    x = feed("x", uniform(rng, (3, 4)))
    return op("assign", {"X": x})


@case("assign_value", rtol=0, atol=0,
      note="paddle.assign of a float32 array: assign_value with Scalar `values` (Paddle 2.5+)")
def assign_value_float(rng):
    return paddle.assign(uniform(rng, (2, 3)))


@case("assign_value", note="paddle.assign of an int64 array, values beyond 2^53 kept exactly")
def assign_value_int64(rng):
    return paddle.assign(np.array([[1, -2, 3], [2**60 + 1, 5, -(2**40)]], dtype="int64"))
