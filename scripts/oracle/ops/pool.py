"""Cases for pool2d (native/src/kernels/pool.cc): max and avg, global, adaptive, exclusive,
ceil_mode, every padding form and padding_algorithm, NCHW and NHWC."""

from op_case import case, feed, op, uniform


def pool(rng, x_shape, **attrs):
    x = feed("x", uniform(rng, x_shape))
    base = {"pooling_type": "max", "ksize": [2, 2], "strides": [1, 1], "paddings": [0, 0],
            "global_pooling": False, "adaptive": False, "exclusive": True, "ceil_mode": False,
            "data_format": "NCHW", "padding_algorithm": "EXPLICIT"}
    base.update(attrs)
    return op("pool2d", {"X": x}, base)


@case("pool2d", note="ResNet stem: max 3x3 stride 2 pad 1, AnyLayout")
def pool_max_3x3_s2(rng):
    return pool(rng, (2, 3, 9, 9), ksize=[3, 3], strides=[2, 2], paddings=[1, 1],
                data_format="AnyLayout")


@case("pool2d", note="global avg pooling with ksize [-1,-1] (gesture_rec)")
def pool_global_avg(rng):
    return pool(rng, (2, 4, 5, 6), pooling_type="avg", ksize=[-1, -1], global_pooling=True)


@case("pool2d", note="global max pooling ignores ksize and paddings")
def pool_global_max(rng):
    return pool(rng, (1, 3, 4, 5), ksize=[2, 2], paddings=[1, 1], global_pooling=True)


@case("pool2d", note="avg 7x7 over a 7x7 map without global_pooling (ShuffleNetV2)")
def pool_avg_full_window(rng):
    return pool(rng, (1, 4, 7, 7), pooling_type="avg", ksize=[7, 7])


@case("pool2d", note="avg exclusive=false with ceil_mode: divisor counts padding, not the overhang")
def pool_avg_inclusive_ceil(rng):
    return pool(rng, (1, 2, 6, 7), pooling_type="avg", ksize=[3, 3], strides=[2, 2],
                paddings=[1, 1], exclusive=False, ceil_mode=True)


@case("pool2d", note="avg exclusive with ceil_mode and 4 paddings [0,1,1,0]")
def pool_avg_exclusive_ceil_pad4(rng):
    return pool(rng, (1, 2, 6, 7), pooling_type="avg", ksize=[3, 2], strides=[2, 2],
                paddings=[0, 1, 1, 0], ceil_mode=True)


@case("pool2d", note="avg exclusive=false with asymmetric paddings [0,1,0,1]")
def pool_avg_inclusive_asym(rng):
    return pool(rng, (1, 2, 5, 5), pooling_type="avg", ksize=[3, 3], strides=[2, 2],
                paddings=[0, 1, 0, 1], exclusive=False)


@case("pool2d", note="max with ceil_mode, 2x2 stride 2 on odd sizes")
def pool_max_ceil(rng):
    return pool(rng, (1, 3, 5, 7), ksize=[2, 2], strides=[2, 2], ceil_mode=True)


@case("pool2d", note="adaptive avg to 1x1 (PP-OCRv3 SE blocks)")
def pool_adaptive_avg_1x1(rng):
    return pool(rng, (1, 4, 5, 6), pooling_type="avg", ksize=[1, 1], adaptive=True)


@case("pool2d", note="adaptive avg to [3,2] from 7x5: uneven, overlapping bins")
def pool_adaptive_avg_3x2(rng):
    return pool(rng, (1, 2, 7, 5), pooling_type="avg", ksize=[3, 2], adaptive=True)


@case("pool2d", note="padding_algorithm SAME, avg 3x3 stride 2")
def pool_avg_same(rng):
    return pool(rng, (1, 2, 7, 6), pooling_type="avg", ksize=[3, 3], strides=[2, 2],
                padding_algorithm="SAME")


@case("pool2d", note="padding_algorithm VALID ignores paddings, max 3x2")
def pool_max_valid(rng):
    return pool(rng, (1, 2, 7, 6), ksize=[3, 2], strides=[2, 1], paddings=[1, 1],
                padding_algorithm="VALID")


@case("pool2d", note="data_format NHWC, max 3x3 stride 2 pad 1")
def pool_max_nhwc(rng):
    return pool(rng, (1, 6, 7, 3), ksize=[3, 3], strides=[2, 2], paddings=[1, 1],
                data_format="NHWC")


@case("pool2d", note="data_format NHWC, avg exclusive=false pad 1")
def pool_avg_nhwc(rng):
    return pool(rng, (2, 5, 5, 3), pooling_type="avg", ksize=[2, 2], strides=[2, 2],
                paddings=[1, 1], exclusive=False, data_format="NHWC")
