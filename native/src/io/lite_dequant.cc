#include "io/lite_dequant.h"

#include <map>

#include "framework/error.h"

namespace pd::lite {

namespace {

// The values of a float-list attribute, or nullptr when absent.
const proto::OpDesc::Attr* FindAttr(const proto::OpDesc& op, const std::string& name) {
  for (const auto& a : op.attrs())
    if (a.name() == name) return &a;
  return nullptr;
}

std::vector<float> Floats(const proto::OpDesc::Attr& a) {
  if (a.type() == proto::FLOAT) return {a.f()};
  return std::vector<float>(a.floats().begin(), a.floats().end());
}

bool IsConv(const std::string& type) {
  return type == "conv2d" || type == "depthwise_conv2d" || type == "conv2d_transpose";
}

bool IsMatrix(const std::string& type) {
  return type == "fc" || type == "mul" || type == "lookup_table" || type == "lookup_table_v2" ||
         type == "matmul" || type == "matmul_v2";
}

template <typename T>
void Dequantize(const Tensor& q, const std::vector<float>& scales, int64_t rows, int64_t cols,
                bool per_row, Tensor* out) {
  const T* src = q.data<T>();
  out->Resize(q.dims());
  float* dst = out->mutable_data<float>();
  for (int64_t i = 0; i < rows; ++i) {
    for (int64_t j = 0; j < cols; ++j) {
      size_t c = scales.size() == 1 ? 0 : static_cast<size_t>(per_row ? i : j);
      dst[i * cols + j] = scales[c] * static_cast<float>(src[i * cols + j]);
    }
  }
}

// Dequantizes p with the op's scales along the op's output-channel axis.
void DequantizeParam(const proto::OpDesc& op, const std::vector<float>& scales, Param* p,
                     const std::string& where) {
  const Tensor& q = p->tensor;
  const Dims& d = q.dims();
  PD_CHECK(!d.empty() && q.numel() > 0, where, ": quantized weight '", p->name,
           "' is empty");
  bool per_row;
  int64_t rows, cols;
  if (IsConv(op.type())) {
    per_row = true;  // one scale per output channel, dim 0
    rows = d[0];
    cols = q.numel() / d[0];
  } else if (IsMatrix(op.type())) {
    PD_CHECK(d.size() <= 2, where, ": quantized weight '", p->name, "' has shape ",
             DimsToString(d), "; a matrix weight has rank 1 or 2");
    per_row = false;  // one scale per output column
    rows = d.size() == 2 ? d[0] : 1;
    cols = d.size() == 2 ? d[1] : d[0];
  } else {
    Fail(where, ": op type ", op.type(), " has a quantized weight '", p->name,
         "', but Lite quantizes only conv and fc/mul/lookup_table weights");
  }
  int64_t channels = per_row ? rows : cols;
  PD_CHECK(scales.size() == 1 || static_cast<int64_t>(scales.size()) == channels, where,
           ": quantized weight '", p->name, "' of shape ", DimsToString(d), " has ",
           scales.size(), " scales; ", op.type(), " needs 1 or ", channels, " (one per output ",
           "channel)");
  Tensor out;
  switch (q.dtype()) {
    case DType::kInt8: Dequantize<int8_t>(q, scales, rows, cols, per_row, &out); break;
    case DType::kInt16: Dequantize<int16_t>(q, scales, rows, cols, per_row, &out); break;
    default:
      Fail(where, ": '", p->name, "' has scales but holds ", DTypeName(q.dtype()),
           ", not int8 or int16");
  }
  out.set_lod(q.lod());
  p->tensor = std::move(out);
}

// The scales op gives for its input `name` in slot `slot`, or an empty list.
std::vector<float> ScalesFor(const proto::OpDesc& op, const std::string& slot,
                             const std::string& name, const std::string& where) {
  bool weight_only = FindAttr(op, "quantize_weight_bits") != nullptr;
  if (const auto* q = FindAttr(op, "quantization_type")) {
    weight_only = weight_only || q->s() == "post_weight_abs_max" ||
                  q->s() == "post_weight_channel_wise_abs_max";
  }
  if (weight_only) {
    if (const auto* bits = FindAttr(op, "quantize_weight_bits")) {
      PD_CHECK(bits->i() == 8 || bits->i() == 16, where, ": quantize_weight_bits is ", bits->i(),
               "; Lite quantizes weights to 8 or 16 bits");
    }
    if (const auto* a = FindAttr(op, name + "_quant_scale")) return Floats(*a);
    return {};
  }
  const auto* int8 = FindAttr(op, "enable_int8");
  if (int8 == nullptr || !(int8->b() || int8->i() != 0)) return {};
  if (const auto* a = FindAttr(op, slot + "0_scale")) return Floats(*a);
  if (const auto* a = FindAttr(op, "weight_scale")) return Floats(*a);
  return {};
}

}  // namespace

void DequantizeWeights(const proto::ProgramDesc& program, std::vector<Param>* params,
                       const std::string& origin) {
  std::map<std::string, Param*> by_name;
  for (Param& p : *params) {
    if (p.tensor.dtype() == DType::kInt8 || p.tensor.dtype() == DType::kInt16)
      by_name[p.name] = &p;
  }
  if (by_name.empty()) return;
  std::map<std::string, bool> done;
  for (int b = 0; b < program.blocks_size(); ++b) {
    const auto& ops = program.blocks(b).ops();
    for (int i = 0; i < ops.size(); ++i) {
      const proto::OpDesc& op = ops.Get(i);
      std::string where = StrCat(origin, ", block ", b, ", op #", i, " (", op.type(), ")");
      for (const auto& slot : op.inputs()) {
        for (const auto& name : slot.arguments()) {
          auto it = by_name.find(name);
          if (it == by_name.end() || done[name]) continue;
          std::vector<float> scales = ScalesFor(op, slot.parameter(), name, where);
          if (scales.empty()) continue;
          DequantizeParam(op, scales, it->second, where);
          done[name] = true;
        }
      }
    }
  }
  for (const auto& kv : by_name) {
    PD_CHECK(done[kv.first], origin, ": parameter '", kv.first, "' holds ",
             DTypeName(kv.second->tensor.dtype()),
             " values but no op gives its quantization scales (quantize_weight_bits with ",
             kv.first, "_quant_scale, or enable_int8 with weight_scale / <Slot>0_scale)");
  }
}

}  // namespace pd::lite
