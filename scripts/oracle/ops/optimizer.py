"""Cases for the optimizer ops (native/src/kernels/optimizer.cc). Param is fed rather than a
persistable so that the saved inference program keeps the op; ParamOut is a new variable here,
where a training program writes it back over Param."""

import numpy as np

from op_case import case, feed, op, uniform


@case("sgd", note="dense sgd: ParamOut = Param - LearningRate * Grad")
def sgd_dense(rng):
    p = feed("param", uniform(rng, (4, 3, 3, 3)))
    g = feed("grad", uniform(rng, (4, 3, 3, 3)))
    lr = feed("lr", uniform(rng, (1,), 0.01, 0.5))
    return op("sgd", {"Param": p, "Grad": g, "LearningRate": lr}, outputs=("ParamOut",))


def _with_slots(first, slots):
    """first (the op's first output slot) followed by the variables of the last op's other
    output slots, in the order given: the fetches of a case that checks several outputs."""
    block = first.block
    last = block.ops[-1]
    return [first] + [block.var(last.output(s)[0]) for s in slots]


def _momentum(rng, attrs):
    p = feed("param", uniform(rng, (3, 4, 5)))
    g = feed("grad", uniform(rng, (3, 4, 5)))
    v = feed("velocity", uniform(rng, (3, 4, 5)))
    lr = feed("lr", uniform(rng, (1,), 0.01, 0.5))
    out = op("momentum", {"Param": p, "Grad": g, "Velocity": v, "LearningRate": lr}, attrs,
             outputs=("ParamOut", "VelocityOut"))
    return _with_slots(out, ("VelocityOut",))


@case("momentum", rtol=1e-5, atol=1e-6,
      note="momentum, mu 0.9, no regularization: VelocityOut = mu*V + G, ParamOut = P - lr*VelocityOut")
def momentum_plain(rng):
    return _momentum(rng, {"mu": 0.9})


@case("momentum", rtol=1e-5, atol=1e-6,
      note="momentum with regularization_method l2_decay (coeff 0.05): G + coeff*P in the velocity")
def momentum_l2_decay(rng):
    return _momentum(rng, {"mu": 0.9, "regularization_method": "l2_decay",
                           "regularization_coeff": 0.05})


@case("momentum", rtol=1e-5, atol=1e-6,
      note="momentum use_nesterov with l2_decay: ParamOut = P - lr*(G' + mu*VelocityOut)")
def momentum_nesterov(rng):
    return _momentum(rng, {"mu": 0.8, "use_nesterov": True, "regularization_method": "l2_decay",
                           "regularization_coeff": 0.02})


@case("momentum", rtol=1e-5, atol=1e-6,
      note="momentum rescale_grad 2: Paddle's CPU kernel ignores rescale_grad (its GPU kernel "
           "scales G); pinned so a change shows")
def momentum_rescale_grad(rng):
    return _momentum(rng, {"mu": 0.9, "rescale_grad": 2.0})


_ADAM_OUTS = ("Moment1Out", "Moment2Out", "Beta1PowOut", "Beta2PowOut")


def _adam(rng, type, attrs, step, extra=None, beta1=0.9, beta2=0.999):
    shape = (3, 4, 5)
    ins = {
        "Param": feed("param", uniform(rng, shape)),
        "Grad": feed("grad", uniform(rng, shape)),
        "LearningRate": feed("lr", uniform(rng, (1,), 0.01, 0.1)),
        "Moment1": feed("moment1", uniform(rng, shape, -0.5, 0.5)),
        "Moment2": feed("moment2", uniform(rng, shape, 0.0, 0.5)),
        "Beta1Pow": feed("beta1_pow", np.array([beta1 ** step], "float32")),
        "Beta2Pow": feed("beta2_pow", np.array([beta2 ** step], "float32")),
    }
    for slot, (name, value) in (extra or {}).items():
        ins[slot] = feed(name, value)
    out = op(type, ins, attrs, outputs=("ParamOut",) + _ADAM_OUTS)
    return _with_slots(out, _ADAM_OUTS)


@case("adam", rtol=1e-5, atol=1e-6,
      note="adam, default attrs (beta1 0.9, beta2 0.999, epsilon 1e-8), first step (Beta1Pow 0.9)")
def adam_default(rng):
    return _adam(rng, "adam", {}, step=1)


@case("adam", rtol=1e-5, atol=1e-6,
      note="adam at step 10 (Beta1Pow 0.9^10 = 0.35, far from 1), beta2 0.99, epsilon 1e-6")
def adam_step10(rng):
    return _adam(rng, "adam", {"beta1": 0.9, "beta2": 0.99, "epsilon": 1e-6}, step=10, beta2=0.99)


@case("adam", rtol=1e-5, atol=1e-6,
      note="adam with Beta1Tensor/Beta2Tensor/EpsilonTensor overriding the attrs, step 3")
def adam_beta_tensors(rng):
    extra = {"Beta1Tensor": ("beta1_t", np.array([0.8], "float32")),
             "Beta2Tensor": ("beta2_t", np.array([0.95], "float32")),
             "EpsilonTensor": ("eps_t", np.array([1e-4], "float32"))}
    return _adam(rng, "adam", {"beta1": 0.5, "beta2": 0.5, "epsilon": 1.0}, step=3, extra=extra,
                 beta1=0.8, beta2=0.95)


@case("adam", rtol=1e-5, atol=1e-6,
      note="adam with SkipUpdate true: every state comes out unchanged")
def adam_skip_update(rng):
    extra = {"SkipUpdate": ("skip", np.array([True]))}
    return _adam(rng, "adam", {}, step=2, extra=extra)


@case("adamw", rtol=1e-5, atol=1e-6,
      note="adamw with_decay, coeff 0.05: P - lr*coeff*P, then the adam step; step 4")
def adamw_decay(rng):
    return _adam(rng, "adamw", {"coeff": 0.05, "with_decay": True}, step=4)


@case("adamw", rtol=1e-5, atol=1e-6,
      note="adamw lr_ratio 0.5, coeff 0.1: Paddle's CPU kernel scales only the decay by lr_ratio "
           "(its GPU kernel also the adam step); pinned so a change shows")
def adamw_lr_ratio(rng):
    return _adam(rng, "adamw", {"coeff": 0.1, "lr_ratio": 0.5, "with_decay": True}, step=2)
