"""Markdown summary of the GPU check's training half: the gradient golden cases, the training
programs against the CPU, then our training step against PyTorch eager per row.

usage: train_summary.py grad_cases.txt train_check.jsonl train_bench.jsonl torch_train.jsonl \
           [finetune_rate.jsonl]
Speed ratio = PyTorch's time per step / ours (above 1.0: we are faster); gohub's amp_bf16 rows
(gpu_train_check --amp) pair with PyTorch's autocast ones. A model named with "_cl" ran
channels-last (GOHUB_CUDA_CHANNELS_LAST=1); a row marked "recorded" launched each step's
recording (gpu_train_check --record: a CUDA graph per step).
"""
import re
import sys

from jsonl import rows


def grad_cases(path):
    try:
        text = open(path).read()
    except OSError:
        return "grad cases: no output\n"
    m = re.search(r"\[==========\] (\d+) tests? from .* ran", text)
    passed = re.search(r"\[  PASSED  \] (\d+)", text)
    failed = re.findall(r"\[  FAILED  \] (\S+)", text)
    lines = [f"gradient golden cases on the GPU: {m.group(1) if m else '?'} run, "
             f"{passed.group(1) if passed else 0} passed, {len(set(failed))} failed"]
    lines += [f"- failed: {f}" for f in sorted(set(failed))]
    return "\n".join(lines) + "\n"


grads, checks, ours, torch = sys.argv[1], rows(sys.argv[2]), rows(sys.argv[3]), rows(sys.argv[4])
print("# GPU training check\n")
print(grad_cases(grads))
print("| check | model | step | op | variable / count | rel. L2 | ok |\n"
      "| --- | --- | --- | --- | --- | --- | --- |")
for r in checks:
    c = r.get("check")
    if c == "train_ops":
        layout = r.get("inputs_in_kernel_layout", 0)
        layout = f", {layout} inputs handed over channels-last" if layout else ""
        print(f"| each op alone | {r['model']} | {r['step']} | all | {r['vars']} outputs, "
              f"{r['bad']} over {r['tolerance']}{layout} | | {r['ok']} |")
    elif c == "train_op_var":
        print(f"| each op alone | {r['model']} | {r['step']} | {r['op']} | {r['var']} "
              f"(max abs. err. {r['max_abs_err']:.3g}, max {r['max_abs']:.3g}) | {r['rel_l2']:.3g} | False |")
    elif c == "train_op_type" and not r["ok"]:
        print(f"| op type | {r['model']} | | {r['op']} | worst | {r['rel_l2']:.3g} | False |")
    elif c == "train_free_run":
        recorded = (f"; recorded: {r['recordings']} recording, losses within "
                    f"{r['recorded_loss_rel_max']:.3g} of the plain GPU run's"
                    if "recordings" in r else "")
        print(f"| free run (reported) | {r['model']} | {r['steps']} | | losses (GPU, CPU) "
              f"{r['losses_gpu_cpu']}; persistables, worst {r['worst']}{recorded} "
              f"| {r['persistables_rel_l2']:.3g} | {r['ok']} |")
    elif "error" in r:
        print(f"| error | | | | {r['error']} | | False |")
    elif r.get("ops_on_cpu"):
        print(f"| ops on the CPU | {r['model']} | | {r['ops_on_cpu']} | | | |")
print()
tmap = {(r["batch"], r["precision"]): r for r in torch if r.get("framework") == "pytorch"}
info = [r["pytorch_info"] for r in torch if "pytorch_info" in r]
if info:
    print(f"PyTorch: {info[0]}\n")
print("| model | batch | precision | gohub ms/step (host's part) | gohub img/s "
      "| gohub GPU MiB (peak / between steps / pool) "
      "| PyTorch ms/step | PyTorch img/s | PyTorch peak MiB | PyTorch layout | speed vs PyTorch |")
print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
for r in ours:
    if r.get("framework") != "gohub":
        continue
    t = tmap.get((r["batch"], r["precision"]))
    ratio = f"{t['ms_per_step'] / r['ms_per_step']:.2f}x" if t else ""
    broken = " (loss not finite)" if r.get("ok") is False else ""
    broken += ", recorded" if r.get("recorded") else ""
    host = f" ({r['host_ms_per_step']:.2f})" if "host_ms_per_step" in r else ""
    print(f"| {r['model']}{broken} | {r['batch']} | {r['precision']} | {r['ms_per_step']:.2f}{host} | "
          f"{r['images_per_s']:.0f} | {r.get('gpu_mib_peak', float('nan')):.0f} / "
          f"{r['gpu_mib_in_use']:.0f} / {r['gpu_mib_cached']:.0f} | "
          f"{t['ms_per_step'] if t else ''} | {t['images_per_s'] if t else ''} | "
          f"{t['gpu_mib_peak'] if t else ''} | {t['layout'] if t else ''} | {ratio} |")
measured = {(r["batch"], r["precision"]) for r in ours if r.get("framework") == "gohub"}
for (batch, precision), t in sorted(tmap.items()):
    if (batch, precision) not in measured:
        print(f"| resnet50 | {batch} | {precision} | (no gohub row) | | | {t['ms_per_step']} "
              f"| {t['images_per_s']} | {t['gpu_mib_peak']} | {t['layout']} | |")
if len(sys.argv) > 5:
    # Each run prints its raw step's row, then its loop's; the second run records CUDA graphs.
    raws = {bool(r.get("cuda_graph")): r for r in rows(sys.argv[5]) if r.get("impl") == "gohub"}
    loops = {bool(r.get("cuda_graph")): r for r in rows(sys.argv[5])
             if r.get("impl") == "gohub-finetune-loop"}
    print("\n## The cat/dog fine-tune's images per second (trainbench -gpu -loop)\n")
    pairs = [(g, raws[g], loops[g]) for g in (False, True) if g in raws and g in loops]
    if pairs:
        print("| model | precision | batch | CUDA graphs | raw step img/s | fine-tune loop img/s "
              "| loop / raw | loop's wait for data |\n"
              "| --- | --- | --- | --- | --- | --- | --- | --- |")
    for graph, raw, loop in pairs:
        recorded = (f"yes ({raw.get('cuda_graphs', 0)} raw, {loop.get('cuda_graphs', 0)} loop)"
                    if graph else "no")
        print(f"| {loop['model']} | {loop['precision']} | {loop['batch']} | {recorded} | "
              f"{raw['images_per_sec']:.1f} | {loop['images_per_sec']:.1f} | {loop['ratio']:.3f} | "
              f"{100 * loop['data_wait_share']:.1f} % |")
    if not pairs:
        print("no result (finetune_rate.jsonl)")
