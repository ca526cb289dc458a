"""Cases for the SSD detection ops: prior_box, box_coder, multiclass_nms and multiclass_nms3.

Paddle 3.3.1 no longer registers density_prior_box or multiclass_nms2, so their kernels are
covered by native/tests/detection_test.cc only (multiclass_nms3 shares nms2's Index output).

Sizes follow ssd_mobilenet_v1_pascal's head (min/max sizes, aspect ratios [2] and [2,3], flip,
clip; NMS background 0, score 0.01, nms_top_k 400, keep_top_k 200, IoU 0.45) scaled down with
the image so that the goldens stay small; prior_box reads only the dims of Image.
"""

import numpy as np

import op_case
from op_case import case, feed, uniform


def _append(type, inputs, attrs, outputs):
    """Appends one op whose output slots have their own dtypes ({slot: dtype}); returns them all."""
    paddle = op_case.paddle
    block = paddle.static.default_main_program().current_block()
    outs = {slot: [block.create_var(name=paddle.utils.unique_name.generate(
        type + "_" + slot.lower()), dtype=dt)] for slot, dt in outputs.items()}
    block.append_op(type=type, inputs={k: [v] for k, v in inputs.items()}, outputs=outs,
                    attrs=attrs)
    return [outs[slot][0] for slot in outputs]


def _maps(rng, feature_hw, image_hw):
    """Feature map and image inputs; only their dims matter."""
    f = feed("feature", uniform(rng, (1, 1) + feature_hw))
    im = feed("image", uniform(rng, (1, 1) + image_hw))
    return f, im


def _prior_box(f, im, **attrs):
    base = {"variances": [0.1, 0.1, 0.2, 0.2], "flip": True, "clip": True, "step_w": 0.0,
            "step_h": 0.0, "offset": 0.5, "min_max_aspect_ratios_order": False,
            "max_sizes": [], "aspect_ratios": [2.0]}
    base.update(attrs)
    return _append("prior_box", {"Input": f, "Image": im}, base,
                   {"Boxes": "float32", "Variances": "float32"})


@case("prior_box", note="SSD's first head (min 60 of 300, no max size, ratios [2], flip, clip)"
      " scaled to a 30x30 image on a 5x5 map")
def prior_box_ssd_first(rng):
    f, im = _maps(rng, (5, 5), (30, 30))
    return _prior_box(f, im, min_sizes=[6.0])


@case("prior_box", note="SSD's later heads: min 105 / max 150 of 300, ratios [2,3], flip, clip"
      " scaled to a 30x30 image on a 3x3 map; the max square comes after the ratios")
def prior_box_ssd_minmax(rng):
    f, im = _maps(rng, (3, 3), (30, 30))
    return _prior_box(f, im, min_sizes=[10.5], max_sizes=[15.0], aspect_ratios=[2.0, 3.0])


@case("prior_box", note="Caffe order (min, max, ratios), explicit steps and offset 0.3, two"
      " min sizes, no flip or clip (boxes leave the image), non-square 4x5 map on 24x32")
def prior_box_minmax_order_steps(rng):
    f, im = _maps(rng, (4, 5), (24, 32))
    return _prior_box(f, im, min_sizes=[8.0, 14.0], max_sizes=[12.0, 20.0],
                      aspect_ratios=[2.0, 0.5, 2.0], flip=False, clip=False, step_w=7.0,
                      step_h=5.0, offset=0.3, min_max_aspect_ratios_order=True)


def _corner_boxes(rng, n, lo, hi, min_size, max_size):
    """n boxes [xmin, ymin, xmax, ymax] with centres in [lo, hi) and sides in [min, max)."""
    c = rng.uniform(lo, hi, size=(n, 2))
    s = rng.uniform(min_size, max_size, size=(n, 2))
    return np.concatenate([c - s / 2, c + s / 2], axis=1).astype("float32")


def _box_coder(prior, target, var=None, **attrs):
    base = {"code_type": "decode_center_size", "box_normalized": True, "axis": 0}
    base.update(attrs)
    ins = {"PriorBox": prior, "TargetBox": target}
    if var is not None:
        ins["PriorBoxVar"] = var
    return _append("box_coder", ins, base, {"OutputBox": "float32"})[0]


@case("box_coder", note="SSD's decode: PriorBoxVar tensor, normalised, axis 0, [2,20,4] deltas")
def box_coder_decode_prior_var(rng):
    prior = feed("prior", _corner_boxes(rng, 20, 0.2, 0.8, 0.05, 0.5))
    var = feed("prior_var", np.tile(np.float32([0.1, 0.1, 0.2, 0.2]), (20, 1)))
    target = feed("target", uniform(rng, (2, 20, 4)))
    return _box_coder(prior, target, var)


@case("box_coder", note="decode with the variance attribute and axis 1 (prior per row)")
def box_coder_decode_var_attr_axis1(rng):
    prior = feed("prior", _corner_boxes(rng, 3, 0.2, 0.8, 0.05, 0.5))
    target = feed("target", uniform(rng, (3, 5, 4)))
    return _box_coder(prior, target, variance=[0.1, 0.1, 0.2, 0.2], axis=1)


