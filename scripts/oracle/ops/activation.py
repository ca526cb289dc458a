"""Cases for the conv-net activations and softmax (native/src/kernels/activation.cc,
softmax.cc) with their attributes; inputs span the clamps and saturated tails."""

from op_case import case, feed, op, uniform


def act(rng, type, attrs=None, lo=-8.0, hi=8.0, shape=(2, 3, 4, 5)):
    x = feed("x", uniform(rng, shape, lo, hi))
    return op(type, {"X": x}, attrs or {})


@case("relu")
def relu_basic(rng):
    return act(rng, "relu")


@case("relu6", note="default threshold 6")
def relu6_default(rng):
    return act(rng, "relu6", {"threshold": 6.0})


@case("relu6", note="threshold 3")
def relu6_threshold3(rng):
    return act(rng, "relu6", {"threshold": 3.0})


@case("leaky_relu", note="alpha 0.1")
def leaky_relu_alpha(rng):
    return act(rng, "leaky_relu", {"alpha": 0.1})


@case("sigmoid", note="inputs in [-30, 30]: both saturated tails")
def sigmoid_wide(rng):
    return act(rng, "sigmoid", lo=-30.0, hi=30.0)


@case("tanh", note="inputs in [-0.01, 0.01] where exp formulas lose relative precision")
def tanh_small(rng):
    return act(rng, "tanh", lo=-0.01, hi=0.01)


@case("tanh", note="inputs in [-10, 10]")
def tanh_wide(rng):
    return act(rng, "tanh", lo=-10.0, hi=10.0)


@case("swish", note="beta 1 (Paddle 3 has no beta attribute: x * sigmoid(x))")
def swish_basic(rng):
    return act(rng, "swish")


@case("hard_swish", note="PP-OCRv3: threshold 6, scale 6, offset 3")
def hard_swish_default(rng):
    return act(rng, "hard_swish", {"threshold": 6.0, "scale": 6.0, "offset": 3.0})


@case("hard_sigmoid", note="PP-OCRv3: slope 0.2, offset 0.5")
def hard_sigmoid_default(rng):
    return act(rng, "hard_sigmoid", {"slope": 0.2, "offset": 0.5})


@case("hard_sigmoid", note="slope 1/6, offset 0.5 (paddle.nn.functional.hardsigmoid)")
def hard_sigmoid_slope6(rng):
    return act(rng, "hard_sigmoid", {"slope": 1.0 / 6.0, "offset": 0.5})


@case("softmax", note="axis -1 over [3, 10], wide logits")
def softmax_last_axis(rng):
    return act(rng, "softmax", {"axis": -1}, lo=-20.0, hi=20.0, shape=(3, 10))


@case("softmax", note="axis 1 of a 4-D tensor: strided reduction")
def softmax_axis1(rng):
    return act(rng, "softmax", {"axis": 1}, shape=(2, 5, 3, 2))


@case("softmax", note="axis 0")
def softmax_axis0(rng):
    return act(rng, "softmax", {"axis": 0}, shape=(4, 3))
