#!/usr/bin/env python3
"""Throughput of Paddle Inference (PyPI paddlepaddle, CPU, oneDNN on) on an image model.

Run inside the oracle venv (scripts/oracle/setup.sh creates it):

  build/oracle-venv/bin/python scripts/bench/paddle_image.py \
      --model build/models/resnet50_seeded --batch 8 --threads 2 --seconds 10

Method (scripts/bench/imgbench does the same through gohub):
- --model is an inference model directory: model.pdmodel + model.pdiparams, or __model__
  with one file per parameter.
- One predictor (paddle.inference.create_predictor), CPU, oneDNN on (enable_mkldnn),
  --threads math threads (set_cpu_math_library_num_threads), IR optimisation on.
- Every input gets its declared shape with the batch dimension (-1) set to --batch and
  fixed pseudo-random values in [-1, 1): element i is (i * 2654435761 mod 2^32) / 2^32 * 2 - 1,
  the same values imgbench feeds.
- Timed per batch: reshape + copy_from_cpu + run + copy_to_cpu of every output.
  --warmup batches run first and are not timed; then batches until --seconds have passed.

--dump FILE also saves the outputs of one untimed batch after the timed ones, in output order,
as FILE (.npz: out_0, out_1, ...): the reference peer_image.py checks ONNX Runtime and OpenVINO
against.

--flops instead prints the model's multiply-add work per image, counted from the program's
declared shapes (below), and exits.

Prints one JSON line on stdout.
"""

import argparse
import json
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "oracle"))
import lac_common  # noqa: E402
import steptimer  # noqa: E402


def model_files(model_dir):
    """(program, params) of a combined model, or (None, None) for a __model__ directory."""
    prog = os.path.join(model_dir, "model.pdmodel")
    if os.path.exists(prog):
        return prog, os.path.join(model_dir, "model.pdiparams")
    if os.path.exists(os.path.join(model_dir, "__model__")):
        return None, None
    raise SystemExit("paddle_image: %s holds neither model.pdmodel nor __model__" % model_dir)


def fixed_input(np, n):
    i = np.arange(n, dtype=np.uint64)
    h = (i * np.uint64(2654435761)) % np.uint64(2 ** 32)
    return (h.astype(np.float64) / 2.0 ** 32 * 2 - 1).astype(np.float32)


def load_program(model_dir):
    """The program's global block as paddle.static loads it (legacy ProgramDesc IR), and its feeds."""
    paddle = lac_common.quiet_paddle_import(legacy_static=True)
    paddle.enable_static()
    exe = paddle.static.Executor(paddle.CPUPlace())
    prog_file, _ = model_files(model_dir)
    if prog_file:
        prog, feeds, _ = paddle.static.load_inference_model(prog_file[:-len(".pdmodel")], exe)
    else:
        prog, feeds, _ = paddle.static.load_inference_model(model_dir, exe,
                                                            model_filename="__model__")
    return prog.global_block(), feeds


