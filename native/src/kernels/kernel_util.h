// Small shape and slot checks that several kernel families share.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "framework/op_registry.h"

namespace pd {

// Product of dims[begin, end).
inline int64_t DimProduct(const Dims& dims, size_t begin, size_t end) {
  int64_t p = 1;
  for (size_t i = begin; i < end && i < dims.size(); ++i) p *= dims[i];
  return p;
}

// Fails when an output names the same variable as one of the inputs. Ops that resize their
// output or read inputs after writing it (GEMM, gather, concat) would otherwise read a
// clobbered or reshaped buffer.
inline void CheckNotInPlace(const OpContext& ctx, const std::string& out_slot,
                            std::initializer_list<const char*> in_slots) {
  if (!ctx.HasOutput(out_slot)) return;
  const Tensor* out = ctx.Out(out_slot);
  for (const char* slot : in_slots) {
    if (!ctx.HasInput(slot)) continue;
    for (const Tensor* in : ctx.Ins(slot)) {
      PD_CHECK(in != out, ctx.op().type(), ": output ", out_slot, " (", ctx.op().Output(out_slot),
               ") must not be the same variable as input ", slot);
    }
  }
}

// The tensor of an input slot, failing with the op and slot when nothing was fed or written
// into it (shape inference runs before the kernel is chosen, so it meets unfed inputs first).
inline const Tensor& InputWithData(const OpContext& ctx, const char* slot, size_t i = 0) {
  const Tensor& t = ctx.In(slot, i);
  PD_CHECK(t.initialized(), ctx.op().type(), ": input ", slot, " (", ctx.op().Inputs(slot).at(i),
           ") has no data; was it fed?");
  return t;
}

// InputWithData that also requires the element type want.
inline const Tensor& InputOfType(const OpContext& ctx, const char* slot, DType want) {
  const Tensor& t = InputWithData(ctx, slot);
  PD_CHECK(t.dtype() == want, ctx.op().type(), ": input ", slot, " is ", DTypeName(t.dtype()),
           ", expected ", DTypeName(want));
  return t;
}

// The single value of a one-element tensor input (ScaleTensor, AxisTensor), of any numeric type.
inline double ScalarInput(const OpContext& ctx, const char* slot) {
  const Tensor& t = ctx.In(slot);
  PD_CHECK(t.initialized() && t.numel() == 1, ctx.op().type(), ": input ", slot,
           " must hold exactly one value, got shape ", DimsToString(t.dims()));
  switch (t.dtype()) {
    case DType::kFP32:
      return t.data<float>()[0];
    case DType::kFP64:
      return t.data<double>()[0];
    case DType::kInt32:
      return t.data<int32_t>()[0];
    case DType::kInt64:
      return static_cast<double>(t.data<int64_t>()[0]);
    default:
      Fail(ctx.op().type(), ": input ", slot, " has unsupported type ", DTypeName(t.dtype()));
  }
}

// The values of an int32 or int64 tensor input (Shape, StartsTensor, a ShapeTensor entry...).
inline std::vector<int64_t> IntListInput(const OpContext& ctx, const Tensor& t, const char* slot) {
  PD_CHECK(t.initialized(), ctx.op().type(), ": input ", slot, " has no data");
  if (t.dtype() == DType::kInt32) {
    const int32_t* p = t.data<int32_t>();
    return std::vector<int64_t>(p, p + t.numel());
  }
  PD_CHECK(t.dtype() == DType::kInt64, ctx.op().type(), ": input ", slot,
           " must be int32 or int64, not ", DTypeName(t.dtype()));
  const int64_t* p = t.data<int64_t>();
  return std::vector<int64_t>(p, p + t.numel());
}

// Whether elementwise_add's fuse_activation asks for relu (a training program's add → relu,
// passes/relu_fuse.cc); no other activation is fused into it.
inline bool AddFusesRelu(const OpContext& ctx) {
  const std::string act = ctx.op().GetString("fuse_activation", "");
  PD_CHECK(act.empty() || act == "relu", ctx.op().type(), ": fuse_activation '", act,
           "' is not supported");
  return !act.empty();
}

}  // namespace pd
