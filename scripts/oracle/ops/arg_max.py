"""Cases for arg_max. Inputs are random floats, so ties are (almost surely) absent except
where a case plants them."""

import numpy as np

from op_case import case, feed, op, uniform


def _arg_max(x, **attrs):
    base = {"axis": -1, "keepdims": False, "flatten": False, "dtype": 3}
    base.update(attrs)
    return op("arg_max", {"X": x}, base, dtype="int64" if base["dtype"] == 3 else "int32")


@case("arg_max", note="axis 1 of [2,5,3], int64, ties planted (the first maximum wins)")
def arg_max_axis1_ties(rng):
    v = uniform(rng, (2, 5, 3))
    v[0, 1, 0] = v[0, 3, 0] = 2.0
    return _arg_max(feed("x", v), axis=1)


@case("arg_max", note="last axis, keepdims, int32 output")
def arg_max_keepdims_int32(rng):
    return _arg_max(feed("x", uniform(rng, (3, 4))), axis=-1, keepdims=True, dtype=2)


@case("arg_max", note="flatten: index over all elements")
def arg_max_flatten(rng):
    return _arg_max(feed("x", uniform(rng, (3, 4))), flatten=True)


@case("arg_max", note="int64 input, axis 0")
def arg_max_int64_input(rng):
    return _arg_max(feed("x", rng.randint(-9, 9, size=(4, 3)).astype(np.int64)), axis=0)
