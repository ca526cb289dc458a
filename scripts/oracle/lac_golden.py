#!/usr/bin/env python3
"""Golden outputs of the LAC seg model from real PaddlePaddle.

Run inside the oracle venv (scripts/oracle/run.sh does). Reads the model in
place from $GOHUB_SHARED/models/lac_seg (default ../shared from the repo root)
and, for every sentence of testdata/lac/extra_sentences.txt followed by
testdata/lac/sentences.txt, records the input ids (our own preprocessing, see
lac_common.py), the crf_decoding tag ids and the emission scores (fc_4.tmp_1,
the Emission input of crf_decoding).

Reference run: paddle.static.Executor on the unmodified program (no graph
passes), batches of --batch sentences fed as one LoD tensor, 1 CPU thread.
Cross-checks: the same batches through paddle.inference with oneDNN on (Paddle
3's CPU default) and off must give identical tags; every sentence run alone
must give the batched emissions up to float noise (recorded in the meta file).

Writes to --out (default testdata/lac):
  oracle_tags.jsonl     one JSON object per sentence: set, text, ids, tags
  oracle_emission.f32   float32 little-endian, the [len(ids), 4] emission
                        matrices of all sentences back to back, row-major
  oracle_meta.json      versions, checksums, counts, cross-check results
"""

import argparse
import hashlib
import json
import os
import sys
import time

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lac_common  # noqa: E402

paddle = lac_common.quiet_paddle_import(legacy_static=True)
import numpy as np  # noqa: E402
from paddle import inference  # noqa: E402

EMISSION_VAR = "fc_4.tmp_1"
NUM_TAGS = 4
SANITY_TEXT = "我爱北京天安门今天天气很好我们去公园玩"
SANITY_WORDS = ["我", "爱", "北京", "天安门", "今天", "天气", "很好", "我们", "去", "公园", "玩"]


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def batches(n, size):
    for start in range(0, n, size):
        yield start, min(n, start + size)


class StaticReference:
    """The inference program run by the plain executor, fetching the emission too."""

    def __init__(self, model_dir):
        paddle.enable_static()
        self.place = paddle.CPUPlace()
        self.exe = paddle.static.Executor(self.place)
        self.scope = paddle.static.global_scope()
        self.program, self.feeds, self.fetches = paddle.static.load_inference_model(
            os.path.join(model_dir, "model"), self.exe,
            model_filename="__model__", params_filename=None)
        if self.feeds != ["words"]:
            raise SystemExit("unexpected feeds %r" % (self.feeds,))
        self.emission = self.program.global_block().var(EMISSION_VAR)

    def run(self, id_lists):
        data = np.concatenate([np.asarray(x, dtype=np.int64) for x in id_lists]).reshape(-1, 1)
        t = paddle.base.create_lod_tensor(data, [[len(x) for x in id_lists]], self.place)
        tags, em = self.exe.run(self.program, feed={"words": t},
                                fetch_list=[self.fetches[0], self.emission],
                                return_numpy=False)
        offsets = [0]
        for x in id_lists:
            offsets.append(offsets[-1] + len(x))
        for out in (tags, em):
            if out.lod() != [offsets]:
                raise SystemExit("output LoD %r != input LoD %r" % (out.lod(), [offsets]))
        tags = np.array(tags)
        em = np.array(em)
        if tags.dtype != np.int64 or tags.shape != (offsets[-1], 1):
            raise SystemExit("tags: dtype %s shape %s" % (tags.dtype, tags.shape))
        if em.dtype != np.float32 or em.shape != (offsets[-1], NUM_TAGS):
            raise SystemExit("emission: dtype %s shape %s" % (em.dtype, em.shape))
        return [(tags[offsets[i]:offsets[i + 1], 0], em[offsets[i]:offsets[i + 1]])
                for i in range(len(id_lists))]


class Predictor:
    """paddle.inference, CPU, 1 math thread; onednn None = Paddle's default."""

    def __init__(self, model_dir, onednn):
        cfg = inference.Config(os.path.join(model_dir, "model"))
        cfg.disable_gpu()
        cfg.disable_glog_info()
        cfg.set_cpu_math_library_num_threads(1)
        if onednn is True:
            cfg.enable_mkldnn()
        elif onednn is False:
            cfg.disable_mkldnn()
        self.onednn = bool(cfg.mkldnn_enabled())
        self.pred = inference.create_predictor(cfg)
        self.inp = self.pred.get_input_handle(self.pred.get_input_names()[0])
        self.out_name = self.pred.get_output_names()[0]

    def run(self, id_lists):
        data = np.concatenate([np.asarray(x, dtype=np.int64) for x in id_lists]).reshape(-1, 1)
        offsets = [0]
        for x in id_lists:
            offsets.append(offsets[-1] + len(x))
        self.inp.reshape(list(data.shape))
        self.inp.copy_from_cpu(data)
        self.inp.set_lod([offsets])
        self.pred.run()
        out = self.pred.get_output_handle(self.out_name)
        tags = out.copy_to_cpu()
        if [list(map(int, l)) for l in out.lod()] != [offsets]:
            raise SystemExit("predictor LoD %r != %r" % (out.lod(), [offsets]))
        return [tags.reshape(-1)[offsets[i]:offsets[i + 1]] for i in range(len(id_lists))]


