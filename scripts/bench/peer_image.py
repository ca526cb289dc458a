#!/usr/bin/env python3
"""Throughput of ONNX Runtime or OpenVINO on an image model, the image section's peers, measured
as scripts/bench/paddle_image.py measures Paddle Inference (and imgbench measures gohub).

Run inside the oracle venv with the peers installed (scripts/bench/peers_setup.sh), on the
ONNX file scripts/bench/peer_convert.py made from the Paddle model:

  build/oracle-venv/bin/python scripts/bench/peer_image.py --engine onnxruntime \
      --onnx build/peer-models/resnet50_seeded/model.onnx --batch 8 --threads 2 --seconds 10 \
      --reference build/peer-models/resnet50_seeded/paddle_b8.npz

Engines:
- onnxruntime: CPU execution provider, sequential execution mode, intra_op_num_threads =
  --threads, inter_op_num_threads = 1, graph optimisation level ORT_ENABLE_ALL.
- openvino: OpenVINO's Paddle front end on --paddle-model (the model.pdmodel, or the directory
  of a __model__ model) when it reads that model, else the ONNX file (the JSON line says which: "source"); the input's batch dimension fixed to --batch
  (static shapes, as OpenVINO's benchmark_app does); CPU device, INFERENCE_NUM_THREADS =
  --threads, PERFORMANCE_HINT = LATENCY, NUM_STREAMS = 1, INFERENCE_PRECISION_HINT = f32 (on a
  CPU with AVX-512 BF16 OpenVINO would otherwise compute in bfloat16), or bf16 with
  --precision bf16 (the peer of gohub's bfloat16 inference, scripts/bench/bf16.sh).

Method, as paddle_image.py: every input gets its shape with the batch dimension set to --batch
and the same fixed pseudo-random values in [-1, 1) (element i is (i * 2654435761 mod 2^32) /
2^32 * 2 - 1); each timed batch is copy in + run + copy out of every output; --warmup batches
run first and are not timed; then batches until --seconds have passed.

Check: after the warm-up, one untimed batch's outputs are compared, in order, with --reference
(Paddle Inference's outputs for the same input, paddle_image.py --dump). Each must have the
same shape and max|peer - Paddle| <= --rtol * max|Paddle| (default 1e-3); otherwise the line
says "agree": false with the error and the command exits 3 without timing, so a wrong
conversion cannot give a fast number. Without --reference nothing is checked ("agree": null).

Prints one JSON line on stdout.
"""

import argparse
import json
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import steptimer  # noqa: E402 (after the line above)


def fixed_input(np, n):
    i = np.arange(n, dtype=np.uint64)
    h = (i * np.uint64(2654435761)) % np.uint64(2 ** 32)
    return (h.astype(np.float64) / 2.0 ** 32 * 2 - 1).astype(np.float32)


def batch_shape(name, dims, batch):
    shape = []
    for i, d in enumerate(dims):
        if not isinstance(d, int) or d < 0:
            if i != 0:
                raise SystemExit("peer_image: input %s has an unknown extent in %s" % (name, dims))
            d = batch
        shape.append(d)
    return shape


def onnxruntime_runner(np, args):
    import onnxruntime as ort
    so = ort.SessionOptions()
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    so.intra_op_num_threads = args.threads
    so.inter_op_num_threads = 1
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    so.log_severity_level = 3
    sess = ort.InferenceSession(args.onnx, sess_options=so, providers=["CPUExecutionProvider"])
    feeds = {}
    for i in sess.get_inputs():
        shape = batch_shape(i.name, i.shape, args.batch)
        feeds[i.name] = fixed_input(np, int(np.prod(shape))).reshape(shape)

    def step():
        # run() copies the feeds in and returns freshly allocated outputs (the copy out).
        return sess.run(None, feeds)

    return step, {"engine_version": ort.__version__, "source": "onnx",
                  "providers": sess.get_providers()}


