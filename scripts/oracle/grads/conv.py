"""Gradient cases of the convolution and pooling ops (conv2d_grad, depthwise_conv2d_grad,
pool2d_grad) under a mean loss, NCHW float32. Inputs are feeds with grad=True so that
Input@GRAD / X@GRAD are computed too; filters are parameters (Filter@GRAD)."""

import numpy as np
import paddle

from _case import case, feed, op, param, uniform

F = paddle.nn.functional


def head(rng, y, shape):
    """mean(mul(y flattened to [N, C*H*W], w [C*H*W, 2])): a loss whose gradient differs per
    cell of y (a plain mean would hand every cell the same Out@GRAD)."""
    w = param("head_w", uniform(rng, (int(np.prod(shape[1:])), 2)))
    return paddle.mean(op("mul", {"X": y, "Y": w}, {"x_num_col_dims": 1, "y_num_col_dims": 1}))


def conv(x, w, stride=1, padding=0, dilation=1, groups=1):
    """paddle.nn.functional.conv2d without a bias: one conv2d op (depthwise_conv2d where groups
    equals the input channels, as Paddle's layer chooses)."""
    return F.conv2d(x, w, bias=None, stride=stride, padding=padding, dilation=dilation,
                    groups=groups)


@case(note="conv2d 3x3 stride 1 pad 1, x [2,3,5,5], filter [4,3,3,3], no bias, under a mul "
           "head; Input@GRAD (convolution_backward_data) and Filter@GRAD (backward_weights)")
def conv2d_3x3_grad(rng):
    x = feed("x", uniform(rng, (2, 3, 5, 5)), grad=True)
    w = param("conv_w", uniform(rng, (4, 3, 3, 3), -0.5, 0.5))
    return head(rng, conv(x, w, stride=1, padding=1), (2, 4, 5, 5))


@case(note="conv2d 1x1 stride 2, no padding, x [2,4,6,6] -> [2,6,3,3] (the ResNet "
           "downsample shortcut): odd input cells get a zero Input@GRAD")
def conv2d_1x1_stride2_grad(rng):
    x = feed("x", uniform(rng, (2, 4, 6, 6)), grad=True)
    w = param("conv_w", uniform(rng, (6, 4, 1, 1), -0.5, 0.5))
    return head(rng, conv(x, w, stride=2, padding=0), (2, 6, 3, 3))


@case(note="depthwise conv 3x3 stride 1 pad 1, groups = channels = 4, x [2,4,5,5], filter "
           "[4,1,3,3]: Paddle emits depthwise_conv2d / depthwise_conv2d_grad")
def depthwise_conv2d_grad(rng):
    x = feed("x", uniform(rng, (2, 4, 5, 5)), grad=True)
    w = param("dw_w", uniform(rng, (4, 1, 3, 3), -0.5, 0.5))
    return head(rng, conv(x, w, stride=1, padding=1, groups=4), (2, 4, 5, 5))


@case(note="conv2d 3x3 dilation 2 pad 2 stride 2, groups 2, x [1,4,7,7] -> [1,4,4,4], "
           "filter [4,2,3,3]")
def conv2d_dilation2_grad(rng):
    x = feed("x", uniform(rng, (1, 4, 7, 7)), grad=True)
    w = param("conv_w", uniform(rng, (4, 2, 3, 3), -0.5, 0.5))
    return head(rng, conv(x, w, stride=2, padding=2, dilation=2, groups=2), (1, 4, 4, 4))


@case(note="conv2d 3x3 stride 2 padding_algorithm SAME on x [1,2,6,6] -> [1,3,3,3]: the "
           "padding is asymmetric (0 before, 1 after)")
def conv2d_same_stride2_grad(rng):
    x = feed("x", uniform(rng, (1, 2, 6, 6)), grad=True)
    w = param("conv_w", uniform(rng, (3, 2, 3, 3), -0.5, 0.5))
    return head(rng, conv(x, w, stride=2, padding="SAME"), (1, 3, 3, 3))


@case(note="pool2d max 3x3 stride 2 pad 1 (the ResNet stem) on x [2,2,6,6] quantized to "
           "multiples of 0.25 so that windows hold tied maxima: Paddle routes each window's "
           "gradient to the FIRST maximum in row-major order")
def max_pool_3x3_stride2_grad(rng):
    x = feed("x", np.round(uniform(rng, (2, 2, 6, 6)) * 4.0).astype(np.float32) / 4.0,
             grad=True)
    return head(rng, F.max_pool2d(x, kernel_size=3, stride=2, padding=1), (2, 2, 3, 3))


