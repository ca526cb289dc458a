"""Golden values for gohub's finetune strategies, from PaddleHub 1.8.3's own strategy.py.

Runs paddlehub/finetune/strategy.py unmodified on PaddlePaddle 1.8.5 and records what its ops
and Python code produce:

  * lr_cases: the learning rate PaddleHub's scheduler ops compute at every optimizer step of
    CombinedStrategy variants (fetched from the variable execute() returns), or the exception
    building them raises;
  * strategies: the resolved scheduler / regularization / clip dicts of the named strategies'
    constructors, and str(strategy) after execute();
  * depth_net: a small program (its ProgramDesc bytes go to depth_net.pb beside the JSON), the
    depth groups get_depth_parameter finds in it, the per-parameter learning-rate multipliers
    of discriminative fine-tuning and the stop_gradient flags step() sets for gradual
    unfreezing, epoch by epoch;
  * facts: one SGD step with decoupled weight decay (which parameter value the decay
    multiplies) and whether a parameter step() froze still changes when the program runs.

Only the package's __init__ is bypassed (it imports the CLI, serving and VisualDL, none of
which the strategies use): the paddlehub, paddlehub.common and paddlehub.finetune packages are
registered empty, with their real paths, and paddlehub.common.logger is a plain logger.

    strategy_golden.py OUT_DIR
"""

import importlib.metadata
import importlib.util
import json
import logging
import os
import sys
import tempfile
import types

import numpy as np
import paddle
import paddle.fluid as fluid


def load_paddlehub_strategy():
    root = importlib.util.find_spec("paddlehub").submodule_search_locations[0]
    for name, path in [("paddlehub", root), ("paddlehub.common", os.path.join(root, "common")),
                       ("paddlehub.finetune", os.path.join(root, "finetune"))]:
        mod = types.ModuleType(name)
        mod.__path__ = [path]
        sys.modules[name] = mod
    sys.modules["paddlehub"].CACHE_HOME = tempfile.mkdtemp(prefix="hub-cache-")
    logmod = types.ModuleType("paddlehub.common.logger")
    logmod.logger = logging.getLogger("paddlehub")
    sys.modules["paddlehub.common.logger"] = logmod
    import paddlehub.finetune.strategy as strategy
    return strategy


S = load_paddlehub_strategy()
LOG = []


class Capture(logging.Handler):
    def emit(self, record):
        LOG.append(record.getMessage())


logging.getLogger("paddlehub").addHandler(Capture())
logging.getLogger("paddlehub").setLevel(logging.INFO)


def f32(v):
    return float(np.float32(v))


def tiny_net():
    x = fluid.data(name="x", shape=[-1, 4], dtype="float32")
    y = fluid.layers.fc(x, 2)
    return fluid.layers.mean(y)


def run_lr(make_strategy, max_train_steps, steps):
    """Builds tiny_net with the strategy and fetches the learning rate at every step."""
    LOG.clear()
    main, startup = fluid.Program(), fluid.Program()
    with fluid.program_guard(main, startup), fluid.unique_name.guard():
        loss = tiny_net()
        strategy = make_strategy()
        try:
            lr = strategy.execute(loss, max_train_steps)
        except Exception as e:  # PaddleHub's own failure is the golden value
            return {"error": "%s: %s" % (type(e).__name__, e), "log": list(LOG)}
    text = str(strategy)
    scope = fluid.Scope()
    values = []
    with fluid.scope_guard(scope):
        exe = fluid.Executor(fluid.CPUPlace())
        exe.run(startup)
        feed = {"x": np.ones([2, 4], dtype="float32")}
        for _ in range(steps):
            out, = exe.run(main, feed=feed, fetch_list=[lr])
            values.append(float(np.asarray(out).reshape(-1)[0]))
    return {"lr": values, "str": text, "log": list(LOG)}


def sgd(lr=0.01, **scheduler):
    return {"optimizer_name": "sgd", "learning_rate": lr, "scheduler": scheduler}


