"""Gradient cases of nearest_interp_v2 and bilinear_interp_v2 (native/src/kernels/
interp_grad.cc): each output pixel's gradient goes back to the source pixels it read, with the
forward weights. Upsampling, so several output pixels share a source pixel and their
gradients add up; a mul head gives every output pixel its own gradient."""

import numpy as np
import paddle

from _case import case, feed, op, param, uniform


def head(rng, y, shape, name="head_w"):
    w = param(name, uniform(rng, (int(np.prod(shape[1:])), 2)))
    return paddle.mean(op("mul", {"X": y, "Y": w}, {"x_num_col_dims": 1, "y_num_col_dims": 1}))


def interp(x, method, out_h, out_w, align_corners, align_mode=1, scale=()):
    attrs = {"interp_method": method, "out_d": -1, "out_h": out_h, "out_w": out_w,
             "scale": list(scale), "align_corners": align_corners, "align_mode": align_mode,
             "data_layout": "NCHW"}
    return op(method + "_interp_v2", {"X": x}, attrs)


@case(note="nearest_interp_v2 x [2,2,3,4] -> [5,7], align_corners false: each source pixel "
           "gathers the gradients of the output pixels that picked it")
def nearest_interp_v2_grad(rng):
    x = feed("x", uniform(rng, (2, 2, 3, 4)), grad=True)
    return head(rng, interp(x, "nearest", 5, 7, False), (2, 2, 5, 7))


@case(note="bilinear_interp_v2 x [1,2,3,4] -> [5,7], align_corners false, align_mode 0 "
           "(half-pixel centres, F.interpolate's default)")
def bilinear_interp_v2_grad(rng):
    x = feed("x", uniform(rng, (1, 2, 3, 4)), grad=True)
    return head(rng, interp(x, "bilinear", 5, 7, False, align_mode=0), (1, 2, 5, 7))


@case(note="bilinear_interp_v2 x [1,2,4,3] by scale [1.5, 2.5] (the ratio is 1/scale), "
           "align_corners true")
def bilinear_interp_v2_scale_corners_grad(rng):
    x = feed("x", uniform(rng, (1, 2, 4, 3)), grad=True)
    return head(rng, interp(x, "bilinear", -1, -1, True, scale=(1.5, 2.5)), (1, 2, 6, 7))