@case(note="pool2d avg with global_pooling (ksize ignored) on x [2,3,4,5] -> [2,3,1,1]")
def global_avg_pool_grad(rng):
    x = feed("x", uniform(rng, (2, 3, 4, 5)), grad=True)
    y = op("pool2d", {"X": x},
           {"pooling_type": "avg", "ksize": [1, 1], "global_pooling": True, "strides": [1, 1],
            "paddings": [0, 0], "exclusive": True, "adaptive": False, "ceil_mode": False,
            "data_format": "NCHW", "padding_algorithm": "EXPLICIT"})
    return head(rng, y, (2, 3, 1, 1))


@case(note="pool2d avg 2x2 stride 2 pad 1 exclusive on x [2,2,6,6] -> [2,2,4,4]: border "
           "windows divide by the cells inside the input only")
def avg_pool_2x2_exclusive_grad(rng):
    x = feed("x", uniform(rng, (2, 2, 6, 6)), grad=True)
    y = F.avg_pool2d(x, kernel_size=2, stride=2, padding=1, exclusive=True)
    return head(rng, y, (2, 2, 4, 4))


@case(note="pool2d avg 3x3 stride 2 pad 1 NOT exclusive (padding counted in the divisor) on "
           "x [1,2,5,5] -> y [1,2,3,3]; y feeds a mul head and an adaptive avg pool to 1x1 "
           "(AdaptiveAvgPool2D(1)) with its own head, so y@GRAD is a sum of @RENAME@ parts")
def avg_pool_inclusive_adaptive_grad(rng):
    x = feed("x", uniform(rng, (1, 2, 5, 5)), grad=True)
    y = F.avg_pool2d(x, kernel_size=3, stride=2, padding=1, exclusive=False)
    w2 = param("head2_w", uniform(rng, (2, 2)))
    z = op("mul", {"X": F.adaptive_avg_pool2d(y, 1), "Y": w2},
           {"x_num_col_dims": 1, "y_num_col_dims": 1})
    return head(rng, y, (1, 2, 3, 3)) + paddle.mean(z)


def bf16_exact(x):
    """x rounded to bfloat16 values (nearest, ties to even), kept as float32."""
    bits = np.ascontiguousarray(x, dtype=np.float32).view(np.uint32).astype(np.uint64)
    bits = ((bits + 0x7FFF + ((bits >> 16) & 1)) & 0xFFFF0000).astype(np.uint32)
    return bits.view(np.float32)


def bf16_conv_case(rng, x_shape, w_shape, padding, groups):
    """mean(conv(x, w) * g) with the conv marked mkldnn_data_type = bfloat16. x, w and g hold
    bfloat16 values and the output has a power-of-two count, so Output@GRAD (g / count) is
    bfloat16 too: every operand the bfloat16 kernels round is already exact, and Paddle's
    float32 result is what bfloat16 products summed in float32 give."""
    x = feed("x", bf16_exact(uniform(rng, x_shape)), grad=True)
    w = param("conv_w", bf16_exact(uniform(rng, w_shape, -0.5, 0.5)))
    y = conv(x, w, stride=1, padding=padding, groups=groups)
    paddle.static.default_main_program().current_block().ops[-1]._set_attr(
        "mkldnn_data_type", "bfloat16")
    out_shape = tuple(y.shape)
    assert np.prod(out_shape) & (np.prod(out_shape) - 1) == 0, out_shape
    g = feed("g", bf16_exact(uniform(rng, out_shape)))
    return paddle.mean(op("elementwise_mul", {"X": y, "Y": g}, {"axis": -1}))


@case(note="conv2d 3x3 marked mkldnn_data_type=bfloat16 (bf16 mixed precision), x [2,8,6,6] "
           "-> [2,8,4,4], every operand bfloat16-exact: the bfloat16 kernels' result")
def conv2d_bf16_grad(rng):
    return bf16_conv_case(rng, (2, 8, 6, 6), (8, 8, 3, 3), 0, 1)


@case(note="depthwise_conv2d 3x3 pad 1 marked mkldnn_data_type=bfloat16, x [2,8,4,4], "
           "every operand bfloat16-exact")
def depthwise_conv2d_bf16_grad(rng):
    return bf16_conv_case(rng, (2, 8, 4, 4), (8, 1, 3, 3), 1, 8)
