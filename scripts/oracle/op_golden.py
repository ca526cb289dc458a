#!/usr/bin/env python3
"""Single-op golden cases from real PaddlePaddle: testdata/ops/<case>/.

Run inside the oracle venv (scripts/oracle/ops_run.sh does). Imports every
scripts/oracle/ops/*.py (files starting with "_" are skipped), builds each
registered case (op_case.py) as a static program on Paddle's legacy
ProgramDesc IR, saves it with paddle.static.save_inference_model, loads the
saved model back and runs it on the CPU executor. What the saved model
computes is the golden output, and the op types of the saved program are
checked against the ops the case names, so a case that Paddle fused or
renamed fails here instead of testing something else.

Per case, in testdata/ops/<case>/:
  model.pdmodel, model.pdiparams   as Paddle writes them (no .pdiparams when
                                   the program has no weights), except that
                                   op_callstack attributes are emptied
  input_<i>.bin, output_<i>.bin    raw little-endian tensors, row-major
  case.json                        names, dtypes, shapes, files, tolerance,
                                   op types, note (format: ops/README.md)

  op_golden.py                 regenerate every case; stale case dirs go
  op_golden.py --only a,b      regenerate just the named cases
  op_golden.py --module shape  regenerate the cases of ops/shape.py
  op_golden.py --list          print the case names
"""

import argparse
import json
import os
import shutil
import sys
import tempfile
import warnings

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import case_files  # noqa: E402
import lac_common  # noqa: E402
import op_case  # noqa: E402

paddle = lac_common.quiet_paddle_import(legacy_static=True)
import numpy as np  # noqa: E402

# Saving a program without weights warns; such cases are expected (no .pdiparams then).
warnings.filterwarnings("ignore", message="no variable in your model")

OUT_DIR = os.path.join(lac_common.REPO_ROOT, "testdata", "ops")
MAX_FILE_BYTES = 1 << 20
MAX_TOTAL_BYTES = 2 << 20


def load_case_modules():
    return case_files.load_case_modules(os.path.join(HERE, "ops"), "oracle_ops_", op_case.CASES)


def strip_callstacks(path):
    """Empties every op's op_callstack attribute in a saved program.

    Paddle records the Python stack that created each op, with absolute paths of
    this machine and line numbers of our scripts; keeping them would make the
    files differ between checkouts and after unrelated edits. Nothing reads the
    attribute at run time.
    """
    from paddle.base.proto import framework_pb2

    prog = framework_pb2.ProgramDesc()
    with open(path, "rb") as f:
        prog.ParseFromString(f.read())
    for block in prog.blocks:
        for o in block.ops:
            for a in o.attrs:
                if a.name == "op_callstack":
                    del a.strings[:]
    with open(path, "wb") as f:
        f.write(prog.SerializeToString())


def build_case(c, out_dir):
    """Writes case c into out_dir (which exists and is empty)."""
    rng = np.random.RandomState(c.seed())
    main, startup = paddle.static.Program(), paddle.static.Program()
    main.random_seed = startup.random_seed = c.seed()
    with paddle.static.program_guard(main, startup), paddle.utils.unique_name.guard():
        rec = op_case.begin()
        fetches = c.fn(rng)
    if not isinstance(fetches, (list, tuple)):
        fetches = [fetches]
    feed_vars = [v for v, _ in rec.feeds]
    feed_values = {v.name: value for v, value in rec.feeds}

    exe = paddle.static.Executor(paddle.CPUPlace())
    prefix = os.path.join(out_dir, "model")
    with paddle.static.scope_guard(paddle.static.Scope()):
        exe.run(startup)
        paddle.static.save_inference_model(prefix, feed_vars, list(fetches), exe, program=main)
        strip_callstacks(prefix + ".pdmodel")
        prog, feed_names, fetch_vars = paddle.static.load_inference_model(prefix, exe)
        # Tensors, not arrays: numpy conversion refuses outputs that carry a LoD
        # (multiclass_nms), which is recorded in case.json instead.
        results = exe.run(prog, feed=feed_values, fetch_list=fetch_vars, return_numpy=False)

    if feed_names != [v.name for v in feed_vars]:
        raise SystemExit("%s: saved feeds %r differ from the declared %r"
                         % (c.name, feed_names, [v.name for v in feed_vars]))
    op_types = [o.type for o in prog.global_block().ops if o.type not in ("feed", "fetch")]
    missing = [t for t in c.ops if t not in op_types]
    if missing:
        raise SystemExit("%s: the saved program has ops %r, not %r (fused or renamed?)"
                         % (c.name, op_types, missing))

    inputs = []
    for i, name in enumerate(feed_names):
        fname = "input_%d.bin" % i
        case_files.write_raw(os.path.join(out_dir, fname), feed_values[name])
        inputs.append(case_files.tensor_entry(name, feed_values[name], fname))
    outputs = []
    for i, (var, tensor) in enumerate(zip(fetch_vars, results)):
        fname = "output_%d.bin" % i
        value = np.array(tensor)
        case_files.write_raw(os.path.join(out_dir, fname), value)
        outputs.append(case_files.tensor_entry(var.name, value, fname))
        lod = tensor.lod()
        if lod:
            outputs[-1]["lod"] = [list(level) for level in lod]

    meta = {
        "name": c.name,
        "source": "scripts/oracle/ops/%s.py" % c.module[len("oracle_ops_"):],
        "paddle": paddle.__version__,
        "ops": op_types,
        "intended_ops": c.ops,
        "inputs": inputs,
        "outputs": outputs,
        "tolerance": {"rtol": c.rtol, "atol": c.atol},
        "note": c.note,
    }
    with open(os.path.join(out_dir, "case.json"), "w", encoding="utf-8") as f:
        json.dump(meta, f, indent=1)
        f.write("\n")


