"""Cases for the dense math ops the LAC kernels brought: mul, matmul, matmul_v2,
elementwise_add, scale, concat, lookup_table_v2."""

from op_case import case, feed, op, param, uniform


@case("mul", note="x_num_col_dims=2 flattens X [2,3,4] to [6,4]; Y [4,5] is a weight")
def mul_num_col_dims(rng):
    x = feed("x", uniform(rng, (2, 3, 4)))
    w = param("w", uniform(rng, (4, 5)))
    return op("mul", {"X": x, "Y": w}, {"x_num_col_dims": 2, "y_num_col_dims": 1})


@case("matmul", note="v1 with transpose_Y and alpha, batch [2] against a batch of 2")
def matmul_transpose_alpha(rng):
    x = feed("x", uniform(rng, (2, 3, 4)))
    y = feed("y", uniform(rng, (2, 5, 4)))
    return op("matmul", {"X": x, "Y": y},
              {"transpose_X": False, "transpose_Y": True, "alpha": 0.5})


@case("matmul_v2", note="numpy broadcasting of batch dims [2,1] x [3], trans_x")
def matmul_v2_broadcast(rng):
    x = feed("x", uniform(rng, (2, 1, 4, 3)))
    y = feed("y", uniform(rng, (3, 4, 5)))
    return op("matmul_v2", {"X": x, "Y": y}, {"trans_x": True, "trans_y": False})


@case("elementwise_add", note="Y [3] placed at axis 1 of X [2,3,4]")
def elementwise_add_axis1(rng):
    x = feed("x", uniform(rng, (2, 3, 4)))
    y = feed("y", uniform(rng, (3,)))
    return op("elementwise_add", {"X": x, "Y": y}, {"axis": 1})


@case("elementwise_add", note="numpy broadcasting of equal ranks [2,1,4] + [1,3,1]")
def elementwise_add_numpy(rng):
    x = feed("x", uniform(rng, (2, 1, 4)))
    y = feed("y", uniform(rng, (1, 3, 1)))
    return op("elementwise_add", {"X": x, "Y": y}, {"axis": -1})


@case("scale", note="bias applied before scaling")
def scale_bias_before(rng):
    x = feed("x", uniform(rng, (3, 4)))
    return op("scale", {"X": x}, {"scale": 2.5, "bias": 0.75, "bias_after_scale": False})


@case("scale", note="int64 tensor, bias after scale")
def scale_int64(rng):
    x = feed("x", rng.randint(-100, 100, size=(5,)).astype("int64"))
    return op("scale", {"X": x}, {"scale": 3.0, "bias": -2.0, "bias_after_scale": True})


@case("concat", note="three inputs along a negative axis")
def concat_neg_axis(rng):
    xs = [feed("x%d" % i, uniform(rng, (2, n, 3))) for i, n in enumerate((1, 2, 3))]
    return op("concat", {"X": xs}, {"axis": -2})


@case("lookup_table_v2", note="ids of shape [2,3] with padding_idx 2 (rows of id 2 are zeros)")
def lookup_table_v2_padding(rng):
    ids = feed("ids", np_ids(rng))
    w = param("emb", uniform(rng, (6, 4)))
    return op("lookup_table_v2", {"Ids": ids, "W": w}, {"padding_idx": 2}, dtype="float32")


def np_ids(rng):
    ids = rng.randint(0, 6, size=(2, 3)).astype("int64")
    ids[0, 1] = 2
    return ids


@case("fc", note="in_num_col_dims 2 over [2,3,4], bias [5], relu")
def fc_relu_num_col_dims(rng):
    x = feed("x", uniform(rng, (2, 3, 4)))
    w = param("w", uniform(rng, (4, 5)))
    b = param("b", uniform(rng, (5,)))
    return op("fc", {"Input": x, "W": w, "Bias": b},
              {"in_num_col_dims": 2, "activation_type": "relu"})


@case("fc", note="in_num_col_dims 1 flattens [2,3,2] to [2,6]; bias [1,4]; no activation")
def fc_plain(rng):
    x = feed("x", uniform(rng, (2, 3, 2)))
    w = param("w", uniform(rng, (6, 4)))
    b = param("b", uniform(rng, (1, 4)))
    return op("fc", {"Input": x, "W": w, "Bias": b}, {"in_num_col_dims": 1, "activation_type": ""})