def write_atomic(path, data):
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def main():
    td = os.path.join(lac_common.REPO_ROOT, "testdata", "lac")
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sentences", default=os.path.join(td, "sentences.txt"))
    ap.add_argument("--extra", default=os.path.join(td, "extra_sentences.txt"))
    ap.add_argument("--out", default=td)
    ap.add_argument("--batch", type=int, default=32, help="sentences per run (default 32)")
    args = ap.parse_args()

    model_dir = lac_common.lac_seg_dir()
    if not os.path.isfile(os.path.join(model_dir, "model", "__model__")):
        raise SystemExit("lac_golden: %s/model/__model__ not found (set GOHUB_SHARED)" % model_dir)
    vocab = lac_common.Vocab(model_dir)

    records = [("extra", t) for t in lac_common.read_lines(args.extra)]
    records += [("manpages-zh", t) for t in lac_common.read_lines(args.sentences)]
    texts = [t for _, t in records]
    ids = [vocab.ids(t) for t in texts]

    t0 = time.time()
    ref = StaticReference(model_dir)
    results = []
    for a, b in batches(len(ids), args.batch):
        results.extend(ref.run(ids[a:b]))
    tags = [r[0] for r in results]
    emissions = [r[1] for r in results]

    # Emission of every sentence run alone, against the batched run.
    single_max_abs = 0.0
    single_tag_diffs = 0
    for i, x in enumerate(ids):
        t1, e1 = ref.run([x])[0]
        single_max_abs = max(single_max_abs, float(np.max(np.abs(e1 - emissions[i]))))
        single_tag_diffs += int(not np.array_equal(t1, tags[i]))

    # paddle.inference (what users run) must agree on every tag.
    predictor_checks = {}
    for onednn in (None, False):
        p = Predictor(model_dir, onednn)
        bad = []
        for a, b in batches(len(ids), args.batch):
            for k, t in enumerate(p.run(ids[a:b])):
                if not np.array_equal(t, tags[a + k]):
                    bad.append(a + k)
        key = "inference_onednn_%s" % ("default_on" if onednn is None and p.onednn else
                                       "default_off" if onednn is None else "off")
        predictor_checks[key] = {"onednn": p.onednn, "sentences_with_tag_diffs": len(bad),
                                 "first_diffs": bad[:10]}
        for i in bad[:10]:
            print("lac_golden: %s differs on %r: %s vs %s" % (key, texts[i],
                  p.run([ids[i]])[0].tolist(), tags[i].tolist()), file=sys.stderr)

    # Sanity check on the classic example.
    if SANITY_TEXT in texts:
        i = texts.index(SANITY_TEXT)
        words = vocab.segment(texts[i], tags[i])
        print("lac_golden: sanity: %s -> %s" % (SANITY_TEXT, " / ".join(words)), file=sys.stderr)
        if words != SANITY_WORDS:
            raise SystemExit("lac_golden: sanity check failed: %r" % (words,))
    else:
        raise SystemExit("lac_golden: the sanity sentence is missing from %s" % args.extra)

    os.makedirs(args.out, exist_ok=True)
    lines = []
    for (src, text), x, t in zip(records, ids, tags):
        lines.append(json.dumps({"set": src, "text": text, "ids": x,
                                 "tags": [int(v) for v in t]},
                                ensure_ascii=False, separators=(",", ":")))
    tags_path = os.path.join(args.out, "oracle_tags.jsonl")
    em_path = os.path.join(args.out, "oracle_emission.f32")
    write_atomic(tags_path, ("\n".join(lines) + "\n").encode("utf-8"))
    em_all = np.concatenate(emissions).astype("<f4")
    write_atomic(em_path, em_all.tobytes())

    model_files = ["model/__model__", "conf/word.dic", "conf/q2b.dic", "conf/tag.dic"]
    meta = {
        "generator": "scripts/oracle/lac_golden.py (make oracle)",
        "paddle_version": paddle.__version__,
        "paddle_commit": getattr(paddle.version, "commit", ""),
        "model": "$GOHUB_SHARED/models/lac_seg",
        "model_sha256": {f: sha256_file(os.path.join(model_dir, f)) for f in model_files},
        "reference": "paddle.static.Executor, unmodified program, CPU, 1 thread, "
                     "batches of %d sentences as one LoD tensor" % args.batch,
        "sentences": len(texts),
        "sentences_by_set": {s: sum(1 for r in records if r[0] == s)
                             for s in ("extra", "manpages-zh")},
        "tokens": int(em_all.shape[0]),
        "num_tags": NUM_TAGS,
        "emission_var": EMISSION_VAR,
        "emission_layout": "float32 little-endian, [tokens, 4] row-major, sentences in "
                           "oracle_tags.jsonl order; sentence k starts at row sum(len(ids) of "
                           "sentences before k)",
        "emission_abs_max": float(np.max(np.abs(em_all))),
        "emission_single_vs_batched_max_abs_diff": single_max_abs,
        "tags_single_vs_batched_diffs": single_tag_diffs,
        "inference_cross_checks": predictor_checks,
        "files_sha256": {"oracle_tags.jsonl": sha256_file(tags_path),
                         "oracle_emission.f32": sha256_file(em_path)},
    }
    write_atomic(os.path.join(args.out, "oracle_meta.json"),
                 (json.dumps(meta, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))
    print("lac_golden: %d sentences, %d tokens, paddle %s, %.1fs; wrote %s, %s, oracle_meta.json"
          % (len(texts), em_all.shape[0], paddle.__version__, time.time() - t0,
             os.path.relpath(tags_path, lac_common.REPO_ROOT),
             os.path.relpath(em_path, lac_common.REPO_ROOT)), file=sys.stderr)
    for key, c in predictor_checks.items():
        if c["sentences_with_tag_diffs"]:
            raise SystemExit("lac_golden: %s disagrees with the executor on %d sentences"
                             % (key, c["sentences_with_tag_diffs"]))


if __name__ == "__main__":
    main()