def declared_inputs(model_dir):
    """{name: declared shape} of the feeds. paddle.inference does not tell them before the first
    run, and the legacy IR that reads them must be chosen before paddle is imported, so the
    benchmark asks a child process (--inputs) rather than switching IR in the timed process."""
    import subprocess
    out = subprocess.run([sys.executable, os.path.abspath(__file__), "--model", model_dir,
                          "--inputs"], check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def count_flops(model_dir):
    """FLOPs per image of the program's convolutions and matrix products (2 per multiply-add).

    Read from the program as Paddle loads it (legacy ProgramDesc IR): a conv's work is
    out_c * out_h * out_w * (in_c / groups) * kh * kw multiply-adds, from its Filter's and
    Output's declared shapes; a mul/matmul's is rows * K * N with rows per image from X's
    declared shape. Batch norm, activations, pooling and additions are not counted: they are
    memory-bound and well under 1 % of a ResNet's arithmetic.
    """
    import numpy as np
    block, _ = load_program(model_dir)
    macs = 0
    by_type = {}
    for op in block.ops:
        if op.type in ("conv2d", "depthwise_conv2d"):
            w = block.var(op.input("Filter")[0]).shape  # [O, I/groups, kh, kw]
            out = block.var(op.output("Output")[0]).shape
            nhwc = op.attr("data_format") == "NHWC"
            oc, oh, ow = (out[3], out[1], out[2]) if nhwc else (out[1], out[2], out[3])
            if min(oc, oh, ow) < 1:
                raise SystemExit("paddle_image: %s output %s has unknown extents" % (op.type, out))
            m = oc * oh * ow * int(np.prod(w[1:]))
        elif op.type in ("mul", "matmul", "matmul_v2"):
            x = block.var(op.input("X")[0]).shape
            y = block.var(op.input("Y")[0]).shape
            if op.type == "mul":
                k = op.attr("x_num_col_dims")
                rows = int(np.prod(x[1:k])) if k > 1 else 1
            else:
                rows = int(np.prod(x[1:-1])) if len(x) > 2 else 1
            m = rows * int(np.prod(y))
        else:
            continue
        macs += m
        by_type[op.type] = by_type.get(op.type, 0) + m
    return {"model": os.path.basename(os.path.normpath(model_dir)), "flops_per_image": 2 * macs,
            "flops_by_op_type": {k: 2 * v for k, v in sorted(by_type.items())}}


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True, help="inference model directory")
    ap.add_argument("--batch", type=int, default=1, help="images per run (default 1)")
    ap.add_argument("--threads", type=int, default=1, help="CPU math threads (default 1)")
    ap.add_argument("--seconds", type=float, default=10.0, help="timed duration (default 10)")
    ap.add_argument("--warmup", type=int, default=5, help="untimed batches first (default 5)")
    ap.add_argument("--dump", help="save one batch's outputs as this .npz (out_0, out_1, ...)")
    ap.add_argument("--flops", action="store_true",
                    help="print the conv + matmul FLOPs per image and exit")
    ap.add_argument("--inputs", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.batch < 1 or args.threads < 1:
        ap.error("--batch and --threads must be >= 1")
    if args.flops:
        print(json.dumps(count_flops(args.model)))
        return
    if args.inputs:
        block, feeds = load_program(args.model)
        print(json.dumps({n: list(block.var(n).shape) for n in feeds}))
        return
    shapes = declared_inputs(args.model)

    paddle = lac_common.quiet_paddle_import()
    import numpy as np
    from paddle import inference

    prog_file, params_file = model_files(args.model)
    cfg = inference.Config(prog_file, params_file) if prog_file else inference.Config(args.model)
    cfg.disable_gpu()
    cfg.disable_glog_info()
    cfg.set_cpu_math_library_num_threads(args.threads)
    cfg.enable_mkldnn()
    cfg.switch_ir_optim(True)
    cfg.enable_memory_optim()
    pred = inference.create_predictor(cfg)

    feeds = []
    for name in pred.get_input_names():
        h = pred.get_input_handle(name)
        shape = list(shapes[name])
        if shape and shape[0] < 0:
            shape[0] = args.batch
        if any(d < 0 for d in shape):
            raise SystemExit("paddle_image: input %s has an unknown extent in %s" % (name, shape))
        feeds.append((h, shape, fixed_input(np, int(np.prod(shape))).reshape(shape)))
    outs = [pred.get_output_handle(n) for n in pred.get_output_names()]

    def step():
        for h, shape, data in feeds:
            h.reshape(shape)
            h.copy_from_cpu(data)
        pred.run()
        for o in outs:
            o.copy_to_cpu()

    for _ in range(args.warmup):
        step()
    done, elapsed = steptimer.run_for(step, args.seconds)

    if args.dump:
        step()
        np.savez(args.dump, **{"out_%d" % i: o.copy_to_cpu() for i, o in enumerate(outs)})

    print(json.dumps({
        "impl": "paddle_inference",
        "paddle_version": paddle.__version__,
        "model": os.path.basename(os.path.normpath(args.model)),
        "batch": args.batch,
        "threads": args.threads,
        "onednn": bool(cfg.mkldnn_enabled()),
        "ir_optim": bool(cfg.ir_optim()),
        "batches": done,
        "seconds": round(elapsed, 3),
        "images_per_sec": round(done * args.batch / elapsed, 3),
        "ms_per_batch": round(1000.0 * elapsed / done, 3),
    }))


if __name__ == "__main__":
    main()
