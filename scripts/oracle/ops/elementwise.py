"""Cases for the binary elementwise family and Paddle's axis broadcasting."""

from op_case import case, feed, op, uniform


def _binary(rng, type, xshape, yshape, axis, lo=-1.0, hi=1.0, ylo=None, yhi=None):
    x = feed("x", uniform(rng, xshape, lo, hi))
    y = feed("y", uniform(rng, yshape, lo if ylo is None else ylo, hi if yhi is None else yhi))
    return op(type, {"X": x, "Y": y}, {"axis": axis})


@case("elementwise_sub", note="Y [3] placed at axis 1 of X [2,3,4]")
def elementwise_sub_axis1(rng):
    return _binary(rng, "elementwise_sub", (2, 3, 4), (3,), 1)


@case("elementwise_sub", note="X of lower rank than Y: X [4] broadcast against Y [2,3,4], axis -1")
def elementwise_sub_x_smaller(rng):
    return _binary(rng, "elementwise_sub", (4,), (2, 3, 4), -1)


@case("elementwise_mul", note="SE-block form of PP-OCRv3: [2,4,3,3] * [2,4,1,1], axis -1")
def elementwise_mul_se(rng):
    return _binary(rng, "elementwise_mul", (2, 4, 3, 3), (2, 4, 1, 1), -1)


@case("elementwise_mul", note="Y [3,1] with a trailing 1 at axis 1 of X [2,3,4]")
def elementwise_mul_trailing_one(rng):
    return _binary(rng, "elementwise_mul", (2, 3, 4), (3, 1), 1)


@case("elementwise_div", note="same shapes; divisors kept away from 0")
def elementwise_div_same(rng):
    return _binary(rng, "elementwise_div", (3, 5), (3, 5), -1, ylo=0.5, yhi=2.0)


@case("elementwise_div", note="Y [2,3] at axis 0 of X [2,3,4]")
def elementwise_div_axis0(rng):
    return _binary(rng, "elementwise_div", (2, 3, 4), (2, 3), 0, ylo=0.5, yhi=2.0)


@case("elementwise_div", note="int64 division with negative operands (truncation toward zero)")
def elementwise_div_int64(rng):
    x = feed("x", rng.randint(-50, 50, size=(6,)).astype("int64"))
    y = feed("y", (rng.randint(1, 7, size=(6,)) * rng.choice([-1, 1], size=(6,))).astype("int64"))
    return op("elementwise_div", {"X": x, "Y": y}, {"axis": -1})


@case("elementwise_max", note="numpy broadcasting [2,1,4] vs [3,1]")
def elementwise_max_numpy(rng):
    return _binary(rng, "elementwise_max", (2, 1, 4), (3, 1), -1)


@case("elementwise_min", note="Y [4] broadcast over X [3,4]")
def elementwise_min_row(rng):
    return _binary(rng, "elementwise_min", (3, 4), (4,), -1)


@case("elementwise_pow", note="positive bases, exponents in [-2, 2]")
def elementwise_pow_positive(rng):
    return _binary(rng, "elementwise_pow", (3, 4), (3, 4), -1, lo=0.1, hi=2.0, ylo=-2.0, yhi=2.0)


@case("elementwise_add", note="int64 with broadcasting of a scalar-like [1]")
def elementwise_add_int64(rng):
    x = feed("x", rng.randint(-1000, 1000, size=(2, 3)).astype("int64"))
    y = feed("y", rng.randint(-1000, 1000, size=(1,)).astype("int64"))
    return op("elementwise_add", {"X": x, "Y": y}, {"axis": -1})
