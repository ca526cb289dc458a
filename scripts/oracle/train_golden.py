#!/usr/bin/env python3
"""Whole-program training goldens from real PaddlePaddle: build/train-goldens/<model>/.

Run inside the oracle venv (scripts/oracle/train_run.sh does). For each real model under
$GOHUB_SHARED/models (cifar_resnet, gesture_rec, shufflenet_v2_imagenet,
resnet50_imagenet_partial) this script builds what PaddleHub 1.x fine-tuning builds and has
real Paddle (legacy ProgramDesc IR, CPU executor) train it:

  1. The inference program is cut at the feature map: the input X of its last `mul` (the final
     fc). Feed/fetch ops and every op the feature map does not depend on are dropped. When the
     feature map comes from an avg pool2d, that pool becomes global (equal at the model's own
     input size; needed for the small inputs used here), and reshape2 shapes that spell out a
     full-size input's height and width (ShuffleNetV2's channel shuffle) are scaled to them.
  2. PaddleHub 1.x's classifier head is appended: fc to 2 classes with softmax (mul +
     elementwise_add(axis 1) + softmax; parameters cls_out_w, TruncatedNormal std 0.02 seeded,
     and cls_out_b = 0), cross_entropy2 against the int64 feed `label` [-1, 1], mean (the loss),
     and accuracy over top_k (k 1).
  3. Training mode: every op's is_test is false (PaddleHub's set_op_attr), batch_norm's
     use_global_stats is false (batch statistics; running mean/variance updated). Weights and
     batch-norm scales/offsets are trainable parameters; running statistics are not.
  4. paddle.optimizer (SGD lr 0.01; Momentum lr 1e-3 mu 0.9 weight_decay L2Decay(1e-4); Adam lr
     1e-4) minimize()s a clone of that forward program: Paddle's own append_backward plus its
     optimizer ops. The SGD program runs one step (the goldens: the loss and every parameter's
     gradient); the Momentum and Adam programs run 20 steps on a fixed sequence of seeded
     batches (the goldens: the loss of every step, every persistable of the forward program -
     parameters and running statistics - after step 20). Every step also records the float32
     activations of its forward pass that its backward ops read (the sets fwd_<opt>_<step>):
     the Go test runs the backward and optimizer ops on Paddle's activations, so that a ReLU
     input that float32 rounding puts on the other side of zero in one engine and not in the
     other (a kink: the gradient is discontinuous there) does not read as a wrong kernel. The
     same sets hold the gradients that are float32 noise (see NOISE), which the Go test hands
     to the optimizer in place of its own: Adam turns noise into steps of the learning rate.

Weights: the model's own (one file per parameter, or the combined `params` of gesture_rec);
resnet50_imagenet_partial lacks its stage-5 convolutions, initialised here from numpy
RandomState seeded by crc32(name) (He normal). Inputs: N(0, 1) images, 2 per batch, 32x32
(cifar_resnet) or 64x64; labels uniform in {0, 1}; RandomState seeded by crc32(model name).

Per model, in build/train-goldens/<model>/ (the Go test paddle/train_models_test.go reads it):
  forward.pdmodel                  the forward program with the head (ProgramDesc bytes)
  train_sgd.pdmodel, train_momentum.pdmodel, train_adam.pdmodel   Paddle's training programs
  *.bin                            raw little-endian tensors, row-major, concatenated
  index.json                       loss / label / image names, the parameter list, the losses of
                                   every step, and for each tensor set (init, init_<opt>,
                                   batches, sgd_step1, fwd_<opt>_<step>, momentum_final,
                                   adam_final) its file and per tensor name, dtype, shape,
                                   byte offset (or "zeros": true, no bytes, for all zeros)
  stamp                            hash of this script, Paddle version, the model's file names and
                                   sizes; a model directory whose stamp differs is regenerated,
                                   one that matches is kept

  train_golden.py                  (re)generate stale or missing models
  train_golden.py --force          regenerate every model
  train_golden.py --only a,b       just these models
"""

import argparse
import hashlib
import json
import os
import shutil
import sys
import tempfile
import zlib

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import lac_common  # noqa: E402

