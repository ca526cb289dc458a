#!/usr/bin/env python3
"""ResNet-50 with the real graph and variable names and seeded weights, written by real Paddle.

$GOHUB_SHARED/models/resnet50_topology has the program of the ResNet-50 that PaddleHub ships
(PaddleClas names: conv1_weights, bn_conv1_*, res2a_branch2a_weights, ..., fc_0.w_0) but no
weights, and the pretrained weights are not available offline. This script loads that program
in real Paddle (legacy ProgramDesc IR), gives every persistable variable of its declared shape
seeded random values, and has Paddle save it as an inference model:

  $GOHUB_BUILD_MODELS/resnet50_seeded/model.pdmodel, model.pdiparams   (default build/models)

about 100 MB, so it is not committed: the golden output in testdata/models/resnet50_seeded/ is,
and this script rewrites it too (model_golden.py --only resnet50_seeded). The weights come from
numpy's RandomState seeded by each variable's name (crc32), whose streams numpy keeps stable
across versions, so regenerating on any machine gives the same model bytes and the committed
golden output stays valid.

Scales keep activations in a useful range (He-normal convolutions, batch-norm scales below one,
positive variances), so the logits are O(1) and the softmax is neither saturated nor flat.
"""

import argparse
import hashlib
import os
import sys
import zlib

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import model_golden  # noqa: E402  (imports paddle on the legacy IR)
import op_golden  # noqa: E402

paddle = model_golden.paddle
np = model_golden.np


def seeded_value(name, shape):
    rng = np.random.RandomState(zlib.crc32(name.encode("utf-8")))
    shape = tuple(shape)
    if name.endswith("_weights"):  # conv [O, I, kh, kw]
        fan_in = int(np.prod(shape[1:]))
        return rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)
    if name.endswith("_variance"):
        return rng.uniform(0.5, 1.5, shape)
    if name.endswith("_scale"):
        return rng.uniform(0.2, 0.6, shape)
    if name.endswith("_offset") or name.endswith("_mean"):
        return rng.uniform(-0.1, 0.1, shape)
    if name == "fc_0.w_0":  # [2048, 1000]; the pooled features are O(0.1): logits O(1)
        return rng.standard_normal(shape) * 0.2
    if name == "fc_0.b_0":
        return rng.uniform(-0.1, 0.1, shape)
    raise SystemExit("resnet50_seeded: no rule for weight %s %r" % (name, shape))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model-only", action="store_true",
                    help="write the model but not its golden case (models_run.sh writes all cases)")
    args = ap.parse_args()
    paddle.enable_static()
    src = os.path.join(model_golden.lac_common.shared_dir(), "models", "resnet50_topology",
                       "__model__")
    with open(src, "rb") as f:
        prog = paddle.static.Program.parse_from_string(f.read())
    block = prog.global_block()
    feeds = [o.output("Out")[0] for o in block.ops if o.type == "feed"]
    fetches = [o.input("X")[0] for o in block.ops if o.type == "fetch"]
    weights = sorted(v.name for v in block.vars.values()
                     if v.persistable and v.name not in ("feed", "fetch"))

    out_dir = os.path.join(model_golden.build_models_dir(), "resnet50_seeded")
    os.makedirs(out_dir, exist_ok=True)
    prefix = os.path.join(out_dir, "model")
    exe = paddle.static.Executor(paddle.CPUPlace())
    scope = paddle.static.Scope()
    with paddle.static.scope_guard(scope):
        for name in weights:
            value = seeded_value(name, block.var(name).shape).astype(np.float32)
            scope.var(name).get_tensor().set(value, paddle.CPUPlace())
        paddle.static.save_inference_model(prefix, [block.var(n) for n in feeds],
                                           [block.var(n) for n in fetches], exe, program=prog)
    op_golden.strip_callstacks(prefix + ".pdmodel")
    with open(prefix + ".pdiparams", "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    print("resnet50_seeded: %d weights -> %s (params sha256 %s)" % (len(weights), out_dir, digest),
          file=sys.stderr)
    if not args.model_only:
        model_golden.main(["--only", "resnet50_seeded"])


if __name__ == "__main__":
    main()