@case("box_coder", note="decode of pixel boxes (box_normalized false: +1 sizes), no variance")
def box_coder_decode_pixels(rng):
    prior = feed("prior", _corner_boxes(rng, 6, 20, 80, 5, 40))
    target = feed("target", uniform(rng, (2, 6, 4)))
    return _box_coder(prior, target, box_normalized=False)


@case("box_coder", note="encode of gt boxes [4,4] against 6 pixel priors with PriorBoxVar")
def box_coder_encode_pixels(rng):
    prior = feed("prior", _corner_boxes(rng, 6, 20, 80, 5, 40))
    var = feed("prior_var", uniform(rng, (6, 4), 0.1, 0.3))
    target = feed("target", _corner_boxes(rng, 4, 20, 80, 5, 40))
    return _box_coder(prior, target, var, code_type="encode_center_size", box_normalized=False)


@case("box_coder", note="encode, normalised, variance attribute")
def box_coder_encode_var_attr(rng):
    prior = feed("prior", _corner_boxes(rng, 5, 0.2, 0.8, 0.05, 0.5))
    target = feed("target", _corner_boxes(rng, 3, 0.2, 0.8, 0.05, 0.5))
    return _box_coder(prior, target, code_type="encode_center_size",
                      variance=[0.1, 0.1, 0.2, 0.2])


SSD_NMS = {"background_label": 0, "score_threshold": 0.01, "nms_top_k": 400,
           "keep_top_k": 200, "nms_threshold": 0.45, "nms_eta": 1.0, "normalized": True}


def _scores(rng, shape):
    """Scores on a 1/32 grid: many exact ties, so the order among equal scores is checked."""
    return (rng.randint(0, 33, size=shape) / 32.0).astype("float32")


def _ssd_inputs(rng, n=2, classes=3, m=50, lo=0.2, hi=0.8, min_size=0.1, max_size=0.4):
    boxes = np.stack([_corner_boxes(rng, m, lo, hi, min_size, max_size) for _ in range(n)])
    return feed("bboxes", boxes), feed("scores", _scores(rng, (n, classes, m)))


def _nms(type, boxes, scores, attrs, outputs, rois_num=None):
    ins = {"BBoxes": boxes, "Scores": scores}
    if rois_num is not None:
        ins["RoisNum"] = rois_num
    outs = _append(type, ins, dict(SSD_NMS, **attrs), outputs)
    return outs if len(outs) > 1 else outs[0]


OUT = {"Out": "float32"}
OUT_INDEX_NUM = {"Out": "float32", "Index": "int32", "NmsRoisNum": "int32"}


@case("multiclass_nms", note="SSD's detection_output: 2 images, 3 classes, 50 boxes, tied"
      " scores; background 0, score 0.01, top 400, keep 200, IoU 0.45")
def multiclass_nms_ssd(rng):
    boxes, scores = _ssd_inputs(rng)
    return _nms("multiclass_nms", boxes, scores, {}, OUT)


@case("multiclass_nms3", note="Index output; nms_top_k 10 and keep_top_k 8 cut; adaptive"
      " nms_eta 0.9 from IoU 0.7")
def multiclass_nms3_topk_eta(rng):
    boxes, scores = _ssd_inputs(rng)
    return _nms("multiclass_nms3", boxes, scores,
                {"nms_top_k": 10, "keep_top_k": 8, "nms_eta": 0.9, "nms_threshold": 0.7},
                OUT_INDEX_NUM)


@case("multiclass_nms3", note="3-D input with Index and NmsRoisNum; pixel boxes (normalized"
      " false), no background class, keep all (-1)")
def multiclass_nms3_pixels(rng):
    boxes = np.stack([_corner_boxes(rng, 30, 10, 60, 4, 30) for _ in range(2)])
    b, s = feed("bboxes", boxes), feed("scores", _scores(rng, (2, 3, 30)))
    return _nms("multiclass_nms3", b, s, {"normalized": False, "background_label": -1,
                                          "nms_top_k": -1, "keep_top_k": -1}, OUT_INDEX_NUM)


@case("multiclass_nms3", note="2-D input: per-class boxes [12,3,4], scores [12,3], images split"
      " by RoisNum [5,7]; keep_top_k 6 cut; indices listed by row")
def multiclass_nms3_rois_num(rng):
    boxes = _corner_boxes(rng, 36, 0.3, 0.7, 0.1, 0.4).reshape(12, 3, 4)
    b, s = feed("bboxes", boxes), feed("scores", _scores(rng, (12, 3)))
    rois = feed("rois_num", np.int32([5, 7]))
    return _nms("multiclass_nms3", b, s, {"keep_top_k": 6}, OUT_INDEX_NUM, rois)


@case("multiclass_nms", note="nothing above score_threshold: Out is [1,1] holding -1")
def multiclass_nms_empty(rng):
    boxes, scores = _ssd_inputs(rng, m=10)
    return _nms("multiclass_nms", boxes, scores, {"score_threshold": 1.5}, OUT)


@case("multiclass_nms3", note="nothing above score_threshold with Index: Out [0,6], Index [0,1],"
      " NmsRoisNum zeros")
def multiclass_nms3_empty(rng):
    boxes, scores = _ssd_inputs(rng, m=10)
    return _nms("multiclass_nms3", boxes, scores, {"score_threshold": 1.5}, OUT_INDEX_NUM)
