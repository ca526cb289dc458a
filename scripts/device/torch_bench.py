#!/usr/bin/env python3
"""PyTorch eager inference on the GPU: the reference side of gohub's GPU benchmark.

Models: torchvision resnet50 and shufflenet_v2_x1_0 (224x224), and SSD-MobileNetV1 (300x300)
built here to mirror Paddle's ssd_mobilenet_v1_pascal program layer for layer. Weights are
random (no downloads): the networks' speed does not depend on them. SSD rows include its
multiclass NMS (their "note" says so), whose cost does: with random weights every class of
every prior passes the 0.01 score threshold, NMS's largest input (as for the seeded Paddle
model, which has random weights too).

For each model, batch 1 (latency) and 64 (throughput), fp32 and TF32, NCHW and channels_last:
the faster layout is reported. Prints one JSON line describing the GPU, then one per row:
  {"framework": "pytorch", "model", "batch", "precision", "layout", "ms_per_batch", "images_per_s"}
ms_per_batch is the median over the timed iterations, each synchronised (true per-batch
latency, launch overhead included); images_per_s = batch / median.

  python3 torch_bench.py [--models resnet50,shufflenet,ssd_mobilenet_v1] [--iters N] [--quick]
  python3 torch_bench.py --device cpu --quick --batches 1,2   # smoke test without a GPU
"""
import argparse
import json
import math
import statistics
import sys
import time

import torch
import torch.nn as nn
import torchvision

# ---- SSD-MobileNetV1, as ssd_mobilenet_v1_pascal's __model__ has it ----------------------

NUM_CLASSES = 21  # Pascal VOC's 20 and the background, label 0
# multiclass_nms's attributes in the program.
NMS = dict(background_label=0, score_threshold=0.01, nms_top_k=400, nms_threshold=0.45, keep_top_k=200)
# prior_box per feature map: (min_size, max_size or None, aspect ratios); flip on, clip off,
# offset 0.5, steps from the map size, variances (0.1, 0.1, 0.2, 0.2).
PRIORS = [(60.0, None, [2.0]), (105.0, 150.0, [2.0, 3.0]), (150.0, 195.0, [2.0, 3.0]),
          (195.0, 240.0, [2.0, 3.0]), (240.0, 285.0, [2.0, 3.0]), (285.0, 300.0, [2.0, 3.0])]
VARIANCES = (0.1, 0.1, 0.2, 0.2)


