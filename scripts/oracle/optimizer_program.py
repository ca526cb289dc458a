#!/usr/bin/env python3
"""Prints the ops Paddle 3.3.1's static optimizers append after the backward part, for the Go
side (which appends the same ops itself): gradient clipping (ClipGradByGlobalNorm, ByNorm,
ByValue), regularisation (L2Decay) and the update ops of SGD, Momentum, Adam and AdamW, with
their slots and attributes, and the startup program's initialisers and accumulators.

Run in the oracle venv: build/oracle-venv/bin/python scripts/oracle/optimizer_program.py

The program: x [4,6] -> mul by w [6,3] -> elementwise_add b [3] -> mean; minimize(loss).

Paddle 3.3.1 binds paddle.sqrt and paddle.maximum straight to its C++ ops, which accept only
PIR values, so its own ClipGradByGlobalNorm fails on the legacy ProgramDesc IR ("sqrt():
argument (position 1) must be Value, but got Variable"). This script gives those two functions
back the legacy bodies Paddle 2.6 had (one `sqrt` op; one `elementwise_max` op, axis -1), which
is what the clip would append if it ran; everything else is Paddle's own code.
"""

import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lac_common  # noqa: E402

paddle = lac_common.quiet_paddle_import(legacy_static=True)
from paddle.base.layer_helper import LayerHelper  # noqa: E402

# Attributes every op carries that say nothing about the math.
BOILERPLATE = {"op_callstack", "op_namescope", "op_device", "with_quant_attr", "use_mkldnn",
               "use_onednn", "mkldnn_data_type", "onednn_data_type", "use_quantizer", "Scale_x",
               "Scale_y", "Scale_out", "x_data_format", "y_data_format", "use_cudnn"}


def _legacy(op_type, inputs, attrs):
    helper = LayerHelper(op_type)
    out = helper.create_variable_for_type_inference(next(iter(inputs.values())).dtype)
    helper.append_op(type=op_type, inputs=inputs, outputs={"Out": out}, attrs=attrs)
    return out


paddle.sqrt = lambda x, name=None: _legacy("sqrt", {"X": x}, {})
paddle.maximum = lambda x, y, name=None: _legacy("elementwise_max", {"X": x, "Y": y},
                                                 {"axis": -1})


def describe(op):
    ins = {s: op.input(s) for s in op.input_names if op.input(s)}
    outs = {s: op.output(s) for s in op.output_names if op.output(s)}
    attrs = {a: op.attr(a) for a in sorted(op.attr_names) if a not in BOILERPLATE}
    return "%s\n    in  %s\n    out %s\n    attrs %s" % (op.type, ins, outs, attrs)


def dump(title, make_optimizer):
    main, startup = paddle.static.Program(), paddle.static.Program()
    with paddle.static.program_guard(main, startup), paddle.utils.unique_name.guard():
        x = paddle.static.data("x", [4, 6], "float32")
        w = paddle.static.create_parameter([6, 3], "float32", name="w")
        b = paddle.static.create_parameter([3], "float32", name="b", is_bias=True)
        block = main.global_block()
        h = block.create_var(name="h", dtype="float32", shape=[4, 3])
        block.append_op(type="mul", inputs={"X": x, "Y": w}, outputs={"Out": h},
                        attrs={"x_num_col_dims": 1, "y_num_col_dims": 1})
        y = block.create_var(name="y", dtype="float32", shape=[4, 3])
        block.append_op(type="elementwise_add", inputs={"X": h, "Y": b}, outputs={"Out": y},
                        attrs={"axis": 1})
        make_optimizer().minimize(paddle.mean(y))
    print("=" * 20, title)
    optimize = 2  # op_role Optimize; forward 0, backward 1, loss 256
    for op in main.global_block().ops:
        if op.attr("op_role") & optimize and not op.attr("op_role") & 1:
            print(describe(op))
    print("-- startup")
    for op in startup.global_block().ops:
        print(describe(op))


def main():
    clip = lambda: paddle.nn.ClipGradByGlobalNorm(clip_norm=1.0)  # noqa: E731
    l2 = lambda: paddle.regularizer.L2Decay(0.01)  # noqa: E731
    opt = paddle.optimizer
    dump("SGD + ClipGradByGlobalNorm(1.0)", lambda: opt.SGD(0.1, grad_clip=clip()))
    dump("SGD + ClipGradByNorm(1.0)", lambda: opt.SGD(0.1, grad_clip=paddle.nn.ClipGradByNorm(1.0)))
    dump("SGD + ClipGradByValue(1.0)",
         lambda: opt.SGD(0.1, grad_clip=paddle.nn.ClipGradByValue(1.0)))
    dump("Adam + L2Decay(0.01) + ClipGradByGlobalNorm(1.0)",
         lambda: opt.Adam(0.01, grad_clip=clip(), weight_decay=l2()))
    dump("Momentum(0.9) + L2Decay(0.01) + ClipGradByGlobalNorm(1.0)",
         lambda: opt.Momentum(0.01, momentum=0.9, grad_clip=clip(), weight_decay=l2()))
    dump("AdamW(weight_decay 0.01) + ClipGradByGlobalNorm(1.0)",
         lambda: opt.AdamW(0.01, grad_clip=clip(), weight_decay=0.01))


if __name__ == "__main__":
    paddle.enable_static()
    main()
