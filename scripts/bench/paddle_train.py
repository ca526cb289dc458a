#!/usr/bin/env python3
"""Speed of a full training step (forward, backward, momentum update) in real Paddle's
static-graph executor, on the program gohub's fine-tuning trains (scripts/bench/trainbench).

Run inside the oracle venv (scripts/oracle/setup.sh creates it):

  build/oracle-venv/bin/python scripts/bench/paddle_train.py \
      --model ../shared/models/resnet50_imagenet_partial --batch 8 --threads 1

The program is built by scripts/oracle/train_golden.py's code (imported, not copied): the
model's inference program cut at its feature map in training mode (batch norm on batch
statistics), PaddleHub's classifier head (fc to 2 classes with softmax, cross_entropy2, mean,
top-1 accuracy), then paddle.optimizer.Momentum(learning_rate=1e-3, momentum=0.9) minimize()s
it: Paddle's own append_backward and momentum ops. Weights: the model's own; the ones it lacks
(resnet50_imagenet_partial's stage 5) He normal, seeded; the head's truncated normal.

oneDNN: with --onednn on (the default) every op of the training program that has the
use_mkldnn attribute gets it set, which picks its oneDNN kernel where Paddle has one, as
FLAGS_use_mkldnn does for the whole program; except the op types of --native-ops. With the
flag itself, Paddle 3.3.1 cannot run these programs: pool2d_grad fails with "could not create
a descriptor for a pooling backward propagation primitive" and reshape2 (ShuffleNetV2's
channel shuffle) with "could not reshape a memory descriptor", so those run Paddle's plain CPU
kernels. --onednn off: no oneDNN kernel at all (use_mkldnn false everywhere).
--threads math threads (OMP_NUM_THREADS, MKL_NUM_THREADS and core.set_num_threads, which
paddle.inference's set_cpu_math_library_num_threads calls).
Each step feeds the batch (imgbench's fixed pseudo-random images, labels i mod 2), runs the
program and fetches the loss. --warmup untimed steps, then timed steps until at least --steps
steps and --seconds seconds have passed.

Prints one JSON line on stdout: images per second and the process's peak resident memory
(VmHWM of /proc/self/status).
"""

import argparse
import json
import os
import sys
import zlib

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import steptimer  # noqa: E402 (imported after the line above)
HERE = os.path.dirname(os.path.abspath(__file__))
# Op types whose oneDNN kernels fail in Paddle 3.3.1 on these programs (see above).
NATIVE_OPS = ("pool2d_grad", "reshape2", "reshape2_grad")


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True, help="model directory (__model__ + parameter files)")
    ap.add_argument("--batch", type=int, default=8, help="images per step (default 8)")
    ap.add_argument("--threads", type=int, default=1, help="CPU math threads (default 1)")
    ap.add_argument("--side", type=int, default=224, help="image height and width (default 224)")
    ap.add_argument("--steps", type=int, default=3, help="timed steps, at least (default 3)")
    ap.add_argument("--seconds", type=float, default=0.0, help="timed duration, at least (default 0)")
    ap.add_argument("--warmup", type=int, default=2, help="untimed steps first (default 2)")
    ap.add_argument("--onednn", choices=("on", "off"), default="on")
    ap.add_argument("--native-ops", default=",".join(NATIVE_OPS),
                    help="op types that keep Paddle's plain CPU kernels with --onednn on "
                         "(default %(default)s)")
    args = ap.parse_args()
    if min(args.batch, args.threads, args.side, args.steps) < 1 or args.warmup < 0:
        ap.error("--batch, --threads, --side and --steps must be at least 1")
    return args


def main():
    args = parse_args()
    # Before paddle is loaded (train_golden imports it): its OpenMP and MKL read these once.
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(args.threads)
    onednn = args.onednn == "on"
    sys.path.insert(0, os.path.join(HERE, "..", "oracle"))
    import train_golden as tg  # noqa: E402  (imports paddle, legacy ProgramDesc IR)
    from paddle_image import fixed_input  # noqa: E402
    paddle, np = tg.paddle, tg.np
    paddle.enable_static()
    paddle.set_flags({"FLAGS_use_mkldnn": False, "FLAGS_use_onednn": False})
    paddle.base.core.set_num_threads(args.threads)

    model_dir = os.path.abspath(args.model)
    name = os.path.basename(os.path.normpath(model_dir))
    with open(os.path.join(model_dir, "__model__"), "rb") as f:
        desc_bytes = f.read()
    cut, image, feature, rows, model_persist = tg.cut_program(desc_bytes, args.side)
    rng = np.random.RandomState(zlib.crc32(name.encode("utf-8")))
    cls_w = tg.truncated_normal(rng, [rows, tg.CLASSES], 0.02)
    forward, names = tg.append_head(cut, feature, rows, cls_w)
    block = forward.global_block()
    persist = sorted(v.name for v in block.vars.values() if v.persistable)
    weights = tg.load_weights(model_dir, model_persist)
    init, missing = {}, []
    for n in persist:
        if n == "cls_out_w":
            init[n] = cls_w
        elif n == "cls_out_b":
            init[n] = np.zeros([tg.CLASSES], np.float32)
        elif n in weights:
            init[n] = weights[n]
        else:
            init[n] = tg.seeded_conv_weight(n, list(block.var(n).shape))
            missing.append(n)

    prog = forward.clone()
    startup = paddle.static.Program()
    with paddle.static.program_guard(prog, startup), paddle.utils.unique_name.guard():
        paddle.optimizer.Momentum(learning_rate=1e-3, momentum=0.9).minimize(
            prog.global_block().var(names["loss"]))

    native = {t for t in args.native_ops.split(",") if t}
    onednn_ops = set()
    for op in prog.global_block().ops:
        if op.has_attr("use_mkldnn"):
            on = onednn and op.type not in native
            op._set_attr("use_mkldnn", on)
            if on:
                onednn_ops.add(op.type)

    x = fixed_input(np, args.batch * 3 * args.side * args.side).reshape(
        [args.batch, 3, args.side, args.side])
    y = (np.arange(args.batch) % tg.CLASSES).astype(np.int64).reshape([args.batch, 1])
    exe = paddle.static.Executor(paddle.CPUPlace())
    scope = paddle.static.Scope()
    with paddle.static.scope_guard(scope):
        exe.run(startup)
        for n in persist:
            scope.var(n).get_tensor().set(init[n], paddle.CPUPlace())

        def step():
            loss, = exe.run(prog, feed={image: x, tg.LABEL: y}, fetch_list=[names["loss"]])
            loss = float(np.asarray(loss).reshape(-1)[0])
            if not np.isfinite(loss):
                raise SystemExit("paddle_train: the loss is %r" % loss)
            return loss

        timing = steptimer.time_steps(step, args.warmup, args.steps, args.seconds, args.batch)

    print(json.dumps({
        "impl": "paddle_static",
        "paddle_version": paddle.__version__,
        "model": name,
        "batch": args.batch,
        "threads": args.threads,
        "side": args.side,
        "onednn": onednn,
        "onednn_op_types": len(onednn_ops),
        "native_ops": sorted(native) if onednn else [],
        **timing,
        "peak_rss_mib": steptimer.peak_rss_mib(),
        "seeded_missing": len(missing),
        "ops": len(prog.global_block().ops),
    }))


if __name__ == "__main__":
    main()
