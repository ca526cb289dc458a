"""Markdown summary of a GPU check: the checks, then ours against PyTorch eager per row.

usage: summary.py gpu_check.jsonl torch.jsonl
Speed ratio = PyTorch's time per batch / ours (above 1.0: we are faster). Our rows time Run()
with the input already on the GPU, as PyTorch's do; the end-to-end column adds CopyFromCpu and
CopyToCpu. A model named with "_cl" ran channels-last (GOHUB_CUDA_CHANNELS_LAST=1).
"""
import sys

from jsonl import rows


ours, torch = rows(sys.argv[1]), rows(sys.argv[2])
info = [r["gpu_info"] for r in ours if "gpu_info" in r]
tinfo = [r for r in torch if "gpu" in r]
print("# GPU check\n")
if info:
    print(f"gohub: {info[0]}\n")
if tinfo:
    print(f"PyTorch: {tinfo[0]}\n")
checks = [r for r in ours if "check" in r]
errors = [r for r in ours if "error" in r]
print("| check | model | variable | rel. diff | ok |\n| --- | --- | --- | --- | --- |")
for r in checks:
    print(f"| {r['check']} | {r['model']} | {r['var']} | {r['rel_diff']:.2e} | {r['ok']} |")
for r in errors:
    print(f"| error | | {r['error']} | | false |")
print()
tmap = {}
for r in torch:
    if r.get("framework") == "pytorch":
        tmap[(r["model"], r["batch"], r["precision"])] = r
names = {"resnet50": "resnet50", "shufflenet_v2": "shufflenet", "ssd_mobilenet_v1": "ssd_mobilenet_v1"}
print("| model | batch | precision | gohub ms/batch | gohub img/s | gohub end-to-end img/s "
      "| PyTorch ms/batch | PyTorch img/s | PyTorch layout | speed vs PyTorch |")
print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
for r in ours:
    if r.get("framework") != "gohub":
        continue
    model = r["model"].removesuffix("_cl")
    t = tmap.get((names.get(model, model), r["batch"], r["precision"]))
    tms = f"{t['ms_per_batch']:.3f}" if t else "-"
    tips = f"{t['images_per_s']:.0f}" if t else "-"
    lay = t.get("layout", "-") if t else "-"
    ratio = f"{t['ms_per_batch'] / r['ms_per_batch']:.2f}x" if t else "-"
    label = model + (" (CUDA graph)" if r.get("graph") else "")
    label += " (channels-last)" if r["model"].endswith("_cl") else ""
    print(f"| {label} | {r['batch']} | {r['precision']} | {r['ms_per_batch']:.3f} | "
          f"{r['images_per_s']:.0f} | {r['images_per_s_end_to_end']:.0f} | {tms} | {tips} | {lay} | {ratio} |")