LR_CASES = [
    # name, strategy class, its keyword arguments, max_train_steps, steps run
    ("warmup_linear", "CombinedStrategy", sgd(warmup=0.2, linear_decay={"start_point": 0.5, "end_learning_rate": 0.0}), 20, 24),
    ("warmup_only", "CombinedStrategy", sgd(warmup=0.2), 20, 24),
    ("linear_only_end", "CombinedStrategy", sgd(linear_decay={"start_point": 0.3, "end_learning_rate": 1e-3}), 20, 24),
    ("linear_from_zero", "CombinedStrategy", sgd(linear_decay={"start_point": 0.0, "end_learning_rate": 0.0}), 20, 24),
    ("linear_inside_warmup", "CombinedStrategy", sgd(warmup=0.25, linear_decay={"start_point": 0.1, "end_learning_rate": 0.0}), 20, 24),
    ("warmup_float_trunc", "CombinedStrategy", sgd(0.5, warmup=0.29, linear_decay={"start_point": 0.7, "end_learning_rate": 0.0}), 100, 104),
    ("warmup_odd_T", "CombinedStrategy", sgd(warmup=0.15, linear_decay={"start_point": 0.15, "end_learning_rate": 0.0}), 17, 20),
    ("noam_warmup", "CombinedStrategy", sgd(warmup=0.2, noam_decay=True), 20, 24),
    ("noam_no_warmup", "CombinedStrategy", sgd(noam_decay=True), 20, 6),
    ("noam_beats_linear", "CombinedStrategy", sgd(warmup=0.1, noam_decay=True, linear_decay={"start_point": 0.5, "end_learning_rate": 0.0}), 20, 24),
    ("noam_linear_from_zero", "CombinedStrategy", sgd(warmup=0.2, noam_decay=True, linear_decay={"start_point": 0.0, "end_learning_rate": 0.0}), 20, 24),
    ("slanted", "CombinedStrategy", sgd(slanted_triangle={"cut_fraction": 0.1, "ratio": 32}), 20, 24),
    ("slanted_ratio_5", "CombinedStrategy", sgd(0.02, slanted_triangle={"cut_fraction": 0.25, "ratio": 5}), 17, 19),
    ("slanted_beats_rest", "CombinedStrategy", sgd(warmup=0.1, noam_decay=True, linear_decay={"start_point": 0.5, "end_learning_rate": 0.0}, slanted_triangle={"cut_fraction": 0.3, "ratio": 8}), 20, 24),
    ("slanted_cut_zero", "CombinedStrategy", sgd(slanted_triangle={"cut_fraction": 0.01, "ratio": 32}), 20, 4),
    ("slanted_cut_all", "CombinedStrategy", sgd(slanted_triangle={"cut_fraction": 1.0, "ratio": 32}), 20, 4),
    ("constant", "CombinedStrategy", sgd(), 20, 4),
    ("adamw_default", "AdamWeightDecayStrategy", {"learning_rate": 0.01}, 30, 33),
    ("adamw_noam", "AdamWeightDecayStrategy", {"learning_rate": 0.01, "lr_scheduler": "noam_decay"}, 30, 33),
    ("ulmfit_default", "ULMFiTStrategy", {"learning_rate": 0.01, "dis_blocks": 0, "frz_blocks": 0}, 30, 33),
]


def resolved(strategy):
    return {"scheduler": strategy.scheduler, "regularization": strategy.regularization,
            "clip": strategy.clip}


def named_strategies():
    out = {}
    for name, make in [
        ("DefaultFinetuneStrategy", lambda: S.DefaultFinetuneStrategy()),
        ("L2SPFinetuneStrategy", lambda: S.L2SPFinetuneStrategy()),
        ("AdamWeightDecayStrategy", lambda: S.AdamWeightDecayStrategy()),
        ("AdamWeightDecayStrategy_noam", lambda: S.AdamWeightDecayStrategy(lr_scheduler="noam_decay")),
        ("ULMFiTStrategy", lambda: S.ULMFiTStrategy()),
        ("ULMFiTStrategy_params_layer", lambda: S.ULMFiTStrategy(dis_params_layer={"a": 1}, frz_params_layer={"a": 1})),
        ("Combined_all", lambda: S.CombinedStrategy(scheduler={"warmup": 0.1, "linear_decay": {"start_point": 0.2, "end_learning_rate": 0.0}, "discriminative": {"blocks": 2}, "gradual_unfreeze": {"blocks": 2}}, regularization={"L2": 0.1, "L2SP": 0.2, "weight_decay": 0.3}, clip={"GlobalNorm": 1.0, "Norm": 2.0})),
    ]:
        main, startup = fluid.Program(), fluid.Program()
        with fluid.program_guard(main, startup), fluid.unique_name.guard():
            loss = tiny_net()
            s = make()
            init = json.loads(json.dumps(resolved(s)))
            init_str = str(s)  # note: __str__ also clears s.clip
            s = make()
            try:
                s.execute(loss, 20)
                after = str(s)
            except Exception as e:
                after = "%s: %s" % (type(e).__name__, e)
        out[name] = {"resolved": init, "str_before_execute": init_str, "str_after_execute": after}
    try:
        S.AdamWeightDecayStrategy(lr_scheduler="cosine")
    except ValueError as e:
        out["AdamWeightDecayStrategy_bad_scheduler"] = {"error": str(e)}
    try:
        S.CombinedStrategy(scheduler={"warm_up": 0.1})
    except ValueError as e:
        out["Combined_unknown_key"] = {"error": str(e)}
    return out


