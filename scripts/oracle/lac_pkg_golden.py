#!/usr/bin/env python3
"""Golden outputs of Baidu's LAC package (LAC 2.1.2 from PyPI), through its own Python API.

Run inside build/oracle-venv-lac (scripts/oracle/lac_pkg_run.sh sets it up and runs this):
`from LAC import LAC`, then LAC(mode='lac') and LAC(mode='seg'), each also with
load_customization(testdata/lac_full/user.dict). Nothing of LAC is reimplemented here: the
preprocessing, the model run, the user dictionary and the word assembly are LAC's own code.

Sentences, in this order (the "set" field says which):
  extra        testdata/lac/extra_sentences.txt
  extra_full   testdata/lac_full/extra_sentences.txt (user-dictionary and tagging cases)
  manpages-zh  the first --n lines of testdata/lac/sentences.txt
Lines are used as they are (only the newline is stripped; whitespace-only lines are kept);
empty lines are skipped, since LAC 2.1.2 misplaces the results of several empty texts in one
call (its run() re-inserts them in the wrong order).

Writes to --out (default testdata/lac_full), one JSON object per sentence and line:
  oracle_lac.jsonl        {"set", "text", "word", "tag"}   LAC(mode='lac')
  oracle_seg.jsonl        {"set", "text", "word"}          LAC(mode='seg')
  oracle_lac_user.jsonl   as oracle_lac.jsonl, with the user dictionary
  oracle_seg_user.jsonl   as oracle_seg.jsonl, with the user dictionary
  oracle_meta.json        versions, checksums, counts, the batch cross-check
"""

import argparse
import hashlib
import io
import json
import os
import platform
import sys

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
os.environ.setdefault("GLOG_minloglevel", "2")
sys.dont_write_bytecode = True  # no __pycache__ in the source tree

import paddle  # noqa: E402
from LAC import LAC  # noqa: E402

REPO_ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
SANITY = ("今天是个好日子", ["今天", "是", "个", "好日子"], ["TIME", "v", "q", "n"])


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def read_lines(path, limit=None):
    with io.open(path, "r", encoding="utf-8", newline="\n") as f:
        lines = [line.rstrip("\n") for line in f]
    lines = [line for line in lines if line != ""]
    return lines[:limit] if limit is not None else lines


def run_batched(model, texts, batch):
    """model.run over texts, batch texts per call; run() pops from its argument, so it
    gets a copy."""
    out = []
    for start in range(0, len(texts), batch):
        out.extend(model.run(list(texts[start:start + batch])))
    return out


def records(sets, texts, results, mode):
    for s, text, res in zip(sets, texts, results):
        rec = {"set": s, "text": text}
        if mode == "lac":
            rec["word"], rec["tag"] = list(res[0]), list(res[1])
        else:
            rec["word"] = list(res)
        yield rec


def write_jsonl(path, recs):
    with io.open(path, "w", encoding="utf-8", newline="\n") as f:
        for rec in recs:
            f.write(json.dumps(rec, ensure_ascii=False, separators=(",", ":")) + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.join(REPO_ROOT, "testdata", "lac_full"))
    ap.add_argument("--n", type=int, default=200, help="sentences taken from sentences.txt")
    ap.add_argument("--batch", type=int, default=32, help="texts per LAC.run call")
    ap.add_argument("--user-dict", default=os.path.join(REPO_ROOT, "testdata", "lac_full", "user.dict"))
    ap.add_argument("--sdist", default=os.path.join(REPO_ROOT, "build", "lac-pkg", "LAC-2.1.2.tar.gz"))
    args = ap.parse_args()

    sources = [
        ("extra", os.path.join(REPO_ROOT, "testdata", "lac", "extra_sentences.txt"), None),
        ("extra_full", os.path.join(REPO_ROOT, "testdata", "lac_full", "extra_sentences.txt"), None),
        ("manpages-zh", os.path.join(REPO_ROOT, "testdata", "lac", "sentences.txt"), args.n),
    ]
    sets, texts = [], []
    for name, path, limit in sources:
        lines = read_lines(path, limit)
        sets += [name] * len(lines)
        texts += lines

    meta = {
        "python": platform.python_version(),
        "paddlepaddle": paddle.__version__,
        "paddle_commit": getattr(paddle.version, "commit", ""),
        "lac": "2.1.2",
        "lac_sdist_sha256": sha256_file(args.sdist) if os.path.exists(args.sdist) else None,
        "user_dict_sha256": sha256_file(args.user_dict),
        "batch": args.batch,
        "sentences": {name: sets.count(name) for name, _, _ in sources},
        "files": {},
    }

    for mode in ("lac", "seg"):
        for user in (False, True):
            model = LAC(mode=mode)
            if user:
                model.load_customization(args.user_dict)
            results = run_batched(model, texts, args.batch)
            if mode == "lac" and not user:
                words, tags = model.run(SANITY[0])
                assert (words, tags) == (SANITY[1], SANITY[2]), (words, tags)
            # The cross-check: every text alone gives what the batch gave.
            alone = [model.run([t])[0] for t in texts]
            mismatch = sum(1 for a, b in zip(alone, results) if a != b)
            name = "oracle_%s%s.jsonl" % (mode, "_user" if user else "")
            path = os.path.join(args.out, name)
            write_jsonl(path, records(sets, texts, results, mode))
            meta["files"][name] = {
                "sha256": sha256_file(path),
                "lines": len(texts),
                "alone_differs_from_batch": mismatch,
            }
            print("oracle-lac: wrote %s (%d texts; alone vs batch mismatches: %d)"
                  % (path, len(texts), mismatch), file=sys.stderr)

    with io.open(os.path.join(args.out, "oracle_meta.json"), "w", encoding="utf-8", newline="\n") as f:
        f.write(json.dumps(meta, ensure_ascii=False, indent=2, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
