#!/usr/bin/env python3
"""SSD MobileNetV1 Pascal VOC with PaddleHub's head and seeded weights, written by real Paddle.

$GOHUB_SHARED/models/ssd_mobilenet_v1_pascal_topology holds the real graph only as a Paddle-Lite
.nb file (no weights), and the pretrained weights are not available offline. This script builds
the same network in real Paddle (legacy ProgramDesc IR, FLAGS_enable_pir_api=0), gives every
parameter seeded random values and has Paddle save it as a Fluid inference model directory -
__model__ plus one file per parameter, the layout of PaddleHub's ssd_mobilenet_v1_model/:

  $GOHUB_BUILD_MODELS/ssd_mobilenet_v1_pascal_seeded/   (default build/models; ~23 MB)

The network (reference/paddlehub.md §3.2):
- MobileNetV1 at 300x300 (PaddleDetection's MobileNet: conv_group_scale 1, with_extra_blocks,
  extra_block_filters [[256,512],[128,256],[128,256],[64,128]]): 3x3/2 conv, 13 depthwise
  separable blocks, 4 extra blocks (1x1 conv, 3x3/2 conv), every conv followed by batch_norm
  and relu; the head reads the 19x19, 10x10, 5x5, 3x3, 2x2 and 1x1 maps.
- fluid.layers.multi_box_head with PaddleHub's config.yml: min_sizes [60,105,150,195,240,285],
  max_sizes [[],150,195,240,285,300], aspect_ratios [[2],[2,3]x5], base_size 300, flip, offset
  0.5 (min/max ratio 20/90 unused since the sizes are given), 21 classes, its defaults
  kernel_size 1, pad 0, clip false, variances [0.1,0.1,0.2,0.2]: per map a prior_box, a 1x1
  conv (with bias) for the locations and one for the class scores, each transposed to NHWC and
  reshaped; 1917 priors in all.
- fluid.layers.detection_output with PaddleHub's SSDOutputDecoder (background 0, nms_threshold
  0.45, nms_top_k 400, keep_top_k 200, score_threshold 0.01, nms_eta 1): box_coder
  (decode_center_size, PriorBoxVar), softmax over the classes, transpose, multiclass_nms.

Paddle 3.3.1 has no fluid.layers.multi_box_head or detection_output any more, so the head is
appended op by op with the ops and attributes those functions wrote. Where old and new op types
differ the real graph's are used: its .nb file has `transpose` and `reshape` (v1, no XShape),
the scores reshaped to [-1, 21] around the softmax, as Paddle 1.x's detection_output did, and
the v1 `multiclass_nms` (Paddle 3.3.1 still registers all three). Variable names follow
Paddle's defaults as in the real graph (conv2d_N.w_0, depthwise_conv2d_N.w_0, batch_norm_N.*).

Weights come from numpy's RandomState seeded by crc32 of each variable's name (numpy keeps those
streams stable), so every machine writes the same files and the committed golden case stays
valid. Scales: He-normal convolutions, batch-norm scales below one and positive variances keep
the backbone's activations O(1); the location convs are small (deltas O(0.3), so boxes stay
near their priors); the score convs give logits with a spread of a few units and a background
bias, so that on a real photo a handful of boxes score above PaddleHub's 0.5 threshold and a
few hundred above NMS's 0.01.

  ssd_seeded.py               write the model, then its golden case (model_golden.py)
  ssd_seeded.py --model-only  write the model only (models_run.sh)
"""

import argparse
import hashlib
import os
import shutil
import sys
import tempfile
import zlib

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import model_golden  # noqa: E402  (imports paddle on the legacy IR)
import op_golden  # noqa: E402

paddle = model_golden.paddle
np = model_golden.np

NAME = "ssd_mobilenet_v1_pascal_seeded"
NUM_CLASSES = 21
IMAGE = 300