def dir_bytes(path):
    sizes = {}
    for root, _, files in os.walk(path):
        for f in files:
            p = os.path.join(root, f)
            sizes[os.path.relpath(p, path)] = os.path.getsize(p)
    return sizes


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", help="comma-separated case names to regenerate")
    ap.add_argument("--module", help="regenerate the cases of scripts/oracle/ops/MODULE.py")
    ap.add_argument("--list", action="store_true", help="print the case names and exit")
    args = ap.parse_args()
    paddle.enable_static()
    op_case.paddle = paddle
    cases = load_case_modules()
    if args.list:
        for c in cases:
            print("%-40s %s" % (c.name, ",".join(c.ops)))
        return
    if args.only:
        wanted = set(args.only.split(","))
        unknown = wanted - {c.name for c in cases}
        if unknown:
            raise SystemExit("unknown cases: %s" % ", ".join(sorted(unknown)))
        cases = [c for c in cases if c.name in wanted]
    if args.module:
        cases = [c for c in cases if c.module == "oracle_ops_" + args.module]
        if not cases:
            raise SystemExit("no cases in scripts/oracle/ops/%s.py" % args.module)

    os.makedirs(OUT_DIR, exist_ok=True)
    for c in cases:
        # Built in a scratch dir and swapped in whole: a failed case leaves the old files intact.
        tmp = tempfile.mkdtemp(prefix=".tmp_" + c.name + "_", dir=OUT_DIR)
        os.chmod(tmp, 0o755)  # mkdtemp's 0700 would survive the rename
        try:
            build_case(c, tmp)
            final = os.path.join(OUT_DIR, c.name)
            shutil.rmtree(final, ignore_errors=True)
            os.rename(tmp, final)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        print("op_golden: %-40s ok" % c.name, file=sys.stderr)

    if not args.only and not args.module:
        keep = {c.name for c in cases}
        for d in sorted(os.listdir(OUT_DIR)):
            if d not in keep and os.path.exists(os.path.join(OUT_DIR, d, "case.json")):
                print("op_golden: removing stale case %s" % d, file=sys.stderr)
                shutil.rmtree(os.path.join(OUT_DIR, d))

    sizes = dir_bytes(OUT_DIR)
    big = sorted(p for p, n in sizes.items() if n > MAX_FILE_BYTES)
    if big:
        raise SystemExit("files over %d bytes (make the case smaller): %s"
                         % (MAX_FILE_BYTES, ", ".join(big)))
    total = sum(sizes.values())
    if total > MAX_TOTAL_BYTES:
        raise SystemExit("testdata/ops holds %d bytes, over the %d budget" % (total, MAX_TOTAL_BYTES))
    print("op_golden: %d cases written, testdata/ops holds %d bytes" % (len(cases), total),
          file=sys.stderr)


if __name__ == "__main__":
    main()
