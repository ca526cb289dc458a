"""What a single-op oracle case is written with (imported by scripts/oracle/ops/*.py).

A case is a function decorated with @case. op_golden.py calls it inside a fresh
paddle.static program (legacy ProgramDesc IR) with a numpy RandomState seeded
from the case name; the function declares its inputs with feed(), its weights
with param(), appends ops with op() or Paddle's Python API, and returns the
variable(s) to fetch. See scripts/oracle/ops/README.md.
"""

import zlib

import numpy as np

# Set by op_golden.py before a case module is imported.
paddle = None

CASES = []      # every Case registered so far, in definition order
_current = None  # the _Recorder of the case being built


class Case:
    def __init__(self, fn, ops, rtol, atol, note):
        self.fn = fn
        self.name = fn.__name__
        self.ops = [ops] if isinstance(ops, str) else list(ops)
        self.rtol = rtol
        self.atol = atol
        self.note = note
        self.module = fn.__module__

    def seed(self):
        # Stable across runs and machines, unlike hash().
        return zlib.crc32(self.name.encode("utf-8"))


def case(ops, rtol=1e-4, atol=1e-5, note=""):
    """Registers fn as a case whose saved program must contain every op type in ops."""

    def register(fn):
        CASES.append(Case(fn, ops, rtol, atol, note))
        return fn

    return register


class _Recorder:
    def __init__(self):
        self.feeds = []  # (variable, numpy value), in declaration order


def begin():
    global _current
    _current = _Recorder()
    return _current


def feed(name, value):
    """A model input holding value (its exact shape and dtype)."""
    value = np.ascontiguousarray(value)
    var = paddle.static.data(name, list(value.shape), str(value.dtype))
    _current.feeds.append((var, value))
    return var


def param(name, value):
    """A persistable weight initialised to value; it is saved in model.pdiparams."""
    value = np.ascontiguousarray(value)
    return paddle.static.create_parameter(
        list(value.shape), str(value.dtype), name=name,
        default_initializer=paddle.nn.initializer.Assign(value))


def op(type, inputs, attrs=None, outputs=("Out",), dtype=None):
    """Appends one op exactly as written; returns its first output slot's variable(s).

    For ops or attributes that paddle's Python API does not reach in legacy
    mode (elementwise axis, v1 interp, arg_max, fc...). inputs maps slots to a
    variable or a list of them; outputs names the output slots, one variable
    each, or maps slots to a count ({"Out": 3} for split: a list comes back);
    dtype is the first slot's dtype (default: the first input's).
    Paddle's own InferShape runs on the appended op, so bad attributes fail here.
    """
    block = paddle.static.default_main_program().current_block()
    ins = {k: (v if isinstance(v, (list, tuple)) else [v]) for k, v in inputs.items()}
    first_in = next(iter(ins.values()))[0]
    counts = outputs if isinstance(outputs, dict) else {slot: 1 for slot in outputs}
    outs = {}
    for i, (slot, n) in enumerate(counts.items()):
        dt = (dtype or first_in.dtype) if i == 0 else first_in.dtype
        outs[slot] = [block.create_var(
            name=paddle.utils.unique_name.generate(type + "_" + slot.lower()), dtype=dt)
            for _ in range(n)]
    block.append_op(type=type, inputs=ins, outputs=outs, attrs=attrs or {})
    first_slot, first_n = next(iter(counts.items()))
    return outs[first_slot] if first_n > 1 else outs[first_slot][0]


def uniform(rng, shape, lo=-1.0, hi=1.0, dtype="float32"):
    return rng.uniform(lo, hi, size=shape).astype(dtype)
