"""Cases for conv2d, depthwise_conv2d and conv2d_transpose (native/src/kernels/conv.cc):
every padding form, padding_algorithm, strides, dilations, groups and both data formats,
plus the attribute sets the real image models use."""

from op_case import case, feed, op, param, uniform


def conv(rng, type, x_shape, w_shape, **attrs):
    x = feed("x", uniform(rng, x_shape))
    w = param("w", uniform(rng, w_shape))
    base = {"strides": [1, 1], "paddings": [0, 0], "dilations": [1, 1], "groups": 1,
            "data_format": "NCHW", "padding_algorithm": "EXPLICIT"}
    base.update(attrs)
    return op(type, {"Input": x, "Filter": w}, base, outputs=("Output",))


@case("conv2d", note="ResNet stem style: AnyLayout, 2 paddings [1,1], stride 2, batch 2")
def conv2d_stride2_pad1(rng):
    return conv(rng, "conv2d", (2, 3, 9, 9), (4, 3, 3, 3), strides=[2, 2], paddings=[1, 1],
                data_format="AnyLayout")


@case("conv2d", note="1x1 conv as in ResNet bottlenecks, 16 -> 8 channels")
def conv2d_1x1(rng):
    return conv(rng, "conv2d", (1, 16, 5, 5), (8, 16, 1, 1))


@case("conv2d", note="4 paddings [top,bottom,left,right]=[1,2,0,1], dilations [2,1], strides [1,2]")
def conv2d_pad4_dilated(rng):
    return conv(rng, "conv2d", (1, 4, 8, 9), (6, 4, 3, 3), paddings=[1, 2, 0, 1],
                dilations=[2, 1], strides=[1, 2])


@case("conv2d", note="padding_algorithm SAME with stride 2 on odd sizes; SAME forces dilation 1")
def conv2d_same_strided(rng):
    return conv(rng, "conv2d", (1, 3, 7, 8), (5, 3, 3, 3), strides=[2, 2], dilations=[2, 2],
                paddings=[3, 3], padding_algorithm="SAME")


@case("conv2d", note="padding_algorithm VALID ignores paddings; 2x3 kernel, strides [1,2]")
def conv2d_valid(rng):
    return conv(rng, "conv2d", (1, 2, 6, 7), (3, 2, 2, 3), strides=[1, 2], paddings=[2, 2],
                padding_algorithm="VALID")


@case("conv2d", note="groups=2: 6 input channels in 2 groups of 3, 4 outputs")
def conv2d_groups(rng):
    return conv(rng, "conv2d", (2, 6, 5, 5), (4, 3, 3, 3), groups=2, paddings=[1, 1])


@case("conv2d", note="data_format NHWC with paddings [1,0]")
def conv2d_nhwc(rng):
    return conv(rng, "conv2d", (1, 5, 6, 4), (3, 4, 3, 3), paddings=[1, 0], data_format="NHWC")


@case("depthwise_conv2d", note="MobileNet/ShuffleNet style: groups=C=8, 3x3, stride 2, pad 1")
def depthwise_stride2(rng):
    return conv(rng, "depthwise_conv2d", (1, 8, 7, 7), (8, 1, 3, 3), groups=8, strides=[2, 2],
                paddings=[1, 1])


@case("depthwise_conv2d", note="channel multiplier 2 (8 outputs from 4 channels), 5x5 pad 2")
def depthwise_multiplier(rng):
    return conv(rng, "depthwise_conv2d", (1, 4, 6, 6), (8, 1, 5, 5), groups=4, paddings=[2, 2])


@case("depthwise_conv2d", note="NHWC with SAME padding and stride 2")
def depthwise_nhwc_same(rng):
    return conv(rng, "depthwise_conv2d", (1, 6, 5, 5), (5, 1, 3, 3), groups=5, strides=[2, 2],
                padding_algorithm="SAME", data_format="NHWC")


def conv_t(rng, x_shape, w_shape, **attrs):
    x = feed("x", uniform(rng, x_shape))
    w = param("w", uniform(rng, w_shape))
    base = {"strides": [1, 1], "paddings": [0, 0], "dilations": [1, 1], "groups": 1,
            "data_format": "NCHW", "padding_algorithm": "EXPLICIT", "output_padding": [],
            "output_size": []}
    base.update(attrs)
    return op("conv2d_transpose", {"Input": x, "Filter": w}, base, outputs=("Output",))


@case("conv2d_transpose", note="PP-OCRv3 det head: 2x2 kernel, stride 2, no padding")
def conv2d_transpose_stride2(rng):
    return conv_t(rng, (1, 4, 5, 5), (4, 3, 2, 2), strides=[2, 2])


@case("conv2d_transpose", note="output_padding [1,0] with stride 2 and paddings [1,1]")
def conv2d_transpose_output_padding(rng):
    return conv_t(rng, (1, 3, 4, 4), (3, 2, 3, 3), strides=[2, 2], paddings=[1, 1],
                  output_padding=[1, 0])


@case("conv2d_transpose", note="output_size [8,10] one above the inferred [7,9]")
def conv2d_transpose_output_size(rng):
    return conv_t(rng, (1, 3, 4, 5), (3, 2, 3, 3), strides=[2, 2], paddings=[1, 1],
                  output_size=[8, 10])


@case("conv2d_transpose", note="groups=2, dilations [2,2], 4 paddings [1,0,2,1]")
def conv2d_transpose_groups_dilated(rng):
    return conv_t(rng, (1, 4, 4, 4), (4, 3, 3, 3), groups=2, dilations=[2, 2],
                  paddings=[1, 0, 2, 1])


@case("conv2d_transpose", note="padding_algorithm SAME, stride 2")
def conv2d_transpose_same(rng):
    return conv_t(rng, (1, 2, 5, 5), (2, 3, 3, 3), strides=[2, 2],
                  padding_algorithm="SAME")


@case("conv2d_transpose", note="data_format NHWC, stride [2,1], paddings [1,1]")
def conv2d_transpose_nhwc(rng):
    return conv_t(rng, (1, 4, 5, 3), (3, 2, 3, 3), strides=[2, 1], paddings=[1, 1],
                  data_format="NHWC")