# PaddleHub's config.yml (ssd_mobilenet_v1_pascal 1.1.x).
EXTRA_BLOCK_FILTERS = [[256, 512], [128, 256], [128, 256], [64, 128]]
MIN_SIZES = [60.0, 105.0, 150.0, 195.0, 240.0, 285.0]
MAX_SIZES = [[], 150.0, 195.0, 240.0, 285.0, 300.0]
ASPECT_RATIOS = [[2.0], [2.0, 3.0], [2.0, 3.0], [2.0, 3.0], [2.0, 3.0], [2.0, 3.0]]
VARIANCES = [0.1, 0.1, 0.2, 0.2]
NMS = {"background_label": 0, "nms_threshold": 0.45, "nms_top_k": 400, "keep_top_k": 200,
       "score_threshold": 0.01, "nms_eta": 1.0, "normalized": True}

# The score convs' outputs: logits spread and the background's head start.
CONF_STD = 1.5
BACKGROUND_BIAS = 3.5
LOC_STD = 0.3


def block():
    return paddle.static.default_main_program().current_block()


def tmp(prefix, dtype="float32", lod_level=0):
    return block().create_var(name=paddle.utils.unique_name.generate(prefix + ".tmp"),
                              dtype=dtype, lod_level=lod_level)


def append(type, inputs, outputs, attrs):
    block().append_op(type=type, inputs=inputs, outputs=outputs, attrs=attrs)


def conv_bn(x, filter_size, num_filters, stride, padding, groups=1):
    """conv (depthwise_conv2d where groups == channels, as fluid picked it) + batch_norm + relu."""
    conv = paddle.static.nn.conv2d(x, num_filters=num_filters, filter_size=filter_size,
                                   stride=stride, padding=padding, groups=groups,
                                   use_cudnn=groups == 1, bias_attr=False)
    return paddle.static.nn.batch_norm(conv, act="relu", is_test=True)


def depthwise_separable(x, filters1, filters2, groups, stride):
    dw = conv_bn(x, 3, filters1, stride, 1, groups=groups)
    return conv_bn(dw, 1, filters2, 1, 0)


def extra_block(x, filters1, filters2):
    pw = conv_bn(x, 1, filters1, 1, 0)
    return conv_bn(pw, 3, filters2, 2, 1)


def mobilenet(image):
    """PaddleDetection's MobileNet(with_extra_blocks=True): the six maps the head reads."""
    out = conv_bn(image, 3, 32, 2, 1)
    for f1, f2, groups, stride in [(32, 64, 32, 1), (64, 128, 64, 2), (128, 128, 128, 1),
                                   (128, 256, 128, 2), (256, 256, 256, 1), (256, 512, 256, 2)]:
        out = depthwise_separable(out, f1, f2, groups, stride)
    for _ in range(5):
        out = depthwise_separable(out, 512, 512, 512, 1)
    module11 = out
    out = depthwise_separable(out, 512, 1024, 512, 2)
    module13 = depthwise_separable(out, 1024, 1024, 1024, 1)
    maps = [module11, module13]
    for f1, f2 in EXTRA_BLOCK_FILTERS:
        maps.append(extra_block(maps[-1], f1, f2))
    return maps


def transpose(x, perm):
    out = tmp("transpose")
    append("transpose", {"X": [x]}, {"Out": [out]}, {"axis": perm})
    return out


def reshape(x, shape):
    out = tmp("reshape")
    append("reshape", {"X": [x]}, {"Out": [out]}, {"shape": shape})
    return out


def concat(xs, axis):
    out = tmp("concat")
    append("concat", {"X": xs}, {"Out": [out]}, {"axis": axis})
    return out


def prior_box(x, image, min_size, max_size, ratios):
    boxes, var = tmp("prior_box"), tmp("prior_box")
    attrs = {"min_sizes": [min_size], "aspect_ratios": ratios, "variances": VARIANCES,
             "flip": True, "clip": False, "step_w": 0.0, "step_h": 0.0, "offset": 0.5,
             "min_max_aspect_ratios_order": False}
    if max_size:  # fluid's prior_box leaves the attribute out for an empty max size
        attrs["max_sizes"] = [max_size]
    append("prior_box", {"Input": [x], "Image": [image]}, {"Boxes": [boxes], "Variances": [var]},
           attrs)
    boxes.stop_gradient = var.stop_gradient = True
    return boxes, var


