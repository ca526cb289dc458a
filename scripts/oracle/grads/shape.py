"""Gradient cases of the shape ops (reshape2, flatten_contiguous_range, transpose2, concat,
split, shuffle_channel: native/src/kernels/shape_grad.cc), of relu6, softmax and dropout
(activation_grad.cc) and of matmul_v2 (matmul_grad.cc). Each ends in a mul head so that the
gradient differs per cell (a plain mean would hand every cell the same Out@GRAD)."""

import numpy as np
import paddle

from _case import case, feed, op, param, uniform


def head(rng, y, shape, name="head_w"):
    """mean(mul(y flattened to [shape[0], prod(shape[1:])], w [.., 2]))."""
    w = param(name, uniform(rng, (int(np.prod(shape[1:])), 2)))
    return paddle.mean(op("mul", {"X": y, "Y": w}, {"x_num_col_dims": 1, "y_num_col_dims": 1}))


@case(note="paddle.reshape x [2,3,4] -> [3,8]: reshape2 (XShape [0,2,3,4]) / reshape2_grad")
def reshape2_grad(rng):
    x = feed("x", uniform(rng, (2, 3, 4)), grad=True)
    return head(rng, paddle.reshape(x, [3, 8]), (3, 8))


@case(note="paddle.flatten x [2,3,2,2] start 1 stop -1 -> [2,12]: Paddle 3.3.1 emits "
           "flatten_contiguous_range (XShape) / flatten_contiguous_range_grad")
def flatten_grad(rng):
    x = feed("x", uniform(rng, (2, 3, 2, 2)), grad=True)
    return head(rng, paddle.flatten(x, 1, -1), (2, 12))


@case(note="paddle.transpose x [2,3,4] perm [2,0,1] -> [4,2,3]: transpose2_grad moves the "
           "gradient back by the inverse permutation")
def transpose2_grad(rng):
    x = feed("x", uniform(rng, (2, 3, 4)), grad=True)
    return head(rng, paddle.transpose(x, [2, 0, 1]), (4, 2, 3))


@case(note="concat of a [2,2,3] (feed, grad), b [2,3,3] (feed, no grad) and c [2,1,3] "
           "(parameter) along axis 1: concat_grad's X@GRAD list keeps b's place empty "
           "(@EMPTY@)")
def concat_grad(rng):
    a = feed("a", uniform(rng, (2, 2, 3)), grad=True)
    b = feed("b", uniform(rng, (2, 3, 3)))
    c = param("c", uniform(rng, (2, 1, 3)))
    return head(rng, paddle.concat([a, b, c], axis=1), (2, 6, 3))


@case(note="split x [2,6,3] into 3 along axis 1, only pieces 0 and 2 reach the loss: the "
           "gradient is a concat of the pieces' gradients, piece 1's zero-filled")
def split_grad(rng):
    x = feed("x", uniform(rng, (2, 6, 3)), grad=True)
    p0, p1, p2 = paddle.split(x, 3, axis=1)
    return head(rng, p0, (2, 2, 3), "head_w0") + head(rng, p2, (2, 2, 3), "head_w2")


@case(note="shuffle_channel group 2 on x [2,4,3,3] (appended by hand; Paddle's layers never "
           "emit it): the gradient is the inverse shuffle")
def shuffle_channel_grad(rng):
    x = feed("x", uniform(rng, (2, 4, 3, 3)), grad=True)
    return head(rng, op("shuffle_channel", {"X": x}, {"group": 2}), (2, 4, 3, 3))


@case(note="relu6 (threshold 6) on x [3,6] with values in [-2,-0.5], [0.5,5.5] and [6.5,8]: "
           "relu6_grad passes dOut where 0 < Out < 6")
def relu6_grad(rng):
    v = np.concatenate([uniform(rng, (6,), -2.0, -0.5), uniform(rng, (6,), 0.5, 5.5),
                        uniform(rng, (6,), 6.5, 8.0)])
    x = feed("x", rng.permutation(v).reshape(3, 6).astype(np.float32), grad=True)
    return head(rng, op("relu6", {"X": x}, {"threshold": 6.0}), (3, 6))


@case(note="softmax axis -1 on x [3,5] (scaled to [-3,3]): softmax_grad = "
           "Out * (dOut - sum(dOut * Out))")
def softmax_grad(rng):
    x = feed("x", uniform(rng, (3, 5), -3.0, 3.0), grad=True)
    return head(rng, paddle.nn.functional.softmax(x, axis=-1), (3, 5))


@case(note="matmul_v2 x [2,3,4] (feed) by y [4,5] (parameter): Y broadcast over the batch, "
           "y@GRAD summed over it")
def matmul_v2_grad(rng):
    x = feed("x", uniform(rng, (2, 3, 4)), grad=True)
    y = param("y", uniform(rng, (4, 5)))
    out = op("matmul_v2", {"X": x, "Y": y}, {"trans_x": False, "trans_y": False})
    return head(rng, out, (2, 3, 5))


@case(note="matmul_v2 trans_y with x [3,4] (a parameter) broadcast over y's batch: y [2,5,4]^T "
           "(a feed) -> [2,3,5]; x@GRAD summed over the batch")
def matmul_v2_trans_y_grad(rng):
    x = param("x", uniform(rng, (3, 4)))
    y = feed("y", uniform(rng, (2, 5, 4)), grad=True)
    out = op("matmul_v2", {"X": x, "Y": y}, {"trans_x": False, "trans_y": True})
    return head(rng, out, (2, 3, 5))


def dropout(x, prob, is_test, impl):
    """A dropout op appended by hand (paddle's dropout returns x itself for p = 0)."""
    block = paddle.static.default_main_program().current_block()
    out = block.create_var(name="dropout_out", dtype="float32")
    mask = block.create_var(name="dropout_mask", dtype="uint8", stop_gradient=True)
    block.append_op(type="dropout", inputs={"X": [x]}, outputs={"Out": [out], "Mask": [mask]},
                    attrs={"dropout_prob": prob, "is_test": is_test, "fix_seed": True,
                           "seed": 7, "dropout_implementation": impl})
    return out


@case(note="dropout is_test with prob 0.25, downgrade_in_infer: Out = X * 0.75 and "
           "dropout_grad dX = dOut * 0.75")
def dropout_test_downgrade_grad(rng):
    x = feed("x", uniform(rng, (3, 4)), grad=True)
    return head(rng, dropout(x, 0.25, True, "downgrade_in_infer"), (3, 4))


@case(note="dropout training (is_test false) with prob 0, upscale_in_train: the mask keeps "
           "every cell, dX = dOut * Mask / (1 - p)")
def dropout_train_p0_grad(rng):
    x = feed("x", uniform(rng, (3, 4)), grad=True)
    return head(rng, dropout(x, 0.0, False, "upscale_in_train"), (3, 4))
