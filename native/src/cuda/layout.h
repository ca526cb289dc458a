// Channels-last on the GPU (GOHUB_CUDA_CHANNELS_LAST=1, off by default until a GPU check has
// measured it): conv2d writes its output NHWC, the layout cuDNN's tensor-core kernels work in
// (PyTorch's channels_last), and the ops between convolutions (batch norm, pooling, the
// activations, the element-wise ops, sum and their gradients) read and write it as it comes;
// every other op gets plain tensors through ChannelsLastConverter. As on the CPU
// (Tensor::layout), the dims stay the logical NCHW ones.
//
// bfloat16 activations (training's AMP, ExecConfig::gpu_bf16_activations): a convolution that
// runs in bfloat16 leaves its output as cuDNN wrote it, bfloat16, instead of widening it; batch
// norm and its gradient read it so, and batch norm then writes its own output in bfloat16
// (rounded, as autocast's batch norm does), which the next bfloat16 convolution and its
// gradient read as their bfloat16 image, and ReLU's gradient and the residual add read as it
// is. Such a tensor is still float32 to the engine (its dtype, dims and buffer size stay), only
// its first half holds the bfloat16 values; every other reader gets it widened, through the
// same converter. Its buffer is half a float32 tensor's where the kernel allocated it so
// (OutputIn). The gradients follow: a bfloat16 convolution's data gradient with respect to a
// bfloat16 activation stays bfloat16 as cuDNN writes it, and the gradients computed from a
// bfloat16 one (ReLU's, batch norm's, pooling's, a sum of two, the residual add's views) are
// stored so too; the parameters' gradients are float32.
#pragma once

#include <memory>

#include "cuda/bf16_launch.h"
#include "cuda/conv_grad.h"
#include "framework/device.h"
#include "framework/op_registry.h"

namespace pd::cuda {

// The Tensor::layout bits of a GPU tensor. Channels-last: 4-D [N, C, H, W] stored as a
// row-major [N, H, W, C] array. bfloat16: the values stored as bfloat16 (either order).
constexpr int kGpuChannelsLast = 1;
constexpr int kGpuBf16 = 2;

// Whether GOHUB_CUDA_CHANNELS_LAST asks for channels-last convolutions (read once).
bool ChannelsLastWanted();

inline bool IsGpuChannelsLast(const Tensor& t) {
  return (t.layout() & kGpuChannelsLast) != 0 && t.rank() == 4;
}
inline bool IsGpuBf16(const Tensor& t) { return (t.layout() & kGpuBf16) != 0; }

// Whether a kernel that writes its output in bfloat16 anyway (a bfloat16 convolution) may leave
// it so (ExecConfig::gpu_bf16_activations).
bool Bf16ActivationsOn(const DeviceContext& ctx);
// The float32 values of t, as stored (the bfloat16 flag in FloatData, cuda/bf16_launch.h).
FloatData StoredFloats(const Tensor& t);
// t's 4-D dims with the layout it is stored in.
ImageGeometry GeometryOf(const Tensor& t);

// Room for the values of the output t in layout (its kGpuBf16 bit: in bfloat16, half a float32
// tensor's bytes, t staying float32 to the engine), to be written in full; sets t's layout.
void* OutputIn(Tensor* t, int layout);

// A plain or channels-last float32 copy of the 4-D tensor src in scratch (on src's place; the
// buffer is kept for the next call of the same size), or src's own data when it is stored so
// already. A bfloat16 src is widened.
const float* InLayout(const Tensor& src, bool channels_last, Tensor* scratch,
                      cudaStream_t stream);

// Turns a channels-last or bfloat16 tensor back into plain float32 NCHW, in place (through a
// scratch buffer it keeps for the next call).
class ChannelsLastConverter final : public LayoutConverter {
 public:
  void ToPlain(Tensor* t, DeviceContext& ctx) override;
  // A plain 4-D float tensor goes channels-last when ChannelsLastWanted().
  bool ToKernelLayout(Tensor* t, DeviceContext& ctx) override;

 private:
  Tensor scratch_;
};

// Layout rules of the GPU kernels that read channels-last inputs; each is nullptr (plain inputs
// only, as before) unless ChannelsLastWanted().
// The kernel converts what it cannot read itself (conv2d and its gradient, batch_norm, pool2d);
// always on, since bfloat16 activations come without channels-last too.
LayoutRule AnyLayoutRule();
// Activations and their gradients, sum: every 4-D float input stored in one layout, with the
// same dims when not plain (the output is written in it too).
LayoutRule SameLayoutRuleIfWanted();
// The activation gradients: as SameLayoutRuleIfWanted, Out and Out@GRAD in bfloat16 too (a
// batch norm's fused-relu output and its gradient); always on, as AnyLayoutRule.
LayoutRule ActGradRule();
// sum: as SameLayoutRuleIfWanted, or two operands of one order and dims either of which is
// bfloat16 (gradients accumulated); always on.
LayoutRule SumRule();
// batch_norm_grad: as SameLayoutRuleIfWanted, plain alone for data_layout NHWC, X and Y@GRAD in
// bfloat16 too; always on, as AnyLayoutRule.
LayoutRule NormGradRule();
// Binary element-wise ops: X and Y plain, or in one layout with the same dims.
LayoutRule ElementwiseRuleIfWanted();
// elementwise_add: as ElementwiseRuleIfWanted, and X or Y in bfloat16 (batch norms' outputs)
// where both have the same dims and order and neither is Out; always on, as AnyLayoutRule.
LayoutRule AddRule();
// pool2d_grad: X@GRAD follows X, and Out and Out@GRAD are in X's order or 1x1 (where both
// orders are the same bytes); any of them in bfloat16 too. Always on, as AnyLayoutRule.
LayoutRule PoolGradRule();
// elementwise_add/sub_grad: an operand of Out@GRAD's dims gets a view of it, in its layout
// (elementwise_add_grad's in bfloat16 too); broadcast operands need plain. Always on.
LayoutRule AddGradRule();
// Ops that move values unchanged (concat, split, shuffle_channel, concat_grad,
// shuffle_channel_grad): the moved inputs (Out@GRAD for the grads, else X) plain-ordered and all
// in bfloat16 or none, the outputs written as they are stored. Always on.
LayoutRule MoveLayoutRule();

}  // namespace pd::cuda