def num_priors(min_size, max_size, ratios):
    expanded = [1.0]
    for r in ratios:
        for v in (r, 1.0 / r):
            if all(abs(v - e) >= 1e-6 for e in expanded):
                expanded.append(v)
    return len(expanded) + (1 if max_size else 0)


def multi_box_head(maps, image):
    locs, confs, boxes, variances = [], [], [], []
    for x, mn, mx, ratios in zip(maps, MIN_SIZES, MAX_SIZES, ASPECT_RATIOS):
        b, v = prior_box(x, image, mn, mx, ratios)
        boxes.append(reshape(b, [-1, 4]))
        variances.append(reshape(v, [-1, 4]))
        n = num_priors(mn, mx, ratios)
        loc = paddle.static.nn.conv2d(x, num_filters=n * 4, filter_size=1)
        locs.append(reshape(transpose(loc, [0, 2, 3, 1]), [0, -1, 4]))
        conf = paddle.static.nn.conv2d(x, num_filters=n * NUM_CLASSES, filter_size=1)
        confs.append(reshape(transpose(conf, [0, 2, 3, 1]), [0, -1, NUM_CLASSES]))
    return concat(locs, 1), concat(confs, 1), concat(boxes, 0), concat(variances, 0)


def detection_output(loc, conf, prior, prior_var, total_priors):
    decoded = tmp("box_coder")
    append("box_coder", {"PriorBox": [prior], "PriorBoxVar": [prior_var], "TargetBox": [loc]},
           {"OutputBox": [decoded]},
           {"code_type": "decode_center_size", "box_normalized": True, "axis": 0})
    scores = reshape(conf, [-1, NUM_CLASSES])
    probs = tmp("softmax")
    append("softmax", {"X": [scores]}, {"Out": [probs]}, {"axis": -1})
    scores = transpose(reshape(probs, [-1, total_priors, NUM_CLASSES]), [0, 2, 1])
    out = tmp("multiclass_nms", lod_level=1)
    append("multiclass_nms", {"BBoxes": [decoded], "Scores": [scores]}, {"Out": [out]}, NMS)
    return out, decoded, scores


def build():
    main, startup = paddle.static.Program(), paddle.static.Program()
    with paddle.static.program_guard(main, startup), paddle.utils.unique_name.guard():
        image = paddle.static.data("image", [-1, 3, IMAGE, IMAGE], "float32")
        maps = mobilenet(image)
        loc, conf, prior, prior_var = multi_box_head(maps, image)
        total = sum(m.shape[2] * m.shape[3] * num_priors(mn, mx, r)
                    for m, mn, mx, r in zip(maps, MIN_SIZES, MAX_SIZES, ASPECT_RATIOS))
        out, decoded, scores = detection_output(loc, conf, prior, prior_var, total)
    return main, image, out, decoded, scores


def conv_roles(prog):
    """Maps each conv weight and bias of the head to 'loc' or 'conf' (by output channels)."""
    roles = {}
    for op in prog.global_block().ops:
        if op.type != "conv2d":
            continue
        w = op.input("Filter")[0]
        shape = prog.global_block().var(w).shape
        if shape[2] == 1 and shape[0] % NUM_CLASSES == 0 and shape[0] // NUM_CLASSES in (3, 6):
            roles[w] = "conf"
        elif shape[2] == 1 and shape[0] in (12, 24) and shape[1] >= 128:
            roles[w] = "loc"
    # The bias of each head conv is the Y of the elementwise_add that follows it.
    out_of = {op.output("Output")[0]: op.input("Filter")[0]
              for op in prog.global_block().ops if op.type == "conv2d"}
    for op in prog.global_block().ops:
        if op.type == "elementwise_add" and op.input("X")[0] in out_of:
            w = out_of[op.input("X")[0]]
            if w in roles:
                roles[op.input("Y")[0]] = roles[w] + "_bias"
    return roles


