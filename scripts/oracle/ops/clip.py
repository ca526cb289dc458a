"""Cases for gradient clipping (native/src/kernels/clip.cc, sqrt in activation.cc): the ops
Paddle 3.3.1's static optimizers append for paddle.nn.ClipGradByGlobalNorm (squared_l2_norm,
sum, sqrt, fill_constant, elementwise_max, elementwise_div, elementwise_mul), ClipGradByNorm
(clip_by_norm) and ClipGradByValue (clip)."""

import paddle

from op_case import case, feed, op, uniform


@case("squared_l2_norm", note="squared_l2_norm of X [4,6]: Out [1] = sum of squares")
def squared_l2_norm(rng):
    return op("squared_l2_norm", {"X": feed("x", uniform(rng, (4, 6)))})


@case("sqrt", note="sqrt of positive X [3,5]")
def sqrt(rng):
    return op("sqrt", {"X": feed("x", uniform(rng, (3, 5), 0.01, 4.0))})


@case("clip_by_norm", note="clip_by_norm max_norm 0.5 on X [3,4] whose norm is larger: scaled")
def clip_by_norm_scaled(rng):
    return op("clip_by_norm", {"X": feed("x", uniform(rng, (3, 4)))}, {"max_norm": 0.5})


@case("clip_by_norm", note="clip_by_norm max_norm 100 on X [3,4]: the norm is smaller, X as is")
def clip_by_norm_unchanged(rng):
    return op("clip_by_norm", {"X": feed("x", uniform(rng, (3, 4)))}, {"max_norm": 100.0})


@case("clip", note="clip to [-0.3, 0.4] (ClipGradByValue uses min = -max)")
def clip_attrs(rng):
    return op("clip", {"X": feed("x", uniform(rng, (4, 5)))}, {"min": -0.3, "max": 0.4})


def _global_norm_clip(rng, clip_norm, scale):
    g1 = feed("g1", uniform(rng, (3, 4), -scale, scale))
    g2 = feed("g2", uniform(rng, (5,), -scale, scale))
    s1 = op("squared_l2_norm", {"X": g1})
    s2 = op("squared_l2_norm", {"X": g2})
    total = op("sum", {"X": [s1, s2]})
    norm = op("sqrt", {"X": total})
    limit = paddle.full([1], clip_norm, "float32")  # fill_constant, as Paddle's clip emits it
    biggest = op("elementwise_max", {"X": limit, "Y": norm}, {"axis": -1})
    factor = op("elementwise_div", {"X": limit, "Y": biggest}, {"axis": -1})
    return [op("elementwise_mul", {"X": g1, "Y": factor}, {"axis": -1}),
            op("elementwise_mul", {"X": g2, "Y": factor}, {"axis": -1})]


_GLOBAL_OPS = ["squared_l2_norm", "sum", "sqrt", "fill_constant", "elementwise_max",
               "elementwise_div", "elementwise_mul"]


@case(_GLOBAL_OPS,
      note="ClipGradByGlobalNorm(1.0) as Paddle 3.3.1 appends it (op for op) on two gradients "
           "[3,4] and [5] whose global norm exceeds 1: both scaled by 1/norm")
def clip_global_norm_scaled(rng):
    return _global_norm_clip(rng, 1.0, 1.0)


@case(_GLOBAL_OPS,
      note="the same recipe with clip_norm 10: the global norm is smaller, gradients unchanged")
def clip_global_norm_unchanged(rng):
    return _global_norm_clip(rng, 10.0, 1.0)
