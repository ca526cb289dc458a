#!/usr/bin/env python3
"""Runs a model that gohub exported (paddle.SaveInferenceModel: __model__ + one file per
parameter) in real paddle.inference and writes its outputs as raw little-endian float32.

Called by paddle/train_models_test.go with the oracle venv's python:

  train_export_check.py --model DIR --input IN.bin --shape 2,3,64,64 --output PREFIX

writes PREFIX_<i>.bin for the model's i-th fetch target.

The input is raw little-endian float32 of that shape, fed to the model's only input. The
output written is that of IR optimisation and oneDNN off (Paddle's plain CPU kernels, as in
model_golden.py); the default configuration (IR passes, oneDNN) runs too and must agree with
it within 1e-4.
"""

import argparse
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lac_common  # noqa: E402

paddle = lac_common.quiet_paddle_import()
import numpy as np  # noqa: E402
from paddle import inference  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", required=True)
    ap.add_argument("--input", required=True)
    ap.add_argument("--shape", required=True)
    ap.add_argument("--output", required=True)
    args = ap.parse_args()
    shape = [int(d) for d in args.shape.split(",")]
    x = np.fromfile(args.input, dtype="<f4").reshape(shape)

    outs = run(args.model, shape, x, plain=True)
    for i, out in enumerate(outs):
        np.ascontiguousarray(out, dtype="<f4").tofile("%s_%d.bin" % (args.output, i))
    # Paddle Inference's defaults (IR passes such as conv + batch_norm fusion, oneDNN) must
    # load the model too and agree.
    defaults = run(args.model, shape, x, plain=False)
    diff = max(float(np.abs(d - o).max() / max(float(np.abs(o).max()), 1e-30))
               for d, o in zip(defaults, outs))
    print("train_export_check: %s -> outputs %s; the default config (IR passes, oneDNN) differs "
          "by %.3g relative" % (args.model, " ".join(str(list(o.shape)) for o in outs), diff))
    if diff > 1e-4:
        raise SystemExit("paddle.inference's default config disagrees with its plain one: %.3g"
                         % diff)


def run(model, shape, x, plain):
    config = inference.Config(model)
    config.disable_gpu()
    if plain:
        config.switch_ir_optim(False)
        config.disable_mkldnn()
    config.set_cpu_math_library_num_threads(1)
    predictor = inference.create_predictor(config)
    names = predictor.get_input_names()
    if len(names) != 1:
        raise SystemExit("expected one input, the model has %r" % names)
    h = predictor.get_input_handle(names[0])
    h.reshape(shape)
    h.copy_from_cpu(x)
    predictor.run()
    return [predictor.get_output_handle(n).copy_to_cpu() for n in predictor.get_output_names()]


if __name__ == "__main__":
    main()
