// Quantized weights in Paddle-Lite models, dequantized on load. None of the real .nb files has
// any (reference/paddle_formats.md §3.4), so these tests write small models in Lite's own
// naive-buffer encoding (lite_writer.h) with the attributes Lite's opt and its light predictor
// use: quantize_weight_bits + <var>_quant_scale (weight-only quantization), or enable_int8 +
// <Slot>0_scale / weight_scale (INT8 models).
#include <gtest/gtest.h>

#include <cmath>

#include "framework/predictor.h"
#include "io/lite_dequant.h"
#include "io/lite_model.h"
#include "lite_writer.h"
#include "model_files.h"

namespace pd::testing {
namespace {

// feed -> <op> -> fetch, with the weight `w` and bias `b` as parameters.
std::string OneOpModel(const NbOp& op, const std::vector<NbParam>& params) {
  std::vector<NbVar> vars = {{"feed", kNbFeed, true}, {"x"}, {"y"}, {"fetch", kNbFetch, true}};
  for (const auto& p : params) vars.push_back({p.name, kNbLoDTensor, true});
  NbOp feed{"feed", {{"X", {"feed"}}}, {{"Out", {"x"}}}, {IntAttr("col", 0)}};
  NbOp fetch{"fetch", {{"X", {"y"}}}, {{"Out", {"fetch"}}}, {IntAttr("col", 0)}};
  return NaiveModel(NaiveProgram(vars, {feed, op, fetch}), NaiveParams(params));
}

std::vector<float> RunModel(const std::string& model, const Dims& dims, const std::vector<float>& x) {
  PredictorOptions options;
  options.model.from_memory = true;
  options.model.prog_buffer = model;
  auto p = Predictor::Create(std::move(options));
  Tensor* in = p->Input("x");
  in->Resize(dims);
  std::copy(x.begin(), x.end(), in->mutable_data<float>());
  p->Run();
  const Tensor* out = p->Output("y");
  return std::vector<float>(out->data<float>(), out->data<float>() + out->numel());
}

// fc with an INT8 weight [K=3, N=4]: one scale per output column.
TEST(LiteQuant, FcWeightOnlyInt8) {
  const std::vector<int8_t> q = {127, -128, 5, 0, -7, 64, 100, -1, 3, -3, -90, 12};
  const std::vector<float> scales = {0.01f, 0.5f, -0.25f, 2.0f};
  const std::vector<float> bias = {0.5f, -1.f, 0.f, 3.f};
  NbOp fc{"fc",
          {{"Input", {"x"}}, {"W", {"w"}}, {"Bias", {"b"}}},
          {{"Out", {"y"}}},
          {IntAttr("in_num_col_dims", 1), IntAttr("quantize_weight_bits", 8),
           StrAttr("quantization_type", "post_weight_channel_wise_abs_max"),
           FloatsAttr("w_quant_scale", scales)}};
  std::string model = OneOpModel(fc, {{"w", kNbInt8, {3, 4}, PodBytes(q)},
                                      {"b", kNbFP32, {4}, PodBytes(bias)}});
  const std::vector<float> x = {1.f, 2.f, -1.f, 0.5f, 0.f, 4.f};  // [2, 3]
  std::vector<float> got = RunModel(model, {2, 3}, x);
  ASSERT_EQ(got.size(), 8u);
  for (int r = 0; r < 2; ++r) {
    for (int n = 0; n < 4; ++n) {
      double want = bias[n];
      for (int k = 0; k < 3; ++k) want += x[r * 3 + k] * (scales[n] * q[k * 4 + n]);
      EXPECT_NEAR(got[r * 4 + n], want, 1e-4) << r << "," << n;
    }
  }
  // The program now declares the weight as FP32, as the loader converted it.
  LoadedModel m = LoadLiteModel(model, "synthetic");
  EXPECT_EQ(m.program->FindVar("w")->dtype, DType::kFP32);
  EXPECT_EQ(m.weights->Find("w")->dtype(), DType::kFP32);
}

// conv2d with an INT16 filter [Cout=2, Cin=3, 1, 1]: one scale per output channel (dim 0).
TEST(LiteQuant, ConvWeightOnlyInt16) {
  const std::vector<int16_t> q = {1000, -2000, 300, -32768, 32767, 7};
  const std::vector<float> scales = {0.001f, 0.0001f};
  NbOp conv{"conv2d",
            {{"Input", {"x"}}, {"Filter", {"f"}}},
            {{"Output", {"y"}}},
            {IntAttr("quantize_weight_bits", 16), FloatsAttr("f_quant_scale", scales),
             IntAttr("groups", 1)}};
  std::string model = OneOpModel(conv, {{"f", kNbInt16, {2, 3, 1, 1}, PodBytes(q)}});
  std::vector<float> x(3 * 2 * 2);
  for (size_t i = 0; i < x.size(); ++i) x[i] = 0.25f * static_cast<float>(i) - 1.f;
  std::vector<float> got = RunModel(model, {1, 3, 2, 2}, x);
  ASSERT_EQ(got.size(), 8u);
  for (int o = 0; o < 2; ++o) {
    for (int pix = 0; pix < 4; ++pix) {
      double want = 0;
      for (int c = 0; c < 3; ++c) want += x[c * 4 + pix] * (scales[o] * q[o * 3 + c]);
      EXPECT_NEAR(got[o * 4 + pix], want, 1e-4) << o << "," << pix;
    }
  }
}

lite::Param Int8Param(const std::string& name, Dims dims, const std::vector<int8_t>& v) {
  lite::Param p;
  p.name = name;
  p.tensor.Resize(std::move(dims));
  std::copy(v.begin(), v.end(), p.tensor.mutable_data<int8_t>());
  return p;
}

lite::proto::ProgramDesc OneOp(const std::string& type, const std::string& slot,
                               std::vector<std::pair<std::string, std::vector<float>>> floats,
                               bool enable_int8) {
  lite::proto::ProgramDesc prog;
  auto* op = prog.add_blocks()->add_ops();
  op->set_type(type);
  auto* in = op->add_inputs();
  in->set_parameter(slot);
  in->add_arguments("w");
  if (enable_int8) {
    auto* a = op->add_attrs();
    a->set_name("enable_int8");
    a->set_type(lite::proto::BOOLEAN);
    a->set_b(true);
  }
  for (auto& kv : floats) {
    auto* a = op->add_attrs();
    a->set_name(kv.first);
    a->set_type(lite::proto::FLOATS);
    for (float f : kv.second) a->add_floats(f);
  }
  return prog;
}

// INT8 models (enable_int8): newer Lite names the scales <Slot>0_scale, Lite <= 2.6
// weight_scale; a single scale covers the whole tensor.
TEST(LiteQuant, Int8ModelScales) {
  std::vector<lite::Param> params = {Int8Param("w", {2, 2}, {10, -20, 30, -40})};
  lite::DequantizeWeights(OneOp("fc", "W", {{"W0_scale", {0.5f, 0.25f}}}, true), &params, "t");
  const float* v = params[0].tensor.data<float>();
  EXPECT_FLOAT_EQ(v[0], 5.f);
  EXPECT_FLOAT_EQ(v[1], -5.f);
  EXPECT_FLOAT_EQ(v[2], 15.f);
  EXPECT_FLOAT_EQ(v[3], -10.f);

  params = {Int8Param("w", {2, 1, 1, 1}, {10, -20})};
  lite::DequantizeWeights(OneOp("conv2d", "Filter", {{"weight_scale", {0.1f}}}, true), &params,
                          "t");
  v = params[0].tensor.data<float>();
  EXPECT_FLOAT_EQ(v[0], 1.f);
  EXPECT_FLOAT_EQ(v[1], -2.f);
}

TEST(LiteQuant, BadScalesAreErrors) {
  std::vector<lite::Param> params = {Int8Param("w", {2, 3}, {1, 2, 3, 4, 5, 6})};
  try {
    lite::DequantizeWeights(OneOp("fc", "W", {{"W0_scale", {1.f, 2.f}}}, true), &params, "m.nb");
    FAIL() << "2 scales accepted for 3 output columns";
  } catch (const Error& e) {
    EXPECT_HAS(std::string(e.what()), "has 2 scales; fc needs 1 or 3");
    EXPECT_HAS(std::string(e.what()), "m.nb, block 0, op #0 (fc)");
  }
  params = {Int8Param("w", {2, 3}, {1, 2, 3, 4, 5, 6})};
  try {
    lite::DequantizeWeights(OneOp("fc", "W", {}, false), &params, "m.nb");
    FAIL() << "an INT8 weight without scales was accepted";
  } catch (const Error& e) {
    EXPECT_HAS(std::string(e.what()), "parameter 'w' holds int8 values but no op gives its "
                                      "quantization scales");
  }
}

}  // namespace
}  // namespace pd::testing