paddle = lac_common.quiet_paddle_import(legacy_static=True)
import numpy as np  # noqa: E402
from paddle.base.proto import framework_pb2  # noqa: E402

FORMAT = 1  # bump when the layout of the output changes
OUT_DIR = os.path.join(lac_common.REPO_ROOT, "build", "train-goldens")
STEPS = 20
BATCH = 2
CLASSES = 2
LABEL = "label"
# A gradient whose largest value is below NOISE times the step's largest gradient is float32
# rounding noise: analytically zero (the offset of a batch norm whose output reaches the loss
# only through convolutions into another training-mode batch norm, as in ShuffleNetV2 and
# MobileNetV2's linear bottlenecks).
# For Adam, which normalises every value of a gradient, values below NOISE times the largest
# of their gradient count as noise too (a channel whose terms cancel, to 0 or to a few ulps):
# the Adam sets store which (<grad>@noise_mask: numpy.packbits of the flat mask, most
# significant bit first) and Paddle's values there, in order (<grad>@noise_value).
NOISE = 1e-4
NOISE_MASK, NOISE_VALUE = "@noise_mask", "@noise_value"

# model -> input side; the feed is the model's own feed variable.
MODELS = {
    "cifar_resnet": 32,
    "gesture_rec": 64,
    "shufflenet_v2_imagenet": 64,
    "resnet50_imagenet_partial": 64,
}

# Fine-tuning learning rates (PaddleHub's default strategy is Adam at 1e-4): the trajectories
# of two float32 engines stay close for 20 steps, so the comparison measures the engines, not
# the chaos of an aggressive schedule.
OPTIMIZERS = {
    "sgd": lambda: paddle.optimizer.SGD(learning_rate=0.01),
    "momentum": lambda: paddle.optimizer.Momentum(
        learning_rate=1e-3, momentum=0.9, weight_decay=paddle.regularizer.L2Decay(1e-4)),
    "adam": lambda: paddle.optimizer.Adam(learning_rate=1e-4),
}

# framework.proto's VarType.Type codes of the dtypes used here.
DTYPES = {5: np.float32, 3: np.int64, 2: np.int32}

A_INT, A_BOOLEAN = framework_pb2.INT, framework_pb2.BOOLEAN


# ---------------------------------------------------------------- Paddle's parameter files

def read_lod_tensor(f):
    """One LoDTensor from a stream in save_vars / save_combine's format."""
    def take(n):
        b = f.read(n)
        if len(b) != n:
            raise EOFError("truncated LoDTensor")
        return b

    np.frombuffer(take(4), "<u4")  # version
    for _ in range(int(np.frombuffer(take(8), "<u8")[0])):  # LoD levels
        take(int(np.frombuffer(take(8), "<u8")[0]))
    np.frombuffer(take(4), "<u4")  # tensor version
    desc = framework_pb2.VarType.TensorDesc()
    desc.ParseFromString(take(int(np.frombuffer(take(4), "<i4")[0])))
    dtype = np.dtype(DTYPES[desc.data_type]).newbyteorder("<")
    dims = list(desc.dims)
    n = int(np.prod(dims)) if dims else 1
    return np.frombuffer(take(n * dtype.itemsize), dtype).reshape(dims).astype(dtype.newbyteorder("="))


def load_weights(model_dir, names):
    """name -> array for the names present: per-parameter files, or the combined `params` file
    (every persistable of the model, in sorted-name order)."""
    combined = os.path.join(model_dir, "params")
    out = {}
    if os.path.isfile(combined):
        with open(combined, "rb") as f:
            for n in sorted(names):
                out[n] = read_lod_tensor(f)
            if f.read(1):
                raise SystemExit("%s: bytes left after %d tensors" % (combined, len(names)))
        return out
    for n in names:
        p = os.path.join(model_dir, n)
        if os.path.isfile(p):
            with open(p, "rb") as f:
                out[n] = read_lod_tensor(f)
    return out


