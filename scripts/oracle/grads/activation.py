"""Gradient cases of sigmoid, hard_swish, hard_sigmoid (native/src/kernels/activation_grad.cc),
elementwise_sub (elementwise_grad.cc) and the unfused form of fc (mul + elementwise_add + relu),
which native/tests/fc_grad_test.cc fuses into one fc op to check fc_grad (Paddle's fc has no
gradient: it only exists in inference programs after a fusion pass). Each ends in a mul head so
that every cell gets its own Out@GRAD."""

import numpy as np
import paddle

from _case import case, feed, op, param, uniform


def head(rng, y, shape, name="head_w"):
    """mean(mul(y flattened to [shape[0], prod(shape[1:])], w [.., 2]))."""
    w = param(name, uniform(rng, (int(np.prod(shape[1:])), 2)))
    return paddle.mean(op("mul", {"X": y, "Y": w}, {"x_num_col_dims": 1, "y_num_col_dims": 1}))


def spread(rng, shape, points, margin=0.1):
    """Values spread over [-s, s] with none within margin of the given kinks."""
    x = uniform(rng, shape, -5.0, 5.0)
    for p in points:
        near = np.abs(x - p) < margin
        x[near] = np.where(x[near] < p, p - margin, p + margin).astype(x.dtype)
    return x


@case(note="sigmoid on x [3,6] in [-5,5]: sigmoid_grad = dOut * Out * (1 - Out), from Out")
def sigmoid_grad(rng):
    x = feed("x", uniform(rng, (3, 6), -5.0, 5.0), grad=True)
    return head(rng, op("sigmoid", {"X": x}), (3, 6))


@case(note="hard_swish (threshold 6, scale 6, offset 3) on x [4,6] in [-5,5], none within 0.1 "
           "of the kinks -3 and 3: dX = 0 below -3, dOut*(2x+3)/6 between, dOut above 3")
def hard_swish_grad(rng):
    x = feed("x", spread(rng, (4, 6), (-3.0, 3.0)), grad=True)
    y = op("hard_swish", {"X": x}, {"threshold": 6.0, "scale": 6.0, "offset": 3.0})
    return head(rng, y, (4, 6))


@case(note="hard_sigmoid (slope 0.2, offset 0.5) on x [4,6] in [-5,5], none within 0.1 of the "
           "kinks -2.5 and 2.5: dX = dOut*slope where 0 < Out < 1, else 0 (read from Out)")
def hard_sigmoid_grad(rng):
    x = feed("x", spread(rng, (4, 6), (-2.5, 2.5)), grad=True)
    y = op("hard_sigmoid", {"X": x}, {"slope": 0.2, "offset": 0.5})
    return head(rng, y, (4, 6))


@case(note="elementwise_sub X [2,3,4] (feed) - Y [3] (parameter) at axis 1: dY is -dOut "
           "summed over axes 0 and 2")
def elementwise_sub_grad_broadcast(rng):
    x = feed("x", uniform(rng, (2, 3, 4)), grad=True)
    y = param("y", uniform(rng, (3,)))
    return head(rng, op("elementwise_sub", {"X": x, "Y": y}, {"axis": 1}), (2, 3, 4))


@case(note="elementwise_sub with the smaller operand first: X [4] (parameter) - Y [2,3,4] "
           "(feed), axis -1: dX is dOut summed over axes 0 and 1, dY = -dOut")
def elementwise_sub_grad_x_broadcast(rng):
    x = param("x", uniform(rng, (4,)))
    y = feed("y", uniform(rng, (2, 3, 4)), grad=True)
    return head(rng, op("elementwise_sub", {"X": x, "Y": y}, {"axis": -1}), (2, 3, 4))


@case(note="fc's unfused form with relu: mul(x [2,3,4], w [4,5], x_num_col_dims 2) + b [5] "
           "(axis 2), relu, mul head; fc_grad_test fuses the first three ops into fc "
           "(in_num_col_dims 2, activation_type relu) and must get the same gradients")
def fc_relu_unfused(rng):
    x = feed("x", uniform(rng, (2, 3, 4)), grad=True)
    w = param("w", uniform(rng, (4, 5)))
    b = param("b", uniform(rng, (5,), -0.3, 0.3))
    h = op("mul", {"X": x, "Y": w}, {"x_num_col_dims": 2, "y_num_col_dims": 1})
    h = op("elementwise_add", {"X": h, "Y": b}, {"axis": 2})
    return head(rng, op("relu", {"X": h}), (2, 3, 5))


@case(note="fc's unfused form without activation: mul(x [3,6], w [6,4]) + b [4]; fc_grad_test "
           "fuses it into fc (in_num_col_dims 1, no activation)")
def fc_linear_unfused(rng):
    x = feed("x", uniform(rng, (3, 6)), grad=True)
    w = param("w", uniform(rng, (6, 4)))
    b = param("b", uniform(rng, (4,)))
    h = op("mul", {"X": x, "Y": w}, {"x_num_col_dims": 1, "y_num_col_dims": 1})
    h = op("elementwise_add", {"X": h, "Y": b}, {"axis": 1})
    return head(rng, h, (3, 4))
