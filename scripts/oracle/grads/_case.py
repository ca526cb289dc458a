"""What a gradient oracle case is written with (imported by scripts/oracle/grads/*.py).

A case is a function decorated with @case. grad_golden.py calls it inside a fresh
paddle.static program (legacy ProgramDesc IR) with a numpy RandomState seeded from
the case name; the function declares its inputs with feed() (grad=True for a feed
whose gradient is wanted), its parameters with param(), appends ops with op() or
Paddle's Python API, and returns the scalar loss variable. The harness clones the
program (forward.pdmodel), calls paddle.static.append_backward(loss, no_grad_set)
(backward.pdmodel) and runs it once. See scripts/oracle/grads/README.md.
"""

import zlib

import numpy as np

import op_case

# Set by grad_golden.py before a case module is imported.
paddle = None

CASES = []       # every GradCase registered so far, in definition order
_current = None  # the _Recorder of the case being built


class GradCase:
    def __init__(self, fn, no_grad_set, rtol, atol, note):
        self.fn = fn
        self.name = fn.__name__
        self.no_grad_set = list(no_grad_set)
        self.rtol = rtol
        self.atol = atol
        self.note = note
        self.module = fn.__module__

    def seed(self):
        # Stable across runs and machines, unlike hash().
        return zlib.crc32(self.name.encode("utf-8"))


def case(no_grad_set=(), rtol=1e-4, atol=1e-5, note=""):
    """Registers fn as a gradient case; no_grad_set names go to append_backward."""

    def register(fn):
        CASES.append(GradCase(fn, no_grad_set, rtol, atol, note))
        return fn

    return register


class _Recorder:
    def __init__(self):
        self.feeds = []   # (variable, numpy value), in declaration order
        self.params = []  # (variable, numpy initial value), in declaration order


def begin():
    global _current
    _current = _Recorder()
    return _current


def feed(name, value, grad=False):
    """A program input holding value (its exact shape and dtype).

    grad=True clears the variable's stop_gradient (paddle.static.data sets it), so that
    append_backward computes name@GRAD and the harness fetches it.
    """
    value = np.ascontiguousarray(value)
    var = paddle.static.data(name, list(value.shape), str(value.dtype))
    var.stop_gradient = not grad
    _current.feeds.append((var, value))
    return var


def param(name, value, stop_gradient=False):
    """A trainable parameter initialised to value (an Assign initializer in the startup
    program); stop_gradient=True keeps it out of the backward pass."""
    value = np.ascontiguousarray(value)
    var = paddle.static.create_parameter(
        list(value.shape), str(value.dtype), name=name,
        default_initializer=paddle.nn.initializer.Assign(value))
    if stop_gradient:
        var.stop_gradient = True
    _current.params.append((var, value))
    return var


# op(type, inputs, attrs=None, outputs=("Out",), dtype=None) appends one op exactly as
# written (legacy mul, elementwise axis, mean...); uniform(rng, shape, lo, hi) draws inputs.
op = op_case.op
uniform = op_case.uniform


def away_from_zero(x, margin=0.05):
    """x with every |value| < margin pushed out to ±margin (keeps relu/abs off their kinks)."""
    x = x.copy()
    small = np.abs(x) < margin
    x[small] = np.where(x[small] < 0, -margin, margin).astype(x.dtype)
    return x
