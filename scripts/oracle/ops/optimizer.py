"""Cases for the optimizer ops (native/src/kernels/optimizer.cc). Param is fed rather than a
persistable so that the saved inference program keeps the op; ParamOut is a new variable here,
where a training program writes it back over Param."""

from op_case import case, feed, op, uniform


@case("sgd", note="dense sgd: ParamOut = Param - LearningRate * Grad")
def sgd_dense(rng):
    p = feed("param", uniform(rng, (4, 3, 3, 3)))
    g = feed("grad", uniform(rng, (4, 3, 3, 3)))
    lr = feed("lr", uniform(rng, (1,), 0.01, 0.5))
    return op("sgd", {"Param": p, "Grad": g, "LearningRate": lr}, outputs=("ParamOut",))
