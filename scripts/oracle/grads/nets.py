"""Gradient cases over small nets: gradient accumulation at a fan-out (sum of @RENAME@
contributions) and gradients cut by no_grad_set / stop_gradient."""

import numpy as np
import paddle

from _case import case, feed, op, param, uniform


def fc(x, w, b):
    """fc as the fluid 1.x layer emitted it: mul then elementwise_add (axis 1)."""
    h = op("mul", {"X": x, "Y": w}, {"x_num_col_dims": 1, "y_num_col_dims": 1})
    return op("elementwise_add", {"X": h, "Y": b}, {"axis": 1})


@case(note="PaddleHub classifier head: h = relu(fc(x, w1, b1)), logits = fc(h, w2, b2), "
           "loss = mean(softmax_with_cross_entropy(logits, label)) + 0.1 * mean(h) with the "
           "legacy mean op; h has two consumers, so h@GRAD is a sum of @RENAME@ parts")
def mlp_fanout(rng):
    x = feed("x", uniform(rng, (6, 8)))
    label = feed("label", rng.randint(0, 3, size=(6, 1)).astype(np.int64))
    w1 = param("fc_0.w_0", uniform(rng, (8, 5), -0.6, 0.6))
    b1 = param("fc_0.b_0", uniform(rng, (5,), -0.2, 0.2))
    w2 = param("fc_1.w_0", uniform(rng, (5, 3), -0.8, 0.8))
    b2 = param("fc_1.b_0", uniform(rng, (3,), -0.2, 0.2))
    h = op("relu", {"X": fc(x, w1, b1)})
    logits = fc(h, w2, b2)
    ce = paddle.nn.functional.softmax_with_cross_entropy(logits, label, soft_label=False)
    ce_mean = op("mean", {"X": ce})
    h_mean = op("mean", {"X": h})
    return ce_mean + paddle.scale(h_mean, scale=0.1)


@case(no_grad_set=("w2",),
      note="x [4,6] -mul w1 [6,5]- +b1 [5] (stop_gradient) -mul w2 [5,3]- mean; w2 in "
           "no_grad_set and b1 stop_gradient: only w1@GRAD and x@GRAD exist")
def stop_gradient(rng):
    x = feed("x", uniform(rng, (4, 6)), grad=True)
    w1 = param("w1", uniform(rng, (6, 5)))
    b1 = param("b1", uniform(rng, (5,)), stop_gradient=True)
    w2 = param("w2", uniform(rng, (5, 3)))
    h = op("mul", {"X": x, "Y": w1}, {"x_num_col_dims": 1, "y_num_col_dims": 1})
    h = op("elementwise_add", {"X": h, "Y": b1}, {"axis": 1})
    out = op("mul", {"X": h, "Y": w2}, {"x_num_col_dims": 1, "y_num_col_dims": 1})
    return paddle.mean(out)
