#!/usr/bin/env python3
"""Runs a model that gohub exported (paddle.SaveInferenceModel: __model__ + one file per
parameter) in real paddle.inference and writes its first output as raw little-endian float32.

Called by paddle/train_models_test.go with the oracle venv's python:

  train_export_check.py --model DIR --input IN.bin --shape 2,3,64,64 --output OUT.bin

The input is raw little-endian float32 of that shape, fed to the model's only input. IR
optimisation and oneDNN are off: Paddle's plain CPU kernels, as in model_golden.py.
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

    config = inference.Config(args.model)
    config.disable_gpu()
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
    out = predictor.get_output_handle(predictor.get_output_names()[0]).copy_to_cpu()
    np.ascontiguousarray(out, dtype="<f4").tofile(args.output)
    print("train_export_check: %s -> output %r" % (args.model, list(out.shape)))


if __name__ == "__main__":
    main()