def seeded_conv_weight(name, shape):
    """He-normal weights for a parameter the model lacks (resnet50_imagenet_partial's stage 5)."""
    if not name.endswith("_weights") or len(shape) != 4:
        raise SystemExit("no initialiser for missing weight %s %r" % (name, shape))
    rng = np.random.RandomState(zlib.crc32(name.encode("utf-8")))
    return (rng.standard_normal(shape) * np.sqrt(2.0 / np.prod(shape[1:]))).astype(np.float32)


def truncated_normal(rng, shape, std):
    """TruncatedNormal(0, std): values beyond 2 std are drawn again (Paddle's rule)."""
    out = rng.standard_normal(shape)
    bad = np.abs(out) > 2
    while bad.any():
        out[bad] = rng.standard_normal(int(bad.sum()))
        bad = np.abs(out) > 2
    return (out * std).astype(np.float32)


# ---------------------------------------------------------------- the forward program

def op_args(op, side):
    return [a for v in (op.inputs if side == "in" else op.outputs) for a in v.arguments]


def set_bool_attr(op, name, value):
    """Sets (or adds) a BOOLEAN attribute, replacing one of another type (Fluid 1.x models
    carry is_test as INT)."""
    for a in list(op.attrs):
        if a.name == name:
            op.attrs.remove(a)
    a = op.attrs.add()
    a.name, a.type, a.b = name, A_BOOLEAN, value


def has_attr(op, name):
    return any(a.name == name for a in op.attrs)