def conv_bn_relu(cin, cout, k=1, stride=1, groups=1):
    # Paddle's conv2d (no bias) + batch_norm (epsilon 1e-5) + relu; padding k//2 as in the program.
    return nn.Sequential(nn.Conv2d(cin, cout, k, stride, k // 2, groups=groups, bias=False),
                         nn.BatchNorm2d(cout, eps=1e-5), nn.ReLU(inplace=True))


def dw_separable(cin, cout, stride):
    return nn.Sequential(conv_bn_relu(cin, cin, 3, stride, groups=cin), conv_bn_relu(cin, cout))


def expand_ratios(ratios):
    # Paddle's ExpandAspectRatios with flip: 1, then each ratio and its inverse.
    out = [1.0]
    for r in ratios:
        if all(abs(r - e) > 1e-6 for e in out):
            out += [r, 1.0 / r]
    return out


def prior_boxes(h, w, img, min_size, max_size, ratios):
    """prior_box for one h x w map of an img x img image: [h*w*priors, 4], normalised x1y1x2y2,
    in Paddle's order (per cell: each aspect ratio of min_size, then sqrt(min*max))."""
    sizes = [(min_size * math.sqrt(r), min_size / math.sqrt(r)) for r in expand_ratios(ratios)]
    if max_size is not None:
        s = math.sqrt(min_size * max_size)
        sizes.append((s, s))
    wh = torch.tensor(sizes) / 2  # [P, 2] half widths and heights
    ys, xs = torch.meshgrid(torch.arange(h), torch.arange(w), indexing="ij")
    cx = (xs.reshape(-1, 1) + 0.5) * (img / w)
    cy = (ys.reshape(-1, 1) + 0.5) * (img / h)
    boxes = torch.stack([cx - wh[:, 0], cy - wh[:, 1], cx + wh[:, 0], cy + wh[:, 1]], dim=-1)
    return boxes.reshape(-1, 4) / img


class SSDMobileNetV1(nn.Module):
    """Backbone, SSD extras and the six multibox heads, softmax and box decoding; forward
    returns decoded boxes [N, 1917, 4] and class scores [N, 1917, 21]. The prior boxes depend
    only on the input size, so they are computed once (a buffer) rather than per run."""

    def __init__(self, size=300):
        super().__init__()
        blocks = [(32, 64, 1), (64, 128, 2), (128, 128, 1), (128, 256, 2), (256, 256, 1),
                  (256, 512, 2)] + [(512, 512, 1)] * 5
        # To the 19x19 map (first head) and on to the 10x10 one (second head).
        self.stage1 = nn.Sequential(conv_bn_relu(3, 32, 3, 2), *[dw_separable(*b) for b in blocks])
        self.stage2 = nn.Sequential(dw_separable(512, 1024, 2), dw_separable(1024, 1024, 1))
        # Extras: 1x1 reduce, then 3x3 stride 2, each followed by a head.
        self.extras = nn.ModuleList(
            nn.Sequential(conv_bn_relu(cin, mid), conv_bn_relu(mid, cout, 3, 2))
            for cin, mid, cout in [(1024, 256, 512), (512, 128, 256), (256, 128, 256), (256, 64, 128)])
        channels = [512, 1024, 512, 256, 256, 128]
        anchors = [len(expand_ratios(r)) + (m is not None) for _, m, r in PRIORS]  # 3, 6, 6, ...
        self.loc = nn.ModuleList(nn.Conv2d(c, a * 4, 1) for c, a in zip(channels, anchors))
        self.conf = nn.ModuleList(nn.Conv2d(c, a * NUM_CLASSES, 1) for c, a in zip(channels, anchors))
        with torch.no_grad():  # in eval mode: batch norm on 1x1 maps of one image
            maps = self.eval().features(torch.zeros(1, 3, size, size))
        priors = [prior_boxes(f.shape[2], f.shape[3], size, *p) for f, p in zip(maps, PRIORS)]
        self.register_buffer("priors", torch.cat(priors))  # [1917, 4]
        self.register_buffer("variances", torch.tensor(VARIANCES))

    def features(self, x):
        maps = [self.stage1(x)]
        maps.append(self.stage2(maps[-1]))
        for extra in self.extras:
            maps.append(extra(maps[-1]))
        return maps

    def forward(self, x):
        maps = self.features(x)
        n = x.shape[0]
        # Each head: NCHW -> NHWC -> [N, H*W*anchors, 4 or 21], as the program's transpose+reshape.
        loc = torch.cat([h(f).permute(0, 2, 3, 1).reshape(n, -1, 4) for h, f in zip(self.loc, maps)], 1)
        conf = torch.cat([h(f).permute(0, 2, 3, 1).reshape(n, -1, NUM_CLASSES) for h, f in zip(self.conf, maps)], 1)
        return self.decode(loc), conf.softmax(-1)

    def decode(self, loc):
        # box_coder decode_center_size, box_normalized (no +1), variances from prior_box.
        p, v = self.priors, self.variances
        pwh = p[:, 2:] - p[:, :2]
        pc = p[:, :2] + pwh / 2
        c = v[:2] * loc[..., :2] * pwh + pc
        wh = torch.exp(v[2:] * loc[..., 2:]) * pwh
        return torch.cat([c - wh / 2, c + wh / 2], -1)


def multiclass_nms(boxes, scores):
    """Paddle's multiclass_nms with the program's attributes, on the device: per image and
    class (background skipped) the nms_top_k best scores above score_threshold, NMS at
    nms_threshold, then the keep_top_k best of the image. Returns one [K, 6] tensor per
    image (label, score, x1, y1, x2, y2), as the program's LoD output."""
    k = min(NMS["nms_top_k"], scores.shape[1])
    fg = scores[..., NMS["background_label"] + 1:].transpose(1, 2)  # [N, 20, priors]
    top, idx = fg.topk(k, dim=-1)  # [N, 20, k]
    labels = torch.arange(1, scores.shape[2], device=scores.device).view(-1, 1).expand_as(idx)
    out = []
    # Per image: 20 x 400 boxes stay under batched_nms's threshold for its one-kernel path.
    # The score threshold is applied after NMS, which gives the same boxes (one below it can
    # only suppress lower scores) and saves a host sync per image.
    for i in range(boxes.shape[0]):
        b, s, l = boxes[i][idx[i].reshape(-1)], top[i].reshape(-1), labels[i].reshape(-1)
        kept = torchvision.ops.batched_nms(b, s, l, NMS["nms_threshold"])
        kept = kept[s[kept] > NMS["score_threshold"]][:NMS["keep_top_k"]]
        out.append(torch.cat([l[kept, None].to(s.dtype), s[kept, None], b[kept]], 1))
    return out


class SSDWithNMS(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = SSDMobileNetV1()

    def forward(self, x):
        return multiclass_nms(*self.net(x))


# ---- benchmark -----------------------------------------------------------------------------

MODELS = {  # name: (constructor, input size)
    "resnet50": (lambda: torchvision.models.resnet50(weights=None), 224),
    "shufflenet": (lambda: torchvision.models.shufflenet_v2_x1_0(weights=None), 224),
    "ssd_mobilenet_v1": (SSDWithNMS, 300),
}
NOTES = {"ssd_mobilenet_v1": "timed: network, softmax, box decode and multiclass NMS "
                             "(torchvision.ops.batched_nms on the device, per image)"}


def set_precision(precision):
    tf32 = precision == "tf32"
    torch.backends.cuda.matmul.allow_tf32 = tf32
    torch.backends.cudnn.allow_tf32 = tf32


def time_model(model, x, iters, warmup, sync):
    """Median seconds per batch over iters synchronised runs, after warmup runs (which also
    let cudnn.benchmark pick its algorithms)."""
    times = []
    with torch.inference_mode():
        for i in range(warmup + iters):
            sync()
            t0 = time.perf_counter()
            model(x)
            sync()
            if i >= warmup:
                times.append(time.perf_counter() - t0)
    return statistics.median(times)


LAYOUTS = (("NCHW", torch.contiguous_format), ("channels_last", torch.channels_last))


def bench(name, model, batch, precision, args, device, sync):
    """The row for one model, batch and precision: the faster of the two layouts."""
    size = MODELS[name][1]
    set_precision(precision)
    best = None
    for layout, fmt in LAYOUTS:
        model.to(memory_format=fmt)  # in place: 4-d weights only
        x = torch.randn(batch, 3, size, size, device=device).contiguous(memory_format=fmt)
        sec = time_model(model, x, args.iters, args.warmup, sync)
        if best is None or sec < best[1]:
            best = (layout, sec)
    layout, sec = best
    row = {"framework": "pytorch", "model": name, "batch": batch, "precision": precision,
           "layout": layout, "ms_per_batch": round(sec * 1e3, 3), "images_per_s": round(batch / sec, 1)}
    if name in NOTES:
        row["note"] = NOTES[name]
    return row


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--models", default=",".join(MODELS), help="comma-separated: " + ", ".join(MODELS))
    p.add_argument("--batches", default="1,64", help="comma-separated batch sizes (default 1,64)")
    p.add_argument("--iters", type=int, default=50, help="timed iterations per layout (default 50)")
    p.add_argument("--warmup", type=int, default=5, help="untimed iterations first (default 5)")
    p.add_argument("--quick", action="store_true", help="3 timed iterations after 1 warm-up: a smoke test")
    p.add_argument("--device", default="cuda", help="cuda (default) or cpu, for a smoke test")
    args = p.parse_args(argv)
    if args.quick:
        args.iters, args.warmup = 3, 1
    args.models = [m for m in args.models.split(",") if m]
    unknown = [m for m in args.models if m not in MODELS]
    if unknown:
        p.error(f"unknown models {unknown}; want some of {list(MODELS)}")
    args.batches = [int(b) for b in args.batches.split(",")]
    if args.iters < 1 or args.warmup < 0 or min(args.batches) < 1:
        p.error("--iters and the batches must be at least 1, --warmup at least 0")
    return args


def main(argv):
    args = parse_args(argv)
    device = torch.device(args.device)
    if device.type == "cuda":
        if not torch.cuda.is_available():
            sys.exit("torch_bench: no CUDA device (use --device cpu for a smoke test)")
        gpu = torch.cuda.get_device_name(device)
        sync = torch.cuda.synchronize
    else:
        gpu, sync = "none (cpu)", lambda: None
    torch.backends.cudnn.benchmark = True
    print(json.dumps({"gpu": gpu, "torch": torch.__version__, "torchvision": torchvision.__version__,
                      "cudnn": torch.backends.cudnn.version()}), flush=True)
    start = time.perf_counter()
    for name in args.models:
        torch.manual_seed(0)
        model = MODELS[name][0]().eval().to(device)
        for batch in args.batches:
            for precision in ("fp32", "tf32"):
                print(json.dumps(bench(name, model, batch, precision, args, device, sync)), flush=True)
        del model
    print(f"torch_bench: {time.perf_counter() - start:.1f} s", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1:])
