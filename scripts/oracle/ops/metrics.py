"""Cases for the classifier metrics of a fine-tuning head: top_k (v1) and top_k_v2 over the
last axis, and accuracy over top_k's indices (native/src/kernels/metrics.cc)."""

import numpy as np

from op_case import case, feed, op, uniform


def _top_k(x, k):
    block_op = op("top_k", {"X": x}, {"k": k}, outputs=("Out", "Indices"))
    indices = x.block.ops[-1].output("Indices")[0]
    return block_op, x.block.var(indices)


@case("top_k", note="top_k k=2 over [4,5] with a tie planted (the lower index comes first)")
def top_k_ties(rng):
    v = uniform(rng, (4, 5))
    v[1, 1] = v[1, 3] = 2.0
    out, idx = _top_k(feed("x", v), 2)
    return [out, idx]


@case("top_k_v2", note="top_k_v2 k=3 over the last axis of [2,3,6], largest, sorted")
def top_k_v2_last_axis(rng):
    x = feed("x", uniform(rng, (2, 3, 6)))
    out = op("top_k_v2", {"X": x}, {"k": 3, "axis": -1, "largest": True, "sorted": True},
             outputs=("Out", "Indices"))
    idx = x.block.var(x.block.ops[-1].output("Indices")[0])
    return [out, idx]


@case(["top_k", "accuracy"], note="accuracy of top-1 over 6 rows, 4 of them labelled with their "
                                   "argmax, labels int64 [6,1]: Accuracy, Correct and Total")
def accuracy_top1(rng):
    v = uniform(rng, (6, 4))
    label = np.argmax(v, axis=1).reshape(6, 1).astype(np.int64)
    label[[1, 4], 0] = (label[[1, 4], 0] + 1) % 4  # two misses
    x = feed("x", v)
    out, idx = _top_k(x, 1)
    lab = feed("label", label)
    block = x.block
    acc = block.create_var(name="acc", dtype="float32")
    correct = block.create_var(name="correct", dtype="int32")
    total = block.create_var(name="total", dtype="int32")
    block.append_op(type="accuracy", inputs={"Out": [out], "Indices": [idx], "Label": [lab]},
                    outputs={"Accuracy": [acc], "Correct": [correct], "Total": [total]})
    return [acc, correct, total]
