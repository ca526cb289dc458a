"""Cases for the shape ops: reshape2, flatten2, flatten_contiguous_range, squeeze2,
unsqueeze2, transpose2, split, slice, shape."""

import numpy as np

from op_case import case, feed, op, uniform

XS = ("Out", "XShape")


@case("reshape2", note="shape attr with 0 (copy dim 0) and -1 (inferred)")
def reshape2_zero_and_infer(rng):
    x = feed("x", uniform(rng, (2, 3, 4)))
    return op("reshape2", {"X": x}, {"shape": [0, -1, 2]}, outputs=XS)


@case("reshape2", note="ShuffleNetV2's channel shuffle view [-1, 2, 3, 2, 2]")
def reshape2_shuffle(rng):
    x = feed("x", uniform(rng, (2, 6, 2, 2)))
    return op("reshape2", {"X": x}, {"shape": [-1, 2, 3, 2, 2]}, outputs=XS)


@case("reshape2", note="the Shape input (int32 [3], with a -1) overrides the attr")
def reshape2_shape_tensor(rng):
    x = feed("x", uniform(rng, (2, 3, 4)))
    s = feed("shape", np.array([4, -1, 2], dtype="int32"))
    return op("reshape2", {"X": x, "Shape": s}, {"shape": [1, 24]}, outputs=XS)


@case("reshape2", note="ShapeTensor: a list of one-element int32 tensors (0 copies dim 0)")
def reshape2_shape_tensor_list(rng):
    x = feed("x", uniform(rng, (2, 3, 4)))
    a = feed("s0", np.array([0], dtype="int32"))
    b = feed("s1", np.array([12], dtype="int32"))
    return op("reshape2", {"X": x, "ShapeTensor": [a, b]}, {"shape": []}, outputs=XS)


@case("flatten2", note="axis 2 of [2,3,2,2] -> [6,4]")
def flatten2_axis2(rng):
    x = feed("x", uniform(rng, (2, 3, 2, 2)))
    return op("flatten2", {"X": x}, {"axis": 2}, outputs=XS)


@case("flatten2", note="axis 0 -> [1, numel]")
def flatten2_axis0(rng):
    x = feed("x", uniform(rng, (2, 3)))
    return op("flatten2", {"X": x}, {"axis": 0}, outputs=XS)


@case("flatten_contiguous_range", note="start 1, stop -1 (ResNet's flatten before fc)")
def flatten_range_to_end(rng):
    x = feed("x", uniform(rng, (2, 3, 2, 2)))
    return op("flatten_contiguous_range", {"X": x}, {"start_axis": 1, "stop_axis": -1},
              outputs=XS)


@case("flatten_contiguous_range", note="middle range 1..2 of a 4-D tensor")
def flatten_range_middle(rng):
    x = feed("x", uniform(rng, (2, 3, 2, 2)))
    return op("flatten_contiguous_range", {"X": x}, {"start_axis": 1, "stop_axis": 2},
              outputs=XS)


@case("squeeze2", note="axes [1, -1]; dim -1 is not 1 and stays")
def squeeze2_axes(rng):
    x = feed("x", uniform(rng, (2, 1, 3, 4)))
    return op("squeeze2", {"X": x}, {"axes": [1, -1]}, outputs=XS)


@case("squeeze2", note="no axes: every dim of size 1 goes")
def squeeze2_all(rng):
    x = feed("x", uniform(rng, (1, 3, 1, 2)))
    return op("squeeze2", {"X": x}, {"axes": []}, outputs=XS)


@case("unsqueeze2", note="axes [0, 2, -1] inserted one after another")
def unsqueeze2_axes(rng):
    x = feed("x", uniform(rng, (3, 4)))
    return op("unsqueeze2", {"X": x}, {"axes": [0, 2, -1]}, outputs=XS)