def depth_net():
    """A small classifier with depths that exercise the grouping: an fc whose bias sits one
    depth below its weight (merged by the name prefix), a layer_norm, parameters named without
    a prefix, and two parameters at the same depth."""
    x = fluid.data(name="x", shape=[-1, 4], dtype="float32")
    label = fluid.data(name="label", shape=[-1, 1], dtype="int64")
    gate = fluid.layers.create_parameter([4], "float32", name="gate_w",
                                         default_initializer=fluid.initializer.Constant(0.5))
    h = fluid.layers.elementwise_mul(x, gate)
    h = fluid.layers.fc(h, 6, act="relu")
    h = fluid.layers.fc(h, 6, act="tanh")
    h = fluid.layers.layer_norm(h)
    h = fluid.layers.fc(h, 5, param_attr=fluid.ParamAttr(name="head_w"),
                        bias_attr=fluid.ParamAttr(name="head_b"))
    out = fluid.layers.fc(h, 3, act="softmax", param_attr=fluid.ParamAttr(name="cls.w_0"),
                          bias_attr=fluid.ParamAttr(name="cls.b_0"))
    return fluid.layers.mean(fluid.layers.cross_entropy(out, label))


def dup_prefix_net():
    """Two parameters with one prefix at the same depth and a third one depth below: PaddleHub's
    prefix merge moves the third one twice."""
    x = fluid.data(name="x", shape=[-1, 4], dtype="float32")
    a = fluid.layers.create_parameter([4], "float32", name="dup.a")
    b = fluid.layers.create_parameter([4], "float32", name="dup.b")
    c = fluid.layers.create_parameter([4], "float32", name="dup.c")
    h = fluid.layers.elementwise_add(fluid.layers.elementwise_mul(x, a),
                                     fluid.layers.elementwise_mul(x, b))
    h = fluid.layers.elementwise_mul(h, c)
    return fluid.layers.mean(h)


def depth_cases(out_dir):
    main, startup = fluid.Program(), fluid.Program()
    with fluid.program_guard(main, startup), fluid.unique_name.guard():
        depth_net()
    for op in main.global_block().ops:  # the Python call stacks name this machine's paths
        op.desc.remove_attr("op_callstack")
    with open(os.path.join(out_dir, "depth_net.pb"), "wb") as f:
        f.write(main.desc.serialize_to_string())
    params = [p.name for p in main.global_block().iter_parameters()]
    groups = S.get_depth_parameter(main)
    result = {
        "params": params,
        "groups": {str(d): [p.name for p in ps] for d, ps in groups.items()},
        "sorted_depth": sorted(groups.keys(), reverse=True),
    }

    def build(make):
        m, st = fluid.Program(), fluid.Program()
        with fluid.program_guard(m, st), fluid.unique_name.guard():
            loss = depth_net()
            s = make()
            s.execute(loss, 10)
        return s, m, st, loss

    disc = {}
    for name, sched in [
        ("blocks1", {"discriminative": {"blocks": 1}}),
        ("blocks2", {"discriminative": {"blocks": 2}}),
        ("blocks3", {"discriminative": {"blocks": 3}}),
        ("blocks3_factor4", {"discriminative": {"blocks": 3, "factor": 4.0}}),
        ("blocks4", {"discriminative": {"blocks": 4}}),
        ("blocks9", {"discriminative": {"blocks": 9}}),
        ("params_layer", {"discriminative": {"params_layer": {"cls.w_0": 3, "cls.b_0": 3, "head_w": 2, "fc_1.w_0": 1, "gate_w": 0}, "blocks": 2}}),
    ]:
        s, m, _, _ = build(lambda: S.CombinedStrategy(optimizer_name="sgd", learning_rate=0.01, scheduler=sched))
        disc[name] = {"scheduler": sched["discriminative"],
                      "lr_scale": {p.name: p.optimize_attr["learning_rate"] for p in m.global_block().iter_parameters()}}
    result["discriminative"] = disc

    frz = {}
    for name, sched, epochs in [
        ("blocks1", {"gradual_unfreeze": {"blocks": 1}}, 3),
        ("blocks2", {"gradual_unfreeze": {"blocks": 2}}, 4),
        ("blocks3", {"gradual_unfreeze": {"blocks": 3}}, 5),
        ("blocks9", {"gradual_unfreeze": {"blocks": 9}}, 11),
        ("params_layer", {"gradual_unfreeze": {"params_layer": {"cls.w_0": 3, "cls.b_0": 3, "head_w": 2, "fc_1.w_0": 1, "gate_w": 0}, "blocks": 2}}, 6),
    ]:
        s, m, _, _ = build(lambda: S.CombinedStrategy(optimizer_name="sgd", learning_rate=0.01, scheduler=sched))
        rows = []
        for _ in range(epochs):
            s.step()
            rows.append(sorted(p.name for p in m.global_block().iter_parameters() if p.stop_gradient))
        frz[name] = {"scheduler": sched["gradual_unfreeze"], "frozen_by_epoch": rows}
    result["gradual_unfreeze"] = frz

    # Does a parameter that step() froze stay put when the program runs?
    s, m, st, loss = build(lambda: S.CombinedStrategy(optimizer_name="sgd", learning_rate=0.1, scheduler={"gradual_unfreeze": {"blocks": 3}}))
    s.step()
    frozen = sorted(p.name for p in m.global_block().iter_parameters() if p.stop_gradient)
    scope = fluid.Scope()
    changed = []
    with fluid.scope_guard(scope):
        exe = fluid.Executor(fluid.CPUPlace())
        exe.run(st)
        before = {n: np.array(scope.find_var(n).get_tensor()) for n in frozen}
        rng = np.random.RandomState(0)
        exe.run(m, feed={"x": rng.rand(3, 4).astype("float32"), "label": np.array([[0], [1], [2]], dtype="int64")})
        for n in frozen:
            if not np.array_equal(before[n], np.array(scope.find_var(n).get_tensor())):
                changed.append(n)
    result["unfreeze_at_runtime"] = {"frozen_in_epoch1": frozen, "frozen_but_updated": changed}

    m, st = fluid.Program(), fluid.Program()
    with fluid.program_guard(m, st), fluid.unique_name.guard():
        loss = dup_prefix_net()
        try:
            S.get_depth_parameter(m)
            result["dup_prefix"] = {"error": None}
        except Exception as e:
            result["dup_prefix"] = {"error": "%s: %s" % (type(e).__name__, e)}
    return result


