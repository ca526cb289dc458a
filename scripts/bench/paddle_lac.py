#!/usr/bin/env python3
"""Throughput of Paddle Inference (PyPI paddlepaddle, CPU) on the LAC seg model.

Run inside the oracle venv (scripts/oracle/setup.sh creates it):

  build/oracle-venv/bin/python scripts/bench/paddle_lac.py \
      --batch 32 --threads 1 --seconds 10

Method (the Go benchmark must do the same to be comparable):
- Sentences are read from --sentences (default testdata/lac/bench_sentences.txt)
  and turned into ids BEFORE timing (q2b.dic + word.dic, scripts/oracle/lac_common.py);
  preprocessing and postprocessing (ids -> words) are not measured.
- Batch i holds the next --batch sentences, cycling through the file; it is fed
  as ONE LoD tensor: ids int64 [T, 1], lod [[0, len1, len1+len2, ...]].
- One predictor (paddle.inference.create_predictor), CPU, --threads math
  threads (Config.set_cpu_math_library_num_threads), IR optimisation on
  (Paddle's default), oneDNN as --onednn says: "default" leaves Paddle's CPU
  default (on in Paddle 3.x), "on"/"off" force it.
- Timed per batch: reshape + copy_from_cpu + set_lod + run + copy_to_cpu of
  the tag output. --warmup batches run first and are not timed.
- The run stops after --iterations batches, or else once --seconds have passed.

Prints one JSON line on stdout.
"""

import argparse
import json
import os
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "oracle"))
import lac_common  # noqa: E402


def main():
    default_sentences = os.path.join(lac_common.REPO_ROOT, "testdata", "lac", "bench_sentences.txt")
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sentences", default=default_sentences, help="one sentence per line")
    ap.add_argument("--batch", type=int, default=32, help="sentences per run (default 32)")
    ap.add_argument("--threads", type=int, default=1, help="CPU math threads (default 1)")
    ap.add_argument("--seconds", type=float, default=10.0, help="timed duration (default 10)")
    ap.add_argument("--iterations", type=int, default=0,
                    help="timed batches; overrides --seconds when > 0")
    ap.add_argument("--warmup", type=int, default=20, help="untimed batches first (default 20)")
    ap.add_argument("--onednn", choices=("default", "on", "off"), default="default",
                    help="oneDNN (MKLDNN): Paddle's CPU default, or forced on/off")
    args = ap.parse_args()
    if args.batch < 1 or args.threads < 1:
        ap.error("--batch and --threads must be >= 1")

    paddle = lac_common.quiet_paddle_import()
    import numpy as np
    from paddle import inference

    model_dir = lac_common.lac_seg_dir()
    vocab = lac_common.Vocab(model_dir)
    texts = lac_common.read_lines(args.sentences)
    if not texts:
        raise SystemExit("paddle_lac: no sentences in %s" % args.sentences)
    ids = [np.asarray(vocab.ids(t), dtype=np.int64) for t in texts]

    # Pre-build one full cycle of batches (ids + lod): not timed.
    batches = []
    start = 0
    n_batches = max(1, (len(ids) + args.batch - 1) // args.batch)
    for _ in range(n_batches):
        chunk = [ids[(start + k) % len(ids)] for k in range(args.batch)]
        start = (start + args.batch) % len(ids)
        lod = [0]
        for c in chunk:
            lod.append(lod[-1] + len(c))
        batches.append((np.concatenate(chunk).reshape(-1, 1), [lod]))

    cfg = inference.Config(os.path.join(model_dir, "model"))
    cfg.disable_gpu()
    cfg.disable_glog_info()
    cfg.set_cpu_math_library_num_threads(args.threads)
    if args.onednn == "on":
        cfg.enable_mkldnn()
    elif args.onednn == "off":
        cfg.disable_mkldnn()
    onednn = bool(cfg.mkldnn_enabled())
    ir_optim = bool(cfg.ir_optim())
    pred = inference.create_predictor(cfg)
    inp = pred.get_input_handle(pred.get_input_names()[0])
    out_name = pred.get_output_names()[0]

    def run_batch(b):
        data, lod = b
        inp.reshape(list(data.shape))
        inp.copy_from_cpu(data)
        inp.set_lod(lod)
        pred.run()
        return pred.get_output_handle(out_name).copy_to_cpu()

    for i in range(args.warmup):
        run_batch(batches[i % len(batches)])

    done = 0
    sentences = 0
    tokens = 0
    t0 = time.perf_counter()
    while True:
        b = batches[done % len(batches)]
        run_batch(b)
        done += 1
        sentences += args.batch
        tokens += b[0].shape[0]
        elapsed = time.perf_counter() - t0
        if args.iterations > 0:
            if done >= args.iterations:
                break
        elif elapsed >= args.seconds:
            break

    result = {
        "impl": "paddle_inference",
        "paddle_version": paddle.__version__,
        "model": "lac_seg",
        "batch": args.batch,
        "threads": args.threads,
        "onednn": onednn,
        "ir_optim": ir_optim,
        "sentences_per_sec": round(sentences / elapsed, 2),
        "tokens_per_sec": round(tokens / elapsed, 1),
        "ms_per_batch": round(1000.0 * elapsed / done, 4),
        "batches": done,
        "seconds": round(elapsed, 3),
        "warmup_batches": args.warmup,
        "sentences_file": os.path.relpath(os.path.abspath(args.sentences), lac_common.REPO_ROOT),
        "distinct_sentences": len(texts),
        "preprocessing_timed": False,
    }
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