@case("transpose2", note="ShuffleNetV2's 5-D perm [0,2,1,3,4]")
def transpose2_shuffle(rng):
    x = feed("x", uniform(rng, (2, 2, 3, 2, 2)))
    return op("transpose2", {"X": x}, {"axis": [0, 2, 1, 3, 4]}, outputs=XS)


@case("transpose2", note="SSD head NCHW -> NHWC, perm [0,2,3,1]")
def transpose2_nhwc(rng):
    x = feed("x", uniform(rng, (2, 3, 4, 5)))
    return op("transpose2", {"X": x}, {"axis": [0, 2, 3, 1]}, outputs=XS)


@case("transpose2", note="int64 tensor, full reversal [2,1,0]")
def transpose2_int64(rng):
    x = feed("x", rng.randint(-100, 100, size=(2, 3, 4)).astype("int64"))
    return op("transpose2", {"X": x}, {"axis": [2, 1, 0]}, outputs=XS)


@case("shuffle_channel", note="group 3 over 6 channels; what shuffle_channel_detect_pass makes of ShuffleNetV2's reshape2/transpose2/reshape2")
def shuffle_channel_group3(rng):
    x = feed("x", uniform(rng, (2, 6, 3, 4)))
    return op("shuffle_channel", {"X": x}, {"group": 3})


@case("split", note="ShuffleNetV2: sections [3, 3] along axis 1, num 0")
def split_sections(rng):
    x = feed("x", uniform(rng, (2, 6, 2, 2)))
    return op("split", {"X": x}, {"axis": 1, "num": 0, "sections": [3, 3]}, outputs={"Out": 2})


@case("split", note="num 3 along the last axis (the op takes no negative axis; the API adds rank)")
def split_num_last_axis(rng):
    x = feed("x", uniform(rng, (2, 3, 6)))
    return op("split", {"X": x}, {"axis": 2, "num": 3, "sections": []}, outputs={"Out": 3})


@case("split", note="sections with -1 (the rest) along axis 0")
def split_infer_section(rng):
    x = feed("x", uniform(rng, (7, 3)))
    return op("split", {"X": x}, {"axis": 0, "num": 0, "sections": [2, -1, 1]},
              outputs={"Out": 3})


@case("slice", note="negative start, end past the dim (clamped), two axes")
def slice_clamp(rng):
    x = feed("x", uniform(rng, (3, 4, 5)))
    return op("slice", {"Input": x}, {"axes": [1, 2], "starts": [-3, 1], "ends": [100, -1],
                                      "decrease_axis": [], "infer_flags": [1, 1]})


@case("slice", note="decrease_axis drops the sliced size-1 dim")
def slice_decrease(rng):
    x = feed("x", uniform(rng, (3, 4, 5)))
    return op("slice", {"Input": x}, {"axes": [0, 2], "starts": [1, 0], "ends": [2, 3],
                                      "decrease_axis": [0], "infer_flags": [1, 1]})


@case("slice", note="every dim decreased: a 0-D result in Paddle 3")
def slice_to_scalar(rng):
    x = feed("x", uniform(rng, (3, 4)))
    return op("slice", {"Input": x}, {"axes": [0, 1], "starts": [2, -1], "ends": [3, 10000],
                                      "decrease_axis": [0, 1], "infer_flags": [1, 1]})


@case("slice", note="StartsTensor / EndsTensor inputs override the attrs; int64 data")
def slice_tensor_bounds(rng):
    x = feed("x", rng.randint(0, 100, size=(4, 6)).astype("int64"))
    s = feed("starts", np.array([1], dtype="int64"))
    e = feed("ends", np.array([-1], dtype="int64"))
    return op("slice", {"Input": x, "StartsTensor": s, "EndsTensor": e},
              {"axes": [1], "starts": [0], "ends": [1], "decrease_axis": [],
               "infer_flags": [-1]})


@case("shape", note="int32 dims of a 3-D input")
def shape_basic(rng):
    x = feed("x", uniform(rng, (2, 3, 5)))
    return op("shape", {"Input": x}, {}, dtype="int32")