def cut_program(desc_bytes, side):
    """The model's ProgramDesc cut at the feature map, in training mode; returns
    (ProgramDesc, image feed name, feature map name, fc rows)."""
    prog = framework_pb2.ProgramDesc()
    prog.ParseFromString(desc_bytes)
    if len(prog.blocks) != 1:
        raise SystemExit("expected one block, got %d" % len(prog.blocks))
    block = prog.blocks[0]
    feeds = [op_args(o, "out")[0] for o in block.ops if o.type == "feed"]
    if len(feeds) != 1:
        raise SystemExit("expected one feed, got %r" % feeds)
    image = feeds[0]
    muls = [o for o in block.ops if o.type == "mul"]
    feature = muls[-1].inputs[[v.parameter for v in muls[-1].inputs].index("X")].arguments[0]
    fc_w = muls[-1].inputs[[v.parameter for v in muls[-1].inputs].index("Y")].arguments[0]
    vars_by_name = {v.name: v for v in block.vars}
    all_persist = sorted(v.name for v in block.vars
                         if v.persistable and v.name not in ("feed", "fetch"))
    rows = vars_by_name[fc_w].type.dense_tensor.tensor.dims[0]

    # Keep the ops the feature map depends on.
    need, keep = {feature}, []
    for o in reversed(block.ops):
        if o.type in ("feed", "fetch"):
            continue
        if any(a in need for a in op_args(o, "out")):
            keep.append(o)
            need.update(op_args(o, "in"))
    keep.reverse()
    kept = []
    for o in keep:
        c = framework_pb2.OpDesc()
        c.CopyFrom(o)
        kept.append(c)
    producer = {a: o for o in kept for a in op_args(o, "out")}
    reserve = []
    pool = producer.get(feature)
    if pool is not None and pool.type == "pool2d":
        if any(a.name == "pooling_type" and a.s == "avg" for a in pool.attrs):
            set_bool_attr(pool, "global_pooling", True)
    full = vars_by_name[image].type.dense_tensor.tensor.dims[-1]
    for o in kept:
        if o.type == "reshape2" and side != full:
            # ShuffleNetV2's channel shuffle reshapes to [-1, g, c/g, h, w] with the h and w of
            # a full-size input written in: scale them to this input's.
            for a in o.attrs:
                if a.name == "shape" and len(a.ints) >= 4:
                    hw = list(a.ints[-2:])
                    if any(d <= 0 or d * side % full for d in hw):
                        raise SystemExit("reshape2 %r: cannot scale to input side %d"
                                         % (list(a.ints), side))
                    a.ints[-2:] = [d * side // full for d in hw]
        if has_attr(o, "is_test"):
            set_bool_attr(o, "is_test", False)
        if o.type == "batch_norm":
            set_bool_attr(o, "use_global_stats", False)
            set_bool_attr(o, "is_test", False)
            if "ReserveSpace" not in [v.parameter for v in o.outputs]:
                # Paddle 3's batch_norm kernel writes it in training (Fluid 1.x had no slot).
                saved = o.outputs[[v.parameter for v in o.outputs].index("SavedMean")]
                r = o.outputs.add()
                r.parameter = "ReserveSpace"
                r.arguments.append(saved.arguments[0] + ".reserve_space")
                reserve.append(r.arguments[0])
        if o.type == "dropout":
            raise SystemExit("dropout in training mode draws random masks that no other "
                             "engine reproduces: this oracle cannot check %s" % op_args(o, "out"))
        if not has_attr(o, "op_device"):
            # Paddle 3's optimizer reads it from the ops that use a parameter; Fluid 1.x
            # programs predate it.
            a = o.attrs.add()
            a.name, a.type, a.s = "op_device", framework_pb2.STRING, ""
        for a in o.attrs:
            if a.name == "op_callstack":
                del a.strings[:]
    del block.ops[:]
    block.ops.extend(kept)

    used = set()
    for o in kept:
        used.update(op_args(o, "in"))
        used.update(op_args(o, "out"))
    running = {a for o in kept if o.type == "batch_norm"
               for v in o.inputs if v.parameter in ("Mean", "Variance") for a in v.arguments}
    new_vars = []
    for v in block.vars:
        if v.name not in used:
            continue
        if v.name == image:
            dims = v.type.dense_tensor.tensor.dims
            dims[:] = [-1, dims[1], side, side]
            v.stop_gradient = True
        elif v.persistable:
            if v.name in running:
                v.is_parameter, v.stop_gradient = False, True
            else:
                v.is_parameter, v.stop_gradient = True, False
        new_vars.append(v)
    for n in reserve:
        v = framework_pb2.VarDesc()
        v.name, v.persistable, v.stop_gradient = n, False, True
        v.type.type = framework_pb2.VarType.DENSE_TENSOR
        v.type.dense_tensor.tensor.data_type = framework_pb2.VarType.FP32
        v.type.dense_tensor.tensor.dims[:] = [-1]
        new_vars.append(v)
    del block.vars[:]
    block.vars.extend(new_vars)
    return prog, image, feature, rows, all_persist


def append_head(prog_desc, feature, rows, cls_w):
    """Parses the cut program into a paddle.static.Program and appends the classifier head;
    returns (program, names)."""
    main = paddle.static.Program.parse_from_string(prog_desc.SerializeToString())
    startup = paddle.static.Program()
    block = main.global_block()
    for o in block.ops:
        # Fluid 1.x ops lack attributes added since (pool2d's adaptive, op_device, ...):
        # Paddle's attribute checker adds them with their default values.
        o.desc.check_attrs()
    with paddle.static.program_guard(main, startup):
        label = paddle.static.data(LABEL, [-1, 1], "int64")
        w = paddle.static.create_parameter(
            [rows, CLASSES], "float32", name="cls_out_w",
            default_initializer=paddle.nn.initializer.Assign(cls_w))
        b = paddle.static.create_parameter(
            [CLASSES], "float32", name="cls_out_b",
            default_initializer=paddle.nn.initializer.Constant(0.0))

        def var(name, dtype="float32"):
            return block.create_var(name=name, dtype=dtype)

        fc_mul, fc_add, prob = var("cls_out.tmp_0"), var("cls_out.tmp_1"), var("cls_out.tmp_2")
        block.append_op(type="mul", inputs={"X": [block.var(feature)], "Y": [w]},
                        outputs={"Out": [fc_mul]},
                        attrs={"x_num_col_dims": 1, "y_num_col_dims": 1})
        block.append_op(type="elementwise_add", inputs={"X": [fc_mul], "Y": [b]},
                        outputs={"Out": [fc_add]}, attrs={"axis": 1})
        block.append_op(type="softmax", inputs={"X": [fc_add]}, outputs={"Out": [prob]},
                        attrs={"axis": -1})
        ce = var("cross_entropy2_0.tmp_0")
        block.append_op(type="cross_entropy2", inputs={"X": [prob], "Label": [label]},
                        outputs={"Y": [ce], "XShape": [var("cross_entropy2_0.tmp_1")],
                                 "MatchX": [var("cross_entropy2_0.tmp_2")]},
                        attrs={"ignore_index": -100})
        loss = var("mean_0.tmp_0")
        block.append_op(type="mean", inputs={"X": [ce]}, outputs={"Out": [loss]})
        top, idx = var("top_k_0.tmp_0"), var("top_k_0.tmp_1", "int64")
        block.append_op(type="top_k", inputs={"X": [prob]},
                        outputs={"Out": [top], "Indices": [idx]}, attrs={"k": 1})
        acc = var("accuracy_0.tmp_0")
        block.append_op(type="accuracy", inputs={"Out": [top], "Indices": [idx],
                                                  "Label": [label]},
                        outputs={"Accuracy": [acc], "Correct": [var("accuracy_0.tmp_1", "int32")],
                                 "Total": [var("accuracy_0.tmp_2", "int32")]})
    return main, {"loss": loss.name, "accuracy": acc.name, "prob": prob.name}


def program_bytes(program):
    prog = framework_pb2.ProgramDesc()
    prog.ParseFromString(program.desc.serialize_to_string())
    for block in prog.blocks:
        for o in block.ops:
            for a in o.attrs:
                if a.name == "op_callstack":
                    del a.strings[:]
    return prog.SerializeToString()


def backward_start(block):
    """Index of the first backward op (the fill_constant of loss@GRAD)."""
    for i, o in enumerate(block.ops):
        if o.has_attr("op_role") and int(o.attr("op_role")) & 1:
            return i
    raise SystemExit("the program has no backward ops")


def forward_values(block):
    """The float32 activations that the forward ops write and the backward ops read (not
    persistables, XShape or ReserveSpace, which hold no values the backward reads)."""
    start = backward_start(block)
    read = {n for o in block.ops[start:] for n in o.input_arg_names}
    out = []
    for o in block.ops[:start]:
        for slot in o.output_names:
            if slot in ("XShape", "ReserveSpace"):
                continue
            for n in o.output(slot):
                v = block.var(n)
                if (n in read and not v.persistable and v.dtype == paddle.float32
                        and n not in out):
                    out.append(n)
    return out


# ---------------------------------------------------------------- tensor sets

class TensorSet:
    """Tensors written one after the other into one raw file, indexed by name."""

    def __init__(self, out_dir, name):
        self.file = name + ".bin"
        self.f = open(os.path.join(out_dir, self.file), "wb")
        self.entries = []
        self.offset = 0

    def add(self, name, value):
        value = np.ascontiguousarray(value)
        value = value.astype(value.dtype.newbyteorder("<"))
        entry = {"name": name, "dtype": str(value.dtype.newbyteorder("=")),
                 "shape": list(value.shape), "offset": self.offset}
        if value.size and not value.any():
            # All zeros (optimizer accumulators at the start): no bytes in the file.
            entry["zeros"] = True
            self.entries.append(entry)
            return
        b = value.tobytes()
        self.entries.append(entry)
        self.f.write(b)
        self.offset += len(b)

    def close(self):
        self.f.close()
        return {"file": self.file, "tensors": self.entries}


# ---------------------------------------------------------------- one model

def build_model(name, side, out_dir):
    model_dir = os.path.join(lac_common.shared_dir(), "models", name)
    with open(os.path.join(model_dir, "__model__"), "rb") as f:
        desc_bytes = f.read()
    cut, image, feature, rows, model_persist = cut_program(desc_bytes, side)
    rng = np.random.RandomState(zlib.crc32(name.encode("utf-8")))
    cls_w = truncated_normal(rng, [rows, CLASSES], 0.02)
    forward, names = append_head(cut, feature, rows, cls_w)
    block = forward.global_block()

    persist = sorted(v.name for v in block.vars.values() if v.persistable)
    params = sorted(p.name for p in block.all_parameters())
    weights = load_weights(model_dir, model_persist)
    init = {}
    missing = []
    for n in persist:
        shape = list(block.var(n).shape)
        if n == "cls_out_w":
            init[n] = cls_w
        elif n == "cls_out_b":
            init[n] = np.zeros([CLASSES], np.float32)
        elif n in weights:
            init[n] = weights[n]
        else:
            init[n] = seeded_conv_weight(n, shape)
            missing.append(n)
        if list(init[n].shape) != shape:
            raise SystemExit("%s: %s has shape %r, its variable %r"
                             % (name, n, list(init[n].shape), shape))

    batches = [(rng.standard_normal([BATCH, 3, side, side]).astype(np.float32),
                rng.randint(0, CLASSES, size=[BATCH, 1]).astype(np.int64)) for _ in range(STEPS)]

    with open(os.path.join(out_dir, "forward.pdmodel"), "wb") as f:
        f.write(program_bytes(forward))
    sets = {}
    s = TensorSet(out_dir, "init")
    for n in persist:
        s.add(n, init[n])
    sets["init"] = s.close()
    s = TensorSet(out_dir, "batches")
    for i, (x, y) in enumerate(batches):
        s.add("image_%d" % i, x)
        s.add("label_%d" % i, y)
    sets["batches"] = s.close()

    losses, accs = {}, {}
    exe = paddle.static.Executor(paddle.CPUPlace())
    for opt_name, make_opt in OPTIMIZERS.items():
        prog = forward.clone()
        startup = paddle.static.Program()
        with paddle.static.program_guard(prog, startup), paddle.utils.unique_name.guard():
            make_opt().minimize(prog.global_block().var(names["loss"]))
        with open(os.path.join(out_dir, "train_%s.pdmodel" % opt_name), "wb") as f:
            f.write(program_bytes(prog))
        pblock = prog.global_block()
        state = sorted(v.name for v in pblock.vars.values()
                       if v.persistable and v.name not in init)
        steps = 1 if opt_name == "sgd" else STEPS
        grads = [p + "@GRAD" for p in params]
        forward_vars = forward_values(pblock)
        with paddle.static.scope_guard(paddle.static.Scope()):
            exe.run(startup)
            scope = paddle.static.global_scope()
            for n in persist:
                scope.var(n).get_tensor().set(init[n], paddle.CPUPlace())
            s = TensorSet(out_dir, "init_" + opt_name)
            for n in state:
                s.add(n, np.array(scope.find_var(n).get_tensor()))
            sets["init_" + opt_name] = s.close()
            losses[opt_name], accs[opt_name] = [], []
            for i in range(steps):
                x, y = batches[i]
                fetch = [names["loss"], names["accuracy"]] + forward_vars + grads
                out = exe.run(prog, feed={image: x, LABEL: y}, fetch_list=fetch,
                              return_numpy=True)
                for n, v in zip(fetch, out):
                    if not np.all(np.isfinite(v)):
                        raise SystemExit("%s/%s step %d: %s is not finite" % (name, opt_name, i, n))
                losses[opt_name].append(float(np.asarray(out[0]).reshape(-1)[0]))
                accs[opt_name].append(float(np.asarray(out[1]).reshape(-1)[0]))
                s = TensorSet(out_dir, "fwd_%s_%d" % (opt_name, i))
                for n, v in zip(forward_vars, out[2:2 + len(forward_vars)]):
                    if v.dtype == np.float32:  # declared float, computed int: skipped
                        s.add(n, v)
                grad_values = out[2 + len(forward_vars):]
                top = max(float(np.abs(v).max()) for v in grad_values)
                for n, v in zip(grads, grad_values):
                    a = np.abs(v).reshape(-1)
                    if float(a.max()) < NOISE * top:
                        s.add(n, v)
                        continue
                    mask = a < NOISE * a.max()
                    if opt_name == "adam" and mask.any():
                        s.add(n + NOISE_MASK, np.packbits(mask))
                        s.add(n + NOISE_VALUE, v.reshape(-1)[mask])
                sets["fwd_%s_%d" % (opt_name, i)] = s.close()
                if opt_name == "sgd":
                    s = TensorSet(out_dir, "sgd_step1")
                    for n, v in zip(grads, grad_values):
                        if list(v.shape) != list(init[n[:-5]].shape):
                            raise SystemExit("%s: %s has shape %r" % (name, n, list(v.shape)))
                        s.add(n, v)
                    sets["sgd_step1"] = s.close()
            if opt_name != "sgd":
                s = TensorSet(out_dir, opt_name + "_final")
                for n in persist:
                    s.add(n, np.array(scope.find_var(n).get_tensor()))
                sets[opt_name + "_final"] = s.close()

    meta = {
        "model": name,
        "paddle": paddle.__version__,
        "format": FORMAT,
        "image": image,
        "label": LABEL,
        "feature_map": feature,
        "loss": names["loss"],
        "accuracy": names["accuracy"],
        "prob": names["prob"],
        "side": side,
        "batch": BATCH,
        "steps": STEPS,
        "params": params,
        "persistables": persist,
        "seeded_missing": missing,
        "losses": losses,
        "accuracies": accs,
        "optimizers": {"sgd": "SGD lr 0.01, 1 step",
                       "momentum": "Momentum lr 1e-3 mu 0.9 L2Decay 1e-4, %d steps" % STEPS,
                       "adam": "Adam lr 1e-4, %d steps" % STEPS},
        "sets": sets,
    }
    with open(os.path.join(out_dir, "index.json"), "w", encoding="utf-8") as f:
        json.dump(meta, f, indent=1)
        f.write("\n")
    return meta


def stamp(name):
    """This script's hash, the Paddle version, and the model's files (names and sizes)."""
    h = hashlib.sha256()
    with open(os.path.abspath(__file__), "rb") as f:
        h.update(f.read())
    model_dir = os.path.join(lac_common.shared_dir(), "models", name)
    files = sorted(os.listdir(model_dir)) if os.path.isdir(model_dir) else []
    m = hashlib.sha256()
    for fn in files:
        p = os.path.join(model_dir, fn)
        if os.path.isfile(p):
            m.update(("%s %d\n" % (fn, os.path.getsize(p))).encode("utf-8"))
    return "train_golden %s format %d paddle %s model %s\n" % (
        h.hexdigest(), FORMAT, paddle.__version__, m.hexdigest())


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--force", action="store_true", help="regenerate even when up to date")
    ap.add_argument("--only", help="comma-separated model names")
    args = ap.parse_args()
    paddle.enable_static()
    models = dict(MODELS)
    if args.only:
        wanted = args.only.split(",")
        unknown = [m for m in wanted if m not in MODELS]
        if unknown:
            raise SystemExit("unknown models: %s" % ", ".join(unknown))
        models = {m: MODELS[m] for m in wanted}
    os.makedirs(OUT_DIR, exist_ok=True)
    for name, side in models.items():
        want = stamp(name)
        final = os.path.join(OUT_DIR, name)
        if not args.force:
            try:
                with open(os.path.join(final, "stamp"), encoding="utf-8") as f:
                    if f.read() == want:
                        print("train_golden: %s up to date" % name, file=sys.stderr)
                        continue
            except OSError:
                pass
        if not os.path.isfile(os.path.join(lac_common.shared_dir(), "models", name, "__model__")):
            print("train_golden: %s: model absent under %s/models; skipped"
                  % (name, lac_common.shared_dir()), file=sys.stderr)
            continue
        tmp = tempfile.mkdtemp(prefix=".tmp_" + name + "_", dir=OUT_DIR)
        os.chmod(tmp, 0o755)
        try:
            meta = build_model(name, side, tmp)
            with open(os.path.join(tmp, "stamp"), "w", encoding="utf-8") as f:
                f.write(want)
            shutil.rmtree(final, ignore_errors=True)
            os.rename(tmp, final)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        print("train_golden: %-26s sgd loss %.6g; momentum %.6g -> %.6g; adam %.6g -> %.6g%s"
              % (name, meta["losses"]["sgd"][0], meta["losses"]["momentum"][0],
                 meta["losses"]["momentum"][-1], meta["losses"]["adam"][0],
                 meta["losses"]["adam"][-1],
                 "; seeded: %s" % " ".join(meta["seeded_missing"]) if meta["seeded_missing"]
                 else ""), file=sys.stderr)


if __name__ == "__main__":
    main()