def openvino_runner(np, args):
    import openvino as ov
    core = ov.Core()
    model, source, why_not = None, None, None
    if args.paddle_model:
        try:
            from openvino.frontend import FrontEndManager
            fe = FrontEndManager().load_by_framework("paddle")
            model, source = fe.convert(fe.load(args.paddle_model)), "paddle"
        except Exception as e:  # the front end's reason, kept short, for the JSON line
            why_not = " ".join(str(e).split())
            i = why_not.rfind("failed with ")
            why_not = why_not[i + len("failed with "):][:200] if i >= 0 else why_not[-200:]
    if model is None:
        if not args.onnx:
            print(json.dumps({"impl": "openvino", "error": "no ONNX file, and the Paddle front "
                              "end does not read the model: %s" % why_not}))
            sys.exit(2)
        model, source = core.read_model(args.onnx), "onnx"
    shapes, datas = {}, []
    for port in model.inputs:
        dims = [d.get_length() if d.is_static else -1 for d in port.get_partial_shape()]
        shape = batch_shape(port.get_any_name(), dims, args.batch)
        shapes[port] = ov.PartialShape(shape)
        datas.append(fixed_input(np, int(np.prod(shape))).reshape(shape))
    model.reshape(shapes)
    config = {
        "INFERENCE_NUM_THREADS": args.threads,
        "PERFORMANCE_HINT": "LATENCY",
        "NUM_STREAMS": 1,
        "INFERENCE_PRECISION_HINT": args.precision,
    }
    compiled = core.compile_model(model, "CPU", config)
    req = compiled.create_infer_request()
    outs = compiled.outputs

    def step():
        req.infer({i: d for i, d in enumerate(datas)})
        return [np.array(req.get_tensor(o).data, copy=True) for o in outs]

    info = {"engine_version": ov.get_version(), "source": source,
            "inference_num_threads": int(compiled.get_property("INFERENCE_NUM_THREADS")),
            "inference_precision": getattr(compiled.get_property("INFERENCE_PRECISION_HINT"),
                                           "get_type_name", lambda: "?")()}
    if why_not:
        info["paddle_front_end"] = why_not
    return step, info


def agree(np, got, ref_file, rtol):
    ref = np.load(ref_file)
    want = [ref["out_%d" % i] for i in range(len(ref.files))]
    if len(got) != len(want):
        return False, "%d outputs, Paddle has %d" % (len(got), len(want))
    worst = 0.0
    for i, (a, b) in enumerate(zip(got, want)):
        a = np.asarray(a, dtype=np.float64)
        b = np.asarray(b, dtype=np.float64)
        if a.shape != b.shape:
            return False, "output %d has shape %s, Paddle's %s" % (i, a.shape, b.shape)
        scale = float(np.max(np.abs(b))) if b.size else 0.0
        err = float(np.max(np.abs(a - b))) / max(scale, 1e-30) if b.size else 0.0
        worst = max(worst, err)
        if not err <= rtol:
            return False, "output %d: max|diff| / max|Paddle| = %.3g > %g" % (i, err, rtol)
    return True, "max|diff| / max|Paddle| = %.3g" % worst


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--engine", required=True, choices=("onnxruntime", "openvino"))
    ap.add_argument("--onnx", help="the model converted by peer_convert.py (onnxruntime: required)")
    ap.add_argument("--paddle-model",
                    help="for OpenVINO's Paddle front end: the .pdmodel, or a __model__ directory")
    ap.add_argument("--batch", type=int, default=1, help="images per run (default 1)")
    ap.add_argument("--threads", type=int, default=1, help="CPU threads (default 1)")
    ap.add_argument("--seconds", type=float, default=10.0, help="timed duration (default 10)")
    ap.add_argument("--warmup", type=int, default=5, help="untimed batches first (default 5)")
    ap.add_argument("--reference", help="Paddle's outputs for this batch (.npz, out_0...)")
    ap.add_argument("--rtol", type=float, default=1e-3, help="bound of the check (default 1e-3)")
    ap.add_argument("--precision", choices=("f32", "bf16"), default="f32",
                    help="OpenVINO's inference precision (default f32)")
    args = ap.parse_args()
    if args.precision != "f32" and args.engine != "openvino":
        ap.error("--precision bf16 is OpenVINO's")
    if args.batch < 1 or args.threads < 1:
        ap.error("--batch and --threads must be >= 1")

    if args.engine == "onnxruntime" and not args.onnx:
        ap.error("--engine onnxruntime needs --onnx")
    import numpy as np
    runner = onnxruntime_runner if args.engine == "onnxruntime" else openvino_runner
    step, info = runner(np, args)
    line = dict({"impl": args.engine, "batch": args.batch, "threads": args.threads}, **info)

    for _ in range(args.warmup):
        step()
    line["agree"] = None
    if args.reference:
        ok, detail = agree(np, step(), args.reference, args.rtol)
        line["agree"], line["check"] = ok, detail
        if not ok:
            print(json.dumps(line))
            sys.exit(3)

    done, elapsed = steptimer.run_for(step, args.seconds)
    line.update({"batches": done, "seconds": round(elapsed, 3),
                 "images_per_sec": round(done * args.batch / elapsed, 3),
                 "ms_per_batch": round(1000.0 * elapsed / done, 3)})
    print(json.dumps(line))


if __name__ == "__main__":
    main()
