#!/usr/bin/env python3
"""Throughput of Baidu's LAC package (its own Python API, on paddlepaddle 1.8.5) on a file of
sentences, in batches as `gohub run lac --input_file` reads them. Run in the LAC oracle venv:

  build/oracle-venv-lac/bin/python scripts/bench/lac_pkg.py --sentences FILE --batch 32

The model is loaded before timing (start-up is measured separately, as whole-process time).
Prints one JSON line.
"""

import argparse
import json
import sys
import time

sys.dont_write_bytecode = True


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sentences", required=True, help="one sentence per line")
    ap.add_argument("--batch", type=int, default=32, help="sentences per run (default 32)")
    ap.add_argument("--mode", default="lac", choices=("lac", "seg"))
    args = ap.parse_args()

    from LAC import LAC  # noqa: E402 (imports paddle, slow: not timed)

    with open(args.sentences, encoding="utf-8") as f:
        texts = [line.strip() for line in f]
    lac = LAC(mode=args.mode)
    start = time.perf_counter()
    for i in range(0, len(texts), args.batch):
        lac.run(texts[i:i + args.batch])
    elapsed = time.perf_counter() - start
    print(json.dumps({"impl": "LAC " + args.mode, "batch": args.batch, "sentences": len(texts),
                      "seconds": elapsed, "sentences_per_sec": len(texts) / elapsed}))


if __name__ == "__main__":
    main()
