#!/usr/bin/env python3
"""Gradient golden cases from real PaddlePaddle: testdata/grads/<case>/.

Run inside the oracle venv (scripts/oracle/grads_run.sh does). Imports every
scripts/oracle/grads/*.py (files starting with "_" are skipped), builds each
registered case (grads/_case.py) as a static program on Paddle's legacy
ProgramDesc IR: feeds, parameters with fixed initial values, a scalar loss.
The program is cloned (the forward program), then
paddle.static.append_backward(loss, no_grad_set) appends Paddle's own grad
ops (the backward program); the startup program runs, and the backward
program runs once on the CPU executor, fetching the loss, every parameter
gradient append_backward returned and the gradient of each feed that has
one. Those values are the goldens.

Per case, in testdata/grads/<case>/:
  forward.pdmodel, backward.pdmodel  serialized ProgramDesc before / after
                                     append_backward, op_callstack emptied
  feed_<i>.bin, param_<i>.bin,       raw little-endian tensors, row-major
  output_<i>.bin
  case.json                          names, dtypes, shapes, files, op types,
                                     tolerance (format: grads/README.md)

  grad_golden.py               regenerate every case; stale case dirs go
  grad_golden.py --only a,b    regenerate just the named cases
  grad_golden.py --list        print the case names
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
CASE_DIR = os.path.join(HERE, "grads")
sys.path.insert(0, HERE)
sys.path.insert(0, CASE_DIR)
import case_files  # noqa: E402
import lac_common  # noqa: E402

paddle = lac_common.quiet_paddle_import(legacy_static=True)
import numpy as np  # noqa: E402

# The cases use paddle.nn.functional.softmax_with_cross_entropy on purpose: it emits the
# softmax_with_cross_entropy op that fluid 1.x classifiers train with.
warnings.filterwarnings("ignore", message=r"(?s).*softmax_with_cross_entropy.*deprecated")

import _case  # noqa: E402
import op_case  # noqa: E402

OUT_DIR = os.path.join(lac_common.REPO_ROOT, "testdata", "grads")
MAX_TOTAL_BYTES = 512 << 10
GRAD_SUFFIX = "@GRAD"


def load_case_modules():
    return case_files.load_case_modules(CASE_DIR, "oracle_grads_", _case.CASES)


def write_program(path, program):
    """Serializes program's ProgramDesc with every op_callstack attribute emptied.

    Paddle records the Python stack that created each op, with absolute paths of this
    machine and line numbers of our scripts; keeping them would make the files differ
    between checkouts and after unrelated edits. Nothing reads the attribute at run time.
    """
    from paddle.base.proto import framework_pb2

    prog = framework_pb2.ProgramDesc()
    prog.ParseFromString(program.desc.serialize_to_string())
    for block in prog.blocks:
        for o in block.ops:
            for a in o.attrs:
                if a.name == "op_callstack":
                    del a.strings[:]
    with open(path, "wb") as f:
        f.write(prog.SerializeToString())


def op_types(program):
    return [o.type for o in program.global_block().ops]


def build_case(c, out_dir):
    """Writes case c into out_dir (which exists and is empty); returns case.json's dict."""
    rng = np.random.RandomState(c.seed())
    main, startup = paddle.static.Program(), paddle.static.Program()
    main.random_seed = startup.random_seed = c.seed()
    with paddle.static.program_guard(main, startup), paddle.utils.unique_name.guard():
        rec = _case.begin()
        loss = c.fn(rng)
        if tuple(loss.shape) not in ((), (1,)):
            raise SystemExit("%s: the loss %s has shape %r, not a scalar"
                             % (c.name, loss.name, loss.shape))
        forward = main.clone()
        block = main.global_block()
        missing = [n for n in c.no_grad_set if not block.has_var(n)]
        if missing:
            raise SystemExit("%s: no_grad_set names unknown variables %r" % (c.name, missing))
        params_grads = paddle.static.append_backward(
            loss, no_grad_set=set(c.no_grad_set) if c.no_grad_set else None)

    fetch_names = [loss.name] + [g.name for _, g in params_grads]
    for var, _ in rec.feeds:
        gname = var.name + GRAD_SUFFIX
        if block.has_var(gname) and gname not in fetch_names:
            fetch_names.append(gname)
    produced = {a for o in block.ops for a in o.output_arg_names}
    # Parameters an op writes in place (batch_norm's running mean and variance): their values
    # after the run are outputs too.
    for var, _ in rec.params:
        if var.name in produced and var.name not in fetch_names:
            fetch_names.append(var.name)
    absent = [n for n in fetch_names if n not in produced]
    if absent:
        raise SystemExit("%s: no op of the backward program writes %r" % (c.name, absent))

    feed_values = {v.name: value for v, value in rec.feeds}
    exe = paddle.static.Executor(paddle.CPUPlace())
    with paddle.static.scope_guard(paddle.static.Scope()):
        exe.run(startup)
        # Parameters hold exactly the declared initial values before the run.
        scope = paddle.static.global_scope()
        for var, value in rec.params:
            got = np.array(scope.find_var(var.name).get_tensor())
            if got.shape != value.shape or not np.array_equal(got, value):
                raise SystemExit("%s: startup left %s different from its initial value"
                                 % (c.name, var.name))
        results = exe.run(main, feed=feed_values, fetch_list=fetch_names, return_numpy=True)

    write_program(os.path.join(out_dir, "forward.pdmodel"), forward)
    write_program(os.path.join(out_dir, "backward.pdmodel"), main)

    feeds = []
    for i, (var, value) in enumerate(rec.feeds):
        fname = "feed_%d.bin" % i
        case_files.write_raw(os.path.join(out_dir, fname), value)
        feeds.append(case_files.tensor_entry(var.name, value, fname))
    params = []
    for i, (var, value) in enumerate(rec.params):
        fname = "param_%d.bin" % i
        case_files.write_raw(os.path.join(out_dir, fname), value)
        params.append(case_files.tensor_entry(var.name, value, fname))
    outputs = []
    for i, (name, value) in enumerate(zip(fetch_names, results)):
        value = np.asarray(value)
        if not np.all(np.isfinite(value)):
            raise SystemExit("%s: %s is not finite: %r" % (c.name, name, value))
        if name.endswith(GRAD_SUFFIX):
            var = block.var(name[:-len(GRAD_SUFFIX)])
            if list(value.shape) != list(var.shape):
                raise SystemExit("%s: %s has shape %r, its variable %r"
                                 % (c.name, name, list(value.shape), list(var.shape)))
        fname = "output_%d.bin" % i
        case_files.write_raw(os.path.join(out_dir, fname), value)
        outputs.append(case_files.tensor_entry(name, value, fname))

    meta = {
        "name": c.name,
        "source": "scripts/oracle/grads/%s.py" % c.module[len("oracle_grads_"):],
        "paddle": paddle.__version__,
        "loss": loss.name,
        "feeds": feeds,
        "params": params,
        "no_grad_set": list(c.no_grad_set),
        "outputs": outputs,
        "forward_ops": op_types(forward),
        "backward_ops": op_types(main),
        "tolerance": {"rtol": c.rtol, "atol": c.atol},
        "note": c.note,
    }
    with open(os.path.join(out_dir, "case.json"), "w", encoding="utf-8") as f:
        json.dump(meta, f, indent=1)
        f.write("\n")
    return meta


