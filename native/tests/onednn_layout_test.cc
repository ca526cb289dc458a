// oneDNN blocked layouts between ops (Tensor::layout, kernels/dnnl_util.h) and the residual fusion
// (passes/conv_residual_fuse.cc): a small ResNet block, run as one program so that convs hand
// each other blocked tensors and the executor converts them for plain readers, must give what the
// same ops give run one by one (each single-op run leaves its output plain), with the graph
// passes on and off.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "framework/allocator.h"
#include "kernels/dnnl_util.h"
#include "passes/passes.h"
#include "test_util.h"

namespace pd::test {
namespace {

OpBuilder Conv(const std::string& in, const std::string& filter, const std::string& out, int pad) {
  return OpBuilder("conv2d")
      .In("Input", {in})
      .In("Filter", {filter})
      .Out("Output", {out})
      .Ints("strides", {1, 1})
      .Ints("paddings", {pad, pad})
      .Ints("dilations", {1, 1})
      .Int("groups", 1);
}

// x → conv a (3×3) → relu → conv b (1×1) → add(shortcut = conv s(x), b) → relu → max pool → y.
// The shortcut conv comes after the main branch, as in Paddle's ResNets; channels are 16 so that
// nothing is padded, and 12 in c so that the executor converts a padded layout too.
std::vector<OpBuilder> Block() {
  return {Conv("x", "fa", "a", 1),
          OpBuilder("relu").In("X", {"a"}).Out("Out", {"ar"}),
          Conv("ar", "fb", "b", 0),
          Conv("x", "fs", "s", 0),
          OpBuilder("elementwise_add").In("X", {"s"}).In("Y", {"b"}).Out("Out", {"sum"}).Int(
              "axis", -1),
          OpBuilder("relu").In("X", {"sum"}).Out("Out", {"r"}),
          Conv("r", "fc", "c", 1),
          OpBuilder("pool2d")
              .In("X", {"c"})
              .Out("Out", {"y"})
              .String("pooling_type", "max")
              .Ints("ksize", {3, 3})
              .Ints("strides", {2, 2})
              .Ints("paddings", {1, 1}),
          OpBuilder("sigmoid").In("X", {"c"}).Out("Out", {"z"})};
}

const std::map<std::string, Dims> kWeights = {
    {"fa", {16, 8, 3, 3}}, {"fb", {16, 16, 1, 1}}, {"fs", {16, 8, 1, 1}}, {"fc", {12, 16, 3, 3}}};

void Fill(Scope* s, uint32_t seed) {
  for (const auto& [name, dims] : kWeights)
    SetTensor(s, name, dims, RandomFloats(Numel(dims), seed++, -0.3f, 0.3f));
}

std::shared_ptr<const Program> BlockProgram() {
  proto::ProgramDesc prog;
  auto* block = prog.add_blocks();
  block->set_idx(0);
  block->set_parent_idx(-1);
  for (const OpBuilder& op : Block()) *block->add_ops() = op.desc();
  for (const auto& [name, dims] : kWeights) AddVar(block, name, dims, true);
  for (const char* v : {"a", "ar", "b", "s", "sum", "r"}) AddVar(block, v, {-1, 16, 10, 10}, false);
  AddVar(block, "x", {-1, 8, 10, 10}, false);
  return Program::Parse(prog.SerializeAsString(), "block");
}

TEST(OneDnnLayout, ProgramMatchesOpByOpWithPassesOnAndOff) {
  const auto x = RandomFloats(2 * 8 * 10 * 10, 7);
  // Reference: every op in its own program, so every tensor between them is plain.
  Scope ref;
  Fill(&ref, 1);
  SetTensor(&ref, "x", {2, 8, 10, 10}, x);
  for (const OpBuilder& op : Block()) RunOp(op, &ref);

  for (bool optimise : {false, true}) {
    SCOPED_TRACE(optimise ? "passes on" : "passes off");
    auto weights = std::make_shared<Scope>();
    Fill(weights.get(), 1);
    std::shared_ptr<const Program> program = BlockProgram();
    if (optimise) {
      program = Optimize(*program, weights.get(), DefaultPassNames());
      std::map<std::string, int> counts;
      for (const OpView& op : program->ops()) ++counts[op.type()];
      EXPECT_EQ(counts["elementwise_add"], 0) << "the residual add is fused into a conv";
      EXPECT_EQ(counts["relu"], 0);
    }
    Scope run(weights);
    SetTensor(&run, "x", {2, 8, 10, 10}, x);
    Executor exec(program, &run, ExecConfig{});
    for (int i = 0; i < 2; ++i) {  // the second run reuses plans and swapped buffers
      exec.Run();
      for (const char* out : {"y", "z"}) {
        EXPECT_EQ(Get(run, out).layout(), 0) << out << " is left for the caller: plain";
        ExpectNear(GetTensor<float>(run, out), GetTensor<float>(ref, out), 1e-4f);
      }
    }
    // An intermediate read through the executor comes back plain and right.
    Tensor* c = run.FindLocal("c");
    exec.MakePlain(c);
    ExpectNear(GetTensor<float>(run, "c"), GetTensor<float>(ref, "c"), 1e-4f);
  }
}


// Converting a blocked tensor to plain holds one buffer afterwards, not two: a converter that kept
// the blocked buffer for the next run held a second copy of every converted activation (a third
// of a ResNet-50 training step's memory).
TEST(OneDnnLayout, ConversionToPlainKeepsNoSecondBuffer) {
  const Dims dims = {4, 16, 32, 32};  // 16 channels: the blocked and plain buffers are the same size
  const std::vector<float> values = RandomFloats(Numel(dims), 7, -1.0f, 1.0f);
  const int blocked = LayoutCode(
      dnnl::memory::desc(DnnlDims(dims), dnnl::memory::data_type::f32,
                         dnnl::memory::format_tag::nChw16c),
      dims);
  ASSERT_GT(blocked, 0);
  CpuContext cpu(Place::CPU(), ExecConfig{});
  PlainConverter converter;
  Tensor t;
  t.Resize(dims);
  t.mutable_data<float>();
  const uint64_t held = CpuAllocator().stats().in_use;
  const int64_t h = dims[2], w = dims[3];
  for (int run = 0; run < 2; ++run) {  // the second as the next training step's
    std::copy(values.begin(), values.end(), t.data_mut<float>());
    t.set_layout(blocked);
    converter.ToPlain(&t, cpu);
    EXPECT_EQ(t.layout(), 0);
    EXPECT_EQ(CpuAllocator().stats().in_use, held) << "run " << run;
    // nChw16c with 16 channels is [n][h][w][16c]: plain element (n, c, y, x) comes from offset
    // ((n·H + y)·W + x)·16 + c of the blocked buffer.
    const float* plain = t.data<float>();
    for (int64_t n = 0; n < dims[0]; n += 3)
      for (int64_t c = 0; c < 16; c += 5)
        for (int64_t y = 0; y < h; y += 7)
          for (int64_t x = 0; x < w; x += 11)
            ASSERT_EQ(plain[((n * 16 + c) * h + y) * w + x],
                      values[((n * h + y) * w + x) * 16 + c]);
  }
}

}  // namespace
}  // namespace pd::test
