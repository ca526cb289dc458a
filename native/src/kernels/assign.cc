// assign (Out = a copy of X, any element type, LoD included) and assign_value (Out = constant
// values from attributes: an Assign initializer in a startup program, paddle.assign of an
// array). assign_value's values come, by Paddle release, as `values` (Scalar list, Paddle 2.5+)
// or as one typed list per dtype: fp32_values, fp64_values, int32_values, int64_values,
// bool_values.
#include <cstring>
#include <string>
#include <vector>

#include "kernels/kernel_util.h"
#include "kernels/register.h"

namespace pd {
namespace {

void AssignInferShape(OpContext& ctx) {
  ctx.Out("Out")->Resize(InputWithData(ctx, "X").dims());
  ShareLoD(ctx, "X", "Out");
}

void AssignKernel(OpContext& ctx) {
  const Tensor& x = ctx.In("X");
  Tensor* out = ctx.Out("Out");
  if (out == &x) return;  // assign onto itself
  std::memcpy(out->mutable_data(x.dtype()), x.raw_data(), x.nbytes());
}

const proto::OpDesc::Attr* FindAttr(const proto::OpDesc& op, const std::string& name) {
  for (const auto& a : op.attrs())
    if (a.name() == name) return &a;
  return nullptr;
}

// assign_value's constants as doubles (every int32, float and bool is exact in a double; int64
// values come through their own list, below).
std::vector<double> ScalarValues(const proto::OpDesc::Attr& a) {
  std::vector<double> v;
  for (const auto& s : a.scalars()) {
    switch (s.type()) {
      case proto::Scalar::BOOLEAN: v.push_back(s.b() ? 1.0 : 0.0); break;
      case proto::Scalar::LONG: v.push_back(static_cast<double>(s.i())); break;
      case proto::Scalar::FLOAT64: v.push_back(s.r()); break;
      default: Fail("assign_value: complex values are not supported");
    }
  }
  return v;
}

template <typename T, typename Src>
void Store(Tensor* out, const Src& values) {
  T* p = out->mutable_data<T>();
  for (int64_t i = 0; i < out->numel(); ++i) p[i] = static_cast<T>(values[i]);
}

void AssignValueInferShape(OpContext& ctx) {
  ctx.Out("Out")->Resize(ctx.op().GetInts("shape", {}));
}

void AssignValueKernel(OpContext& ctx) {
  const proto::OpDesc& op = ctx.op().desc();
  Tensor* out = ctx.Out("Out");
  const int64_t dtype = ctx.op().GetInt("dtype", 5);
  // The int64 list keeps every bit of large values; otherwise the first non-empty source.
  const proto::OpDesc::Attr* longs = FindAttr(op, "int64_values");
  const proto::OpDesc::Attr* scalars = FindAttr(op, "values");
  std::vector<double> values;
  if (scalars != nullptr && scalars->scalars_size() > 0) {
    if (dtype == 3) {  // int64 from Scalars: take the integers as they are
      std::vector<int64_t> ints;
      for (const auto& s : scalars->scalars())
        ints.push_back(s.type() == proto::Scalar::LONG ? s.i() : static_cast<int64_t>(s.r()));
      PD_CHECK(static_cast<int64_t>(ints.size()) == out->numel(), "assign_value: ", ints.size(),
               " values for shape ", DimsToString(out->dims()));
      return Store<int64_t>(out, ints);
    }
    values = ScalarValues(*scalars);
  } else if (longs != nullptr && longs->longs_size() > 0) {
    PD_CHECK(longs->longs_size() == out->numel(), "assign_value: ", longs->longs_size(),
             " values for shape ", DimsToString(out->dims()));
    if (dtype == 3) return Store<int64_t>(out, longs->longs());
    for (int64_t v : longs->longs()) values.push_back(static_cast<double>(v));
  } else if (const auto* a = FindAttr(op, "fp32_values"); a && a->floats_size() > 0) {
    values.assign(a->floats().begin(), a->floats().end());
  } else if (const auto* a = FindAttr(op, "fp64_values"); a && a->float64s_size() > 0) {
    values.assign(a->float64s().begin(), a->float64s().end());
  } else if (const auto* a = FindAttr(op, "int32_values"); a && a->ints_size() > 0) {
    values.assign(a->ints().begin(), a->ints().end());
  } else if (const auto* a = FindAttr(op, "bool_values"); a && a->bools_size() > 0) {
    values.assign(a->bools().begin(), a->bools().end());
  }
  PD_CHECK(static_cast<int64_t>(values.size()) == out->numel(), "assign_value: ", values.size(),
           " values for shape ", DimsToString(out->dims()));
  switch (dtype) {
    case 5: return Store<float>(out, values);
    case 6: return Store<double>(out, values);
    case 2: return Store<int32_t>(out, values);
    case 3: return Store<int64_t>(out, values);
    case 0: return Store<bool>(out, values);
    default: Fail("assign_value: dtype ", dtype, " is not supported");
  }
}

}  // namespace

void RegisterAssignKernels(OpRegistry& r) {
  r.Add("assign", AssignInferShape, "");  // any element type
  r.AddKernel("assign", DeviceType::kCPU, DType::kUndefined, AssignKernel);
  r.Add("assign_value", AssignValueInferShape, "");
  r.AddKernel("assign_value", DeviceType::kCPU, DType::kUndefined, AssignValueKernel);
}

}  // namespace pd