def weight_decay_fact():
    """One SGD step, lr 0.1, weight_decay 0.5: is the decay applied to the parameter before
    or after the optimizer's update?"""
    main, startup = fluid.Program(), fluid.Program()
    with fluid.program_guard(main, startup), fluid.unique_name.guard():
        x = fluid.data(name="x", shape=[-1, 4], dtype="float32")
        y = fluid.layers.fc(x, 2, param_attr=fluid.ParamAttr(name="w", initializer=fluid.initializer.Constant(0.3)),
                            bias_attr=fluid.ParamAttr(name="w_b", initializer=fluid.initializer.Constant(0.2)))
        loss = fluid.layers.mean(y)
        s = S.CombinedStrategy(optimizer_name="sgd", learning_rate=0.1, regularization={"weight_decay": 0.5})
        s.execute(loss, 10)
    scope = fluid.Scope()
    with fluid.scope_guard(scope):
        exe = fluid.Executor(fluid.CPUPlace())
        exe.run(startup)
        p0 = float(np.array(scope.find_var("w").get_tensor()).reshape(-1)[0])
        b0 = float(np.array(scope.find_var("w_b").get_tensor()).reshape(-1)[0])
        g, = exe.run(main, feed={"x": np.ones([2, 4], dtype="float32")}, fetch_list=["w@GRAD"])
        g = float(np.asarray(g).reshape(-1)[0])
        p1 = float(np.array(scope.find_var("w").get_tensor()).reshape(-1)[0])
        b1 = float(np.array(scope.find_var("w_b").get_tensor()).reshape(-1)[0])
    lr, wd = 0.1, 0.5
    return {"lr": lr, "weight_decay": wd, "param_before": p0, "grad": g, "param_after": p1,
            "if_decay_of_updated": f32((p0 - lr * g) * (1 - wd * lr)),
            "if_decay_of_before": f32((p0 - lr * g) - wd * lr * p0),
            "bias_before": b0, "bias_after": b1}


def main():
    out_dir = sys.argv[1]
    os.makedirs(out_dir, exist_ok=True)
    lr_cases = {}
    for name, kind, kwargs, T, steps in LR_CASES:
        r = run_lr(lambda: getattr(S, kind)(**kwargs), T, steps)
        r.update({"strategy": kind, "kwargs": kwargs, "max_train_steps": T})
        lr_cases[name] = r
    golden = {
        "versions": {"paddlepaddle": paddle.__version__, "paddlehub": importlib.metadata.version("paddlehub")},
        "lr_cases": lr_cases,
        "strategies": named_strategies(),
        "depth_net": depth_cases(out_dir),
        "weight_decay": weight_decay_fact(),
    }
    with open(os.path.join(out_dir, "golden.json"), "w") as f:
        json.dump(golden, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
