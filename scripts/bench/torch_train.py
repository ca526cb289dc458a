#!/usr/bin/env python3
"""Speed of a full training step (forward, backward, momentum update) in PyTorch on the CPU,
the reference scripts/bench/trainbench (gohub) and paddle_train.py (real Paddle) are compared
with.

Run inside build/torch-venv (scripts/bench/torch_setup.sh creates it):

  build/torch-venv/bin/python scripts/bench/torch_train.py --model resnet50 --batch 8 --threads 1

--model: torchvision's resnet50 or shufflenet_v2_x1_0 (the architectures of gohub's
resnet50_imagenet_partial and shufflenet_v2_imagenet), random weights (no download), the final
fc replaced by one to 2 classes as the others' classifier head; train mode (batch norm on batch
statistics), channels-last model and input (oneDNN's preferred layout on the CPU);
CrossEntropyLoss; torch.optim.SGD(lr=1e-3, momentum=0.9), no weight decay. Each step:
zero_grad, forward, loss, backward, optimizer step, the loss read back as a float.
--threads: torch.set_num_threads and OMP_NUM_THREADS / MKL_NUM_THREADS; one inter-op thread.
--amp bf16: the forward pass and the loss under torch.autocast("cpu", torch.bfloat16), PyTorch's
mixed precision (convolutions and matrix products in bfloat16; the weights and the optimizer
stay float32), the reference for gohub's bfloat16 training (trainbench -bf16).
Input: imgbench's fixed pseudo-random images, labels i mod 2. --warmup untimed steps, then
timed steps until at least --steps steps and --seconds seconds have passed.

Prints one JSON line on stdout: images per second and the process's peak resident memory
(VmHWM of /proc/self/status).
"""

import argparse
import json
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import steptimer  # noqa: E402 (imported after the line above)
HERE = os.path.dirname(os.path.abspath(__file__))
CLASSES = 2
MODELS = ("resnet50", "shufflenet_v2_x1_0")


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True, choices=MODELS)
    ap.add_argument("--batch", type=int, default=8, help="images per step (default 8)")
    ap.add_argument("--threads", type=int, default=1, help="CPU threads (default 1)")
    ap.add_argument("--side", type=int, default=224, help="image height and width (default 224)")
    ap.add_argument("--steps", type=int, default=3, help="timed steps, at least (default 3)")
    ap.add_argument("--seconds", type=float, default=0.0, help="timed duration, at least (default 0)")
    ap.add_argument("--warmup", type=int, default=2, help="untimed steps first (default 2)")
    ap.add_argument("--memory-format", choices=("channels_last", "contiguous"),
                    default="channels_last")
    ap.add_argument("--amp", choices=("off", "bf16"), default="off",
                    help="bf16: autocast the forward pass and the loss to bfloat16 (default off)")
    args = ap.parse_args()
    if min(args.batch, args.threads, args.side, args.steps) < 1 or args.warmup < 0:
        ap.error("--batch, --threads, --side and --steps must be at least 1")
    return args


def main():
    args = parse_args()
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(args.threads)
    import numpy as np
    import torch
    import torchvision
    sys.path.insert(0, HERE)
    from paddle_image import fixed_input  # numpy only; no paddle import

    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)
    torch.manual_seed(0)
    fmt = torch.channels_last if args.memory_format == "channels_last" else torch.contiguous_format

    model = getattr(torchvision.models, args.model)(weights=None)
    model.fc = torch.nn.Linear(model.fc.in_features, CLASSES)
    model = model.to(memory_format=fmt)
    model.train()
    opt = torch.optim.SGD(model.parameters(), lr=1e-3, momentum=0.9)
    loss_fn = torch.nn.CrossEntropyLoss()

    x = torch.from_numpy(fixed_input(np, args.batch * 3 * args.side * args.side).reshape(
        [args.batch, 3, args.side, args.side])).contiguous(memory_format=fmt)
    y = torch.from_numpy((np.arange(args.batch) % CLASSES).astype(np.int64))

    def forward():
        if args.amp == "bf16":
            with torch.autocast("cpu", dtype=torch.bfloat16):
                return loss_fn(model(x), y)
        return loss_fn(model(x), y)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = forward()
        loss.backward()
        opt.step()
        v = float(loss.item())
        if not np.isfinite(v):
            raise SystemExit("torch_train: the loss is %r" % v)
        return v

    timing = steptimer.time_steps(step, args.warmup, args.steps, args.seconds, args.batch)

    print(json.dumps({
        "impl": "torch",
        "torch_version": torch.__version__,
        "torchvision_version": torchvision.__version__,
        "model": args.model,
        "batch": args.batch,
        "threads": args.threads,
        "side": args.side,
        "memory_format": args.memory_format,
        "precision": "bf16" if args.amp == "bf16" else "fp32",
        "mkldnn": bool(torch.backends.mkldnn.is_available()),
        **timing,
        "peak_rss_mib": steptimer.peak_rss_mib(),
        "params": sum(1 for _ in model.parameters()),
    }))


if __name__ == "__main__":
    main()
