"""Cases for batch_norm in inference (native/src/kernels/norm.cc): running statistics,
epsilon, NCHW and NHWC layouts, 2-D input."""

import paddle

from op_case import case, feed, param, uniform


def batch_norm(rng, x_shape, c, **attrs):
    x = feed("x", uniform(rng, x_shape, -2.0, 2.0))
    mean = param("mean", uniform(rng, (c,), -0.5, 0.5))
    variance = param("variance", uniform(rng, (c,), 0.2, 2.0))
    ins = {"X": [x], "Scale": [param("scale", uniform(rng, (c,), 0.5, 1.5))],
           "Bias": [param("bias", uniform(rng, (c,)))], "Mean": [mean], "Variance": [variance]}
    base = {"is_test": True, "epsilon": 1e-5, "momentum": 0.9, "data_layout": "NCHW",
            "use_global_stats": False, "trainable_statistics": False}
    base.update(attrs)
    # op() cannot express Paddle's rule that MeanOut/VarianceOut are Mean/Variance themselves.
    block = paddle.static.default_main_program().current_block()
    y, saved_mean, saved_var = (
        block.create_var(name=paddle.utils.unique_name.generate("batch_norm_" + n),
                         dtype="float32") for n in ("y", "saved_mean", "saved_variance"))
    outs = {"Y": [y], "MeanOut": [mean], "VarianceOut": [variance], "SavedMean": [saved_mean],
            "SavedVariance": [saved_var]}
    block.append_op(type="batch_norm", inputs=ins, outputs=outs, attrs=base)
    return y


@case("batch_norm", note="is_test, NCHW, the models' epsilon 1e-5")
def batch_norm_nchw(rng):
    return batch_norm(rng, (2, 3, 4, 5), 3)


@case("batch_norm", note="use_global_stats with epsilon 1e-3")
def batch_norm_global_stats(rng):
    return batch_norm(rng, (1, 4, 3, 3), 4, use_global_stats=True, epsilon=1e-3)


@case("batch_norm", note="data_layout NHWC: channels last")
def batch_norm_nhwc(rng):
    return batch_norm(rng, (2, 3, 4, 5), 5, data_layout="NHWC")


@case("batch_norm", note="2-D input [N, C] (after a fc)")
def batch_norm_2d(rng):
    return batch_norm(rng, (4, 6), 6)