def dir_bytes(path):
    total = 0
    for root, _, files in os.walk(path):
        total += sum(os.path.getsize(os.path.join(root, f)) for f in files)
    return total


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", help="comma-separated case names to regenerate")
    ap.add_argument("--list", action="store_true", help="print the case names and exit")
    args = ap.parse_args()
    paddle.enable_static()
    op_case.paddle = paddle
    _case.paddle = paddle
    cases = load_case_modules()
    if args.list:
        for c in cases:
            print("%-36s no_grad_set=%s" % (c.name, ",".join(c.no_grad_set) or "-"))
        return
    if args.only:
        wanted = set(args.only.split(","))
        unknown = wanted - {c.name for c in cases}
        if unknown:
            raise SystemExit("unknown cases: %s" % ", ".join(sorted(unknown)))
        cases = [c for c in cases if c.name in wanted]

    os.makedirs(OUT_DIR, exist_ok=True)
    for c in cases:
        # Built in a scratch dir and swapped in whole: a failed case leaves the old files intact.
        tmp = tempfile.mkdtemp(prefix=".tmp_" + c.name + "_", dir=OUT_DIR)
        os.chmod(tmp, 0o755)  # mkdtemp's 0700 would survive the rename
        try:
            meta = build_case(c, tmp)
            final = os.path.join(OUT_DIR, c.name)
            shutil.rmtree(final, ignore_errors=True)
            os.rename(tmp, final)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        print("grad_golden: %-34s loss %.6g; backward: %s"
              % (c.name, float(np.fromfile(os.path.join(OUT_DIR, c.name, "output_0.bin"),
                                           dtype=meta["outputs"][0]["dtype"]).reshape(-1)[0]),
                 " ".join(meta["backward_ops"])))
        print("grad_golden: %-34s outputs: %s"
              % ("", " ".join(o["name"] for o in meta["outputs"])))

    if not args.only:
        keep = {c.name for c in cases}
        for d in sorted(os.listdir(OUT_DIR)):
            if d not in keep and os.path.exists(os.path.join(OUT_DIR, d, "case.json")):
                print("grad_golden: removing stale case %s" % d, file=sys.stderr)
                shutil.rmtree(os.path.join(OUT_DIR, d))

    total = dir_bytes(OUT_DIR)
    if total > MAX_TOTAL_BYTES:
        raise SystemExit("testdata/grads holds %d bytes, over the %d budget"
                         % (total, MAX_TOTAL_BYTES))
    print("grad_golden: %d cases written, testdata/grads holds %d bytes" % (len(cases), total),
          file=sys.stderr)


if __name__ == "__main__":
    main()
