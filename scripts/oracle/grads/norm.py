"""Gradient cases of batch_norm in training mode (native/src/kernels/norm_grad.cc)."""

import paddle

from _case import case, feed, op, param, uniform


def batch_norm(x, scale, bias, mean, var, **attrs):
    """batch_norm appended as a training program has it: MeanOut and VarianceOut are Mean and
    Variance themselves (updated in place), SavedMean/SavedVariance go to the grad op."""
    block = paddle.static.default_main_program().current_block()
    y = block.create_var(name="bn_y", dtype="float32")
    saved_mean = block.create_var(name="bn_saved_mean", dtype="float32")
    saved_var = block.create_var(name="bn_saved_variance", dtype="float32")
    reserve = block.create_var(name="bn_reserve_space", dtype="float32")
    base = {"epsilon": 1e-5, "momentum": 0.9, "is_test": False, "data_layout": "NCHW",
            "use_global_stats": False, "trainable_statistics": False}
    base.update(attrs)
    block.append_op(
        type="batch_norm",
        inputs={"X": [x], "Scale": [scale], "Bias": [bias], "Mean": [mean], "Variance": [var]},
        outputs={"Y": [y], "MeanOut": [mean], "VarianceOut": [var], "SavedMean": [saved_mean],
                 "SavedVariance": [saved_var], "ReserveSpace": [reserve]},
        attrs=base)
    return y


@case(note="batch_norm training over NCHW [4,3,5,5]: batch statistics, running mean and "
           "variance updated with momentum 0.9 in place (compared after the run); the loss "
           "weights Y by fixed values so that dY is not uniform; grads of x, scale and bias")
def batch_norm_train(rng):
    x = feed("x", uniform(rng, (4, 3, 5, 5), -2.0, 2.0), grad=True)
    scale = param("bn_scale", uniform(rng, (3,), 0.5, 1.5))
    bias = param("bn_bias", uniform(rng, (3,)))
    mean = param("bn_mean", uniform(rng, (3,)), stop_gradient=True)
    var = param("bn_variance", uniform(rng, (3,), 0.5, 1.5), stop_gradient=True)
    y = batch_norm(x, scale, bias, mean, var)
    w = param("w", uniform(rng, (4, 3, 5, 5)), stop_gradient=True)
    return paddle.mean(op("elementwise_mul", {"X": y, "Y": w}, {"axis": -1}))


@case(note="batch_norm with use_global_stats during training (a frozen backbone's BN): the "
           "running statistics normalise, stay unchanged, and batch_norm_grad reads them")
def batch_norm_global_stats(rng):
    x = feed("x", uniform(rng, (2, 4, 3, 3), -2.0, 2.0), grad=True)
    scale = param("bn_scale", uniform(rng, (4,), 0.5, 1.5))
    bias = param("bn_bias", uniform(rng, (4,)))
    mean = param("bn_mean", uniform(rng, (4,)), stop_gradient=True)
    var = param("bn_variance", uniform(rng, (4,), 0.5, 1.5), stop_gradient=True)
    y = batch_norm(x, scale, bias, mean, var, use_global_stats=True)
    w = param("w", uniform(rng, (2, 4, 3, 3)), stop_gradient=True)
    return paddle.mean(op("elementwise_mul", {"X": y, "Y": w}, {"axis": -1}))


@case(note="elementwise_mul with a broadcast Y [3] at axis 1: dX = dOut*Y, dY = sum(dOut*X) "
           "over the broadcast axes")
def elementwise_mul_grad_broadcast(rng):
    x = feed("x", uniform(rng, (2, 3, 4)), grad=True)
    s = param("s", uniform(rng, (3,)))
    return paddle.mean(op("elementwise_mul", {"X": x, "Y": s}, {"axis": 1}))
