"""What the single-op oracle (op_golden.py) and the gradient oracle (grad_golden.py) share:
loading the case modules of a folder, and writing tensors as the C++ tests read them."""

import importlib.util
import os

import numpy as np

NAME_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789_")


def load_case_modules(case_dir, module_prefix, cases):
    """Imports every case file of case_dir (not those starting with _), whose @case
    decorators append to cases; returns cases after checking the names."""
    for fname in sorted(os.listdir(case_dir)):
        if not fname.endswith(".py") or fname.startswith("_"):
            continue
        spec = importlib.util.spec_from_file_location(module_prefix + fname[:-3],
                                                      os.path.join(case_dir, fname))
        spec.loader.exec_module(importlib.util.module_from_spec(spec))
    names = [c.name for c in cases]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise SystemExit("duplicate case names: %s" % ", ".join(dup))
    bad = [n for n in names if not set(n) <= NAME_CHARS]
    if bad:
        # The C++ test turns names into GoogleTest parameter names.
        raise SystemExit("case names must be lower-case [a-z0-9_]: %s" % ", ".join(bad))
    return cases


def tensor_entry(name, value, fname):
    return {"name": name, "dtype": str(value.dtype), "shape": list(value.shape), "file": fname}


def write_raw(path, value):
    """value as raw little-endian bytes."""
    value = np.ascontiguousarray(value)
    if value.dtype.byteorder == ">":
        value = value.byteswap().view(value.dtype.newbyteorder("<"))
    value.tofile(path)
