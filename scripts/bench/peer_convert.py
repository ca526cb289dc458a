#!/usr/bin/env python3
"""Converts a Paddle inference model to ONNX with paddle2onnx, once, for the image section's
peers (scripts/bench/peer_image.py times ONNX Runtime and OpenVINO on it).

Run inside the oracle venv with the peers installed (scripts/bench/peers_setup.sh):

  build/oracle-venv/bin/python scripts/bench/peer_convert.py \
      --model build/models/resnet50_seeded --out build/peer-models/resnet50_seeded

Writes into --out:
- model.onnx: paddle2onnx's conversion (opset 13, its default Polygraphy constant folding);
- paddle/model.pdmodel + model.pdiparams: only for a __model__ directory (one file per
  parameter), the same program and parameters saved combined by paddle.static, because
  paddle2onnx reads combined files only; a model.pdmodel directory is converted in place;
- stamp.json: what it was made from (the source files' sizes and times, paddle2onnx's
  version). A later call whose stamp matches does nothing, so the conversion is cached.

Prints one JSON line: {"onnx": path, "paddle_model": path of the .pdmodel converted, ...}.
Exits 1 with the reason on stderr when paddle2onnx fails.
"""

import argparse
import json
import os
import shutil
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "oracle"))
import lac_common  # noqa: E402

OPSET = 13


def source_key(model_dir):
    files = {}
    for name in sorted(os.listdir(model_dir)):
        p = os.path.join(model_dir, name)
        if os.path.isfile(p):
            st = os.stat(p)
            files[name] = [st.st_size, int(st.st_mtime)]
    return files


def combined(paddle, model_dir, out_dir):
    """(pdmodel, pdiparams) of model_dir, re-saving a __model__ directory combined."""
    prog = os.path.join(model_dir, "model.pdmodel")
    if os.path.exists(prog):
        return prog, os.path.join(model_dir, "model.pdiparams")
    if not os.path.exists(os.path.join(model_dir, "__model__")):
        raise SystemExit("peer_convert: %s holds neither model.pdmodel nor __model__" % model_dir)
    paddle.enable_static()
    exe = paddle.static.Executor(paddle.CPUPlace())
    scope = paddle.static.Scope()
    with paddle.static.scope_guard(scope):
        program, feeds, fetches = paddle.static.load_inference_model(
            model_dir, exe, model_filename="__model__")
        block = program.global_block()
        feed_vars = [block.var(n) for n in feeds]
        prefix = os.path.join(out_dir, "paddle", "model")
        os.makedirs(os.path.dirname(prefix), exist_ok=True)
        paddle.static.save_inference_model(prefix, feed_vars, fetches, exe, program=program)
    return prefix + ".pdmodel", prefix + ".pdiparams"


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True, help="Paddle inference model directory")
    ap.add_argument("--out", required=True, help="cache directory for this model")
    args = ap.parse_args()

    import importlib.metadata as md
    key = {"source": os.path.abspath(args.model), "files": source_key(args.model),
           "paddle2onnx": md.version("paddle2onnx"), "paddle": md.version("paddlepaddle"),
           "opset": OPSET}
    stamp = os.path.join(args.out, "stamp.json")
    onnx_file = os.path.join(args.out, "model.onnx")
    if os.path.exists(stamp) and os.path.exists(onnx_file):
        with open(stamp) as f:
            old = json.load(f)
        if old.get("key") == key:
            print(json.dumps(dict(old["result"], cached=True)))
            return

    shutil.rmtree(args.out, ignore_errors=True)
    os.makedirs(args.out)
    # The old ProgramDesc IR reads Fluid 1.x __model__ files; paddle2onnx switches IR itself.
    paddle = lac_common.quiet_paddle_import(legacy_static=True)
    prog, params = combined(paddle, args.model, args.out)

    # paddle2onnx's Polygraphy folding installs what it misses with pip (from a second index);
    # peers_setup.sh pins those packages. Where they are absent anyway, fold with onnxoptimizer
    # rather than let a benchmark install anything.
    import importlib.util
    tool = "polygraphy" if all(importlib.util.find_spec(m) for m in
                               ("onnx_graphsurgeon", "sympy")) else "onnxoptimizer"
    import paddle2onnx
    paddle2onnx.export(prog, params, onnx_file, opset_version=OPSET, optimize_tool=tool)
    if not os.path.exists(onnx_file):
        print("peer_convert: paddle2onnx wrote no %s from %s" % (onnx_file, prog), file=sys.stderr)
        shutil.rmtree(args.out, ignore_errors=True)
        sys.exit(1)
    import onnx
    m = onnx.load(onnx_file, load_external_data=False)
    result = {"onnx": onnx_file, "paddle_model": prog, "paddle_params": params,
              "paddle2onnx": key["paddle2onnx"], "opset": OPSET, "optimize_tool": tool,
              "onnx_nodes": len(m.graph.node),
              "inputs": [i.name for i in m.graph.input],
              "outputs": [o.name for o in m.graph.output]}
    with open(stamp, "w") as f:
        json.dump({"key": key, "result": result}, f, indent=1)
    print(json.dumps(dict(result, cached=False)))


if __name__ == "__main__":
    main()
