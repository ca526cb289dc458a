"""Gradient cases of one differentiable op each, under a mean loss (paddle.mean, which is
reduce_mean with reduce_all in Paddle 3's legacy IR)."""

import numpy as np
import paddle

from _case import away_from_zero, case, feed, op, param, uniform


@case(note="legacy mul [4,6]x[6,3] (x_num_col_dims 1, y_num_col_dims 1); grads of x and w")
def mul_grad(rng):
    x = feed("x", uniform(rng, (4, 6)), grad=True)
    w = param("w", uniform(rng, (6, 3)))
    out = op("mul", {"X": x, "Y": w}, {"x_num_col_dims": 1, "y_num_col_dims": 1})
    return paddle.mean(out)


@case(note="elementwise_add X [2,3,4,5] + Y [3] at axis 1: b@GRAD is dOut summed over "
           "axes 0, 2, 3")
def elementwise_add_grad_broadcast(rng):
    x = feed("x", uniform(rng, (2, 3, 4, 5)), grad=True)
    b = param("b", uniform(rng, (3,)))
    out = op("elementwise_add", {"X": x, "Y": b}, {"axis": 1})
    return paddle.mean(out)


@case(note="relu on a feed [3,7] with values of both signs, none within 0.05 of zero; "
           "relu_grad reads Out, so x@GRAD is 1/21 where x > 0 and 0 elsewhere; no parameters")
def relu_grad(rng):
    x = feed("x", away_from_zero(uniform(rng, (3, 7))), grad=True)
    return paddle.mean(op("relu", {"X": x}))


@case(note="softmax_with_cross_entropy, hard int64 labels [5,1], soft_label false, axis -1, "
           "numeric_stable_mode true; logits are a feed with grad")
def softmax_with_cross_entropy_grad(rng):
    logits = feed("logits", uniform(rng, (5, 4), -3.0, 3.0), grad=True)
    label = feed("label", rng.randint(0, 4, size=(5, 1)).astype(np.int64))
    loss = paddle.nn.functional.softmax_with_cross_entropy(logits, label, soft_label=False)
    return paddle.mean(loss)


@case(note="PaddleHub 1.x's classifier loss: softmax, then cross_entropy2 over the "
           "probabilities (hard int64 labels, ignore_index -100, one row ignored), then mean; "
           "cross_entropy_grad2 reads MatchX")
def cross_entropy2_grad(rng):
    logits = feed("logits", uniform(rng, (5, 4), -2.0, 2.0), grad=True)
    label = rng.randint(0, 4, size=(5, 1)).astype(np.int64)
    label[3, 0] = -100
    label = feed("label", label)
    probs = op("softmax", {"X": logits}, {"axis": -1})
    y = op("cross_entropy2", {"X": probs, "Label": label}, {"ignore_index": -100},
           outputs=("Y", "MatchX", "XShape"))
    return paddle.mean(y)
