#!/usr/bin/env python3
"""PyTorch eager training on the GPU: the reference side of gohub's GPU training benchmark.

torchvision resnet50 with the classifier head gohub's program has (2 classes, as the cat/dog
fine-tune), a training step as gohub's program runs it: forward, softmax cross-entropy, backward,
SGD with momentum 0.9 (weight decay 1e-4), at batch 64 and 128, 224x224, random data (no
downloads: speed does not depend on the values). Precisions: fp32 (TF32 off), tf32 (TF32 on,
channels_last) and amp_bf16 (torch.autocast bfloat16, channels_last). cudnn.benchmark on.

Prints one JSON line describing the GPU, then one per row:
  {"framework": "pytorch", "model", "train": true, "batch", "precision", "layout",
   "ms_per_step", "images_per_s", "gpu_mib_peak"}
ms_per_step is the median over the timed steps, each synchronised.

  python3 torch_train_bench.py [--batches 64,128] [--steps N]
  python3 torch_train_bench.py --device cpu --batches 2 --steps 2   # smoke test without a GPU
"""
import argparse
import json
import statistics
import time

import torch
import torch.nn as nn
import torchvision


def bench(device, batch, precision, steps, classes):
    channels_last = precision != "fp32" and device == "cuda"
    if device == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = precision != "fp32"
        torch.backends.cudnn.allow_tf32 = precision != "fp32"
        torch.cuda.reset_peak_memory_stats()
    model = torchvision.models.resnet50(num_classes=classes).to(device)
    fmt = torch.channels_last if channels_last else torch.contiguous_format
    model = model.to(memory_format=fmt).train()
    opt = torch.optim.SGD(model.parameters(), lr=1e-3, momentum=0.9, weight_decay=1e-4)
    loss_fn = nn.CrossEntropyLoss()
    x = torch.randn(batch, 3, 224, 224, device=device).to(memory_format=fmt)
    y = torch.randint(0, classes, (batch,), device=device)
    amp = precision == "amp_bf16"

    def step():
        opt.zero_grad(set_to_none=True)
        with torch.autocast(device_type=device, dtype=torch.bfloat16, enabled=amp):
            loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()

    def sync():
        if device == "cuda":
            torch.cuda.synchronize()

    for _ in range(3):
        step()
    sync()
    times = []
    for _ in range(steps):
        t0 = time.perf_counter()
        step()
        sync()
        times.append((time.perf_counter() - t0) * 1e3)
    ms = statistics.median(times)
    peak = torch.cuda.max_memory_allocated() / 2**20 if device == "cuda" else 0
    return {"framework": "pytorch", "model": "resnet50", "train": True, "batch": batch,
            "precision": precision, "layout": "channels_last" if channels_last else "NCHW",
            "ms_per_step": round(ms, 3), "images_per_s": round(batch * 1e3 / ms, 1),
            "gpu_mib_peak": round(peak)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--batches", default="64,128")
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--classes", type=int, default=2)
    args = ap.parse_args()
    torch.backends.cudnn.benchmark = True
    info = {"torch": torch.__version__, "torchvision": torchvision.__version__}
    if args.device == "cuda":
        info["gpu"] = torch.cuda.get_device_name(0)
        info["cudnn"] = torch.backends.cudnn.version()
    print(json.dumps({"pytorch_info": info}), flush=True)
    for precision in ("fp32", "tf32", "amp_bf16"):
        for batch in (int(b) for b in args.batches.split(",")):
            print(json.dumps(bench(args.device, batch, precision, args.steps, args.classes)),
                  flush=True)


if __name__ == "__main__":
    main()