def seeded_value(name, shape, role):
    rng = np.random.RandomState(zlib.crc32(name.encode("utf-8")))
    shape = tuple(shape)
    if role == "conf":
        fan_in = int(np.prod(shape[1:]))
        return rng.standard_normal(shape) * (CONF_STD / np.sqrt(fan_in))
    if role == "loc":
        fan_in = int(np.prod(shape[1:]))
        return rng.standard_normal(shape) * (LOC_STD / np.sqrt(fan_in))
    if role == "conf_bias":
        b = rng.uniform(-0.1, 0.1, shape)
        b[0::NUM_CLASSES] += BACKGROUND_BIAS  # channel k*21 + 0: prior k's background
        return b
    if role == "loc_bias":
        return rng.uniform(-0.05, 0.05, shape)
    if name.startswith(("conv2d_", "depthwise_conv2d_")) and name.endswith(".w_0"):
        fan_in = int(np.prod(shape[1:]))
        return rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)
    if name.startswith("batch_norm_"):
        suffix = name.rsplit(".", 1)[1]
        if suffix == "w_0":  # scale
            return rng.uniform(0.8, 1.2, shape)
        if suffix == "b_0":  # bias
            return rng.uniform(-0.1, 0.1, shape)
        if suffix == "w_1":  # moving mean
            return rng.uniform(-0.1, 0.1, shape)
        if suffix == "w_2":  # moving variance
            return rng.uniform(0.8, 1.2, shape)
    raise SystemExit("ssd_seeded: no rule for weight %s %r" % (name, shape))


def write_model(out_dir):
    paddle.enable_static()
    prog, image, out, _, _ = build()
    roles = conv_roles(prog)
    if sum(r == "conf" for r in roles.values()) != 6 or sum(r == "loc" for r in roles.values()) != 6:
        raise SystemExit("ssd_seeded: expected 6 location and 6 score convs, found %r" % roles)
    exe = paddle.static.Executor(paddle.CPUPlace())
    scope = paddle.static.Scope()
    tmpdir = tempfile.mkdtemp(prefix=".tmp_" + NAME + "_", dir=os.path.dirname(out_dir))
    try:
        with paddle.static.scope_guard(scope):
            params = sorted(v.name for v in prog.global_block().all_parameters())
            for name in params:
                value = seeded_value(name, prog.global_block().var(name).shape, roles.get(name))
                scope.var(name).get_tensor().set(value.astype(np.float32), paddle.CPUPlace())
            # save_inference_model prunes the program to what the fetch needs and appends
            # the feed/fetch ops; its program is then written as __model__ and its parameters
            # one file each, as PaddleHub's Fluid-era modules ship them.
            prefix = os.path.join(tmpdir, "model")
            paddle.static.save_inference_model(prefix, [image], [out], exe, program=prog)
            op_golden.strip_callstacks(prefix + ".pdmodel")
            infer, _, _ = paddle.static.load_inference_model(prefix, exe)
            os.rename(prefix + ".pdmodel", os.path.join(tmpdir, "__model__"))
            os.remove(prefix + ".pdiparams")
            persist = [v for v in infer.list_vars()
                       if v.persistable and v.name not in ("feed", "fetch")]
            paddle.static.save_vars(exe, tmpdir, main_program=infer, vars=persist)
        shutil.rmtree(out_dir, ignore_errors=True)
        os.rename(tmpdir, out_dir)
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)
    digest = hashlib.sha256()
    for f in sorted(os.listdir(out_dir)):
        with open(os.path.join(out_dir, f), "rb") as fh:
            digest.update(f.encode() + b"\0" + fh.read())
    print("ssd_seeded: %d parameters -> %s (sha256 of the files %s)"
          % (len(params), out_dir, digest.hexdigest()), file=sys.stderr)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model-only", action="store_true",
                    help="write the model but not its golden case (models_run.sh writes all cases)")
    args = ap.parse_args()
    out_dir = os.path.join(model_golden.build_models_dir(), NAME)
    os.makedirs(os.path.dirname(out_dir), exist_ok=True)
    write_model(out_dir)
    if not args.model_only:
        model_golden.main(["--only", NAME])


if __name__ == "__main__":
    main()
