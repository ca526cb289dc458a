"""Cases for nearest_interp(_v2) and bilinear_interp(_v2) on NCHW float32 images."""

import numpy as np

from op_case import case, feed, op, uniform


def _interp(type, x, **attrs):
    base = {"data_layout": "NCHW", "interp_method": type.split("_")[0], "out_d": -1,
            "out_h": -1, "out_w": -1, "align_corners": False, "align_mode": 1}
    if type.endswith("_v2"):
        base["scale"] = []
    else:
        base["scale"] = 0.0
    base.update(attrs)
    return op(type, {"X": x}, base)


@case("nearest_interp_v2", note="PP-OCRv3 det's FPN upsampling: scale [2,2], no align_corners")
def nearest_v2_scale2(rng):
    x = feed("x", uniform(rng, (1, 2, 3, 4)))
    return _interp("nearest_interp_v2", x, scale=[2.0, 2.0])


@case("nearest_interp_v2", note="fractional scales [1.5, 0.6]: ratio is 1/scale, not in/out")
def nearest_v2_fractional_scale(rng):
    x = feed("x", uniform(rng, (1, 2, 5, 7)))
    return _interp("nearest_interp_v2", x, scale=[1.5, 0.6])


@case("nearest_interp_v2", note="out_h/out_w with align_corners (rounded source index)")
def nearest_v2_size_align_corners(rng):
    x = feed("x", uniform(rng, (2, 1, 4, 5)))
    return _interp("nearest_interp_v2", x, out_h=7, out_w=3, align_corners=True)


@case("nearest_interp_v2", note="the OutSize tensor (int32 [2]) overrides scale and out_h/out_w")
def nearest_v2_outsize_tensor(rng):
    x = feed("x", uniform(rng, (1, 2, 4, 4)))
    s = feed("out_size", np.array([6, 3], dtype="int32"))
    return op("nearest_interp_v2", {"X": x, "OutSize": s},
              {"data_layout": "NCHW", "interp_method": "nearest", "out_d": -1, "out_h": 2,
               "out_w": 2, "scale": [3.0, 3.0], "align_corners": False, "align_mode": 1})


@case("nearest_interp", note="v1 op: float scale attr 1.5 on 5x7")
def nearest_v1_scale(rng):
    x = feed("x", uniform(rng, (1, 2, 5, 7)))
    return _interp("nearest_interp", x, scale=1.5)


@case("nearest_interp", note="v1 op: out_h/out_w, align_corners true")
def nearest_v1_size_align(rng):
    x = feed("x", uniform(rng, (1, 2, 5, 4)))
    return _interp("nearest_interp", x, out_h=3, out_w=9, align_corners=True)


@case("bilinear_interp_v2", note="align_corners false, align_mode 0: half-pixel centres")
def bilinear_v2_half_pixel(rng):
    x = feed("x", uniform(rng, (1, 2, 4, 5)))
    return _interp("bilinear_interp_v2", x, out_h=7, out_w=3, align_mode=0)


@case("bilinear_interp_v2", note="align_corners false, align_mode 1: src = ratio * dst")
def bilinear_v2_align_mode1(rng):
    x = feed("x", uniform(rng, (1, 2, 4, 5)))
    return _interp("bilinear_interp_v2", x, out_h=6, out_w=8, align_mode=1)


@case("bilinear_interp_v2", note="align_corners true, downsampling")
def bilinear_v2_align_corners(rng):
    x = feed("x", uniform(rng, (2, 1, 6, 7)))
    return _interp("bilinear_interp_v2", x, out_h=4, out_w=3, align_corners=True)


@case("bilinear_interp_v2", note="scale [2.5, 1.5], half-pixel (ratio from the scale)")
def bilinear_v2_scale(rng):
    x = feed("x", uniform(rng, (1, 2, 3, 4)))
    return _interp("bilinear_interp_v2", x, scale=[2.5, 1.5], align_mode=0)


@case("bilinear_interp", note="v1 op: out_h/out_w, align_corners false, align_mode 0")
def bilinear_v1_size(rng):
    x = feed("x", uniform(rng, (1, 2, 4, 5)))
    return _interp("bilinear_interp", x, out_h=7, out_w=9, align_mode=0)


@case("bilinear_interp", note="v1 op: float scale 1.5, align_corners true")
def bilinear_v1_scale_align(rng):
    x = feed("x", uniform(rng, (1, 2, 5, 7)))
    return _interp("bilinear_interp", x, scale=1.5, align_corners=True)
