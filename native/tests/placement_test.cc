// Per-op placement with a second place: ops run on the preferred place where it has kernels and
// on the CPU elsewhere, with copies between the two inserted by the executor. Checked with the
// test device (test_device.h): results bit-identical to a CPU-only run, the copies where the
// program crosses places, parameters copied once, LoD and blocked layouts handled on the way.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <map>
#include <set>
#include <tuple>

#include "io/model_loader.h"
#include "model_files.h"
#include "passes/passes.h"
#include "test_device.h"
#include "test_util.h"

namespace pd::test {
namespace {

// Where program crosses places when the test device is preferred, walked over variable names:
// the op inputs whose variable was last written on the other place, and the copies a run makes
// (one per value and place, however many ops there read it; fetch targets on the device come
// home). Parameters and feeds start on the host; parameters are copied on the first run only.
struct Crossings {
  int inputs = 0;
  int copies = 0;
  std::set<std::string> params;
};

bool RunsOnTestDevice(const std::string& type) {
  for (const char* t : kTestDeviceOps)
    if (type == t) return true;
  return false;
}

Crossings CountCrossings(const Program& program, const Scope& weights) {
  Crossings c;
  std::map<std::string, bool> on_device;
  std::map<std::string, int> writes;                   // how often each variable was written
  std::set<std::tuple<std::string, int, bool>> copied;  // (variable, its write, to the device)
  for (const OpView& op : program.ops()) {
    if (op.type() == "feed") continue;
    if (op.type() == "fetch") {
      if (on_device[op.Input("X")]) ++c.copies;
      continue;
    }
    const bool here = RunsOnTestDevice(op.type());
    for (const auto& [slot, names] : op.AllInputs()) {
      for (const std::string& name : names) {
        if (on_device[name] == here) continue;
        ++c.inputs;
        if (!copied.insert({name, writes[name], here}).second) continue;
        ++c.copies;
        if (weights.Find(name) != nullptr) c.params.insert(name);
      }
    }
    for (const auto& [slot, names] : op.AllOutputs()) {
      for (const std::string& name : names) {
        on_device[name] = here;
        ++writes[name];
      }
    }
  }
  return c;
}

ExecConfig OnTestDevice() {
  ExecConfig config;
  config.place = ScopedTestDevice::place();
  return config;
}

std::vector<float> Floats(const Tensor& t) {
  EXPECT_TRUE(t.place().is_cpu()) << "a result was left on " << t.place().ToString();
  return std::vector<float>(t.data<float>(), t.data<float>() + t.numel());
}

// conv → relu → add a bias → conv, the middle two on the test device: the first conv's output
// (oneDNN may leave it blocked) goes to the device plain, the bias once, the sum back.
TEST(Placement, SmallProgramCrossesPlacesBothWays) {
  ScopedTestDevice test_device;
  const auto program = ProgramOf({
      OpBuilder("conv2d").In("Input", {"x"}).In("Filter", {"w1"}).Out("Output", {"c"})
          .Ints("strides", {1, 1}).Ints("paddings", {1, 1}).Ints("dilations", {1, 1})
          .Int("groups", 1),
      OpBuilder("relu").In("X", {"c"}).Out("Out", {"r"}),
      OpBuilder("elementwise_add").In("X", {"r"}).In("Y", {"b"}).Out("Out", {"a"}).Int("axis", 1),
      OpBuilder("conv2d").In("Input", {"a"}).In("Filter", {"w2"}).Out("Output", {"y"})
          .Ints("strides", {1, 1}).Ints("paddings", {0, 0}).Ints("dilations", {1, 1})
          .Int("groups", 1)});

  auto weights = std::make_shared<Scope>();
  SetTensor(weights.get(), "w1", {16, 8, 3, 3}, RandomFloats(16 * 8 * 9, 1));
  SetTensor(weights.get(), "b", {16}, RandomFloats(16, 2));
  SetTensor(weights.get(), "w2", {8, 16, 1, 1}, RandomFloats(8 * 16, 3));

  Scope cpu_scope(weights), dev_scope(weights);
  Executor cpu(program, &cpu_scope, ExecConfig{});
  Executor dev(program, &dev_scope, OnTestDevice());
  EXPECT_EQ(dev.PlaceOfOp(0), Place::CPU());
  EXPECT_EQ(dev.PlaceOfOp(1), ScopedTestDevice::place());
  EXPECT_EQ(dev.PlaceOfOp(2), ScopedTestDevice::place());
  EXPECT_EQ(dev.PlaceOfOp(3), Place::CPU());
  EXPECT_EQ(dev.num_cross_place_inputs(), 3);  // c to the device, b to the device, a back

  for (int run = 0; run < 3; ++run) {
    const auto x = RandomFloats(2 * 8 * 9 * 9, 10 + run);
    SetTensor(&cpu_scope, "x", {2, 8, 9, 9}, x);
    SetTensor(&dev_scope, "x", {2, 8, 9, 9}, x);
    cpu.Run();
    const uint64_t from_host = test_device.device().from_host();
    dev.Run();
    // c and (on the first run only) b go to the device; a comes back; y is already home.
    EXPECT_EQ(dev.copies_in_last_run(), run == 0 ? 3 : 2) << "run " << run;
    EXPECT_EQ(test_device.device().from_host() - from_host, run == 0 ? 2u : 1u) << "run " << run;
    EXPECT_EQ(Get(dev_scope, "r").place(), ScopedTestDevice::place());
    const auto want = Floats(Get(cpu_scope, "y")), got = Floats(Get(dev_scope, "y"));
    ASSERT_EQ(got.size(), want.size());
    EXPECT_EQ(std::memcmp(got.data(), want.data(), got.size() * sizeof(float)), 0) << "run " << run;
  }
  // An intermediate read by the caller comes home.
  Tensor* r = dev_scope.FindLocal("r");
  dev.MakePlain(r);
  EXPECT_EQ(Floats(*r), Floats(Get(cpu_scope, "r")));
}

// What the caller hands a device executor and reads back lives in the device's host staging
// memory (HostStagingFor; page-locked on CUDA, so the copies run as DMA): a feed (x), a value
// set without a feed op that a device op reads (z, as a training step's labels) and the fetch
// target. The results are the CPU run's, and later runs reuse the blocks.
TEST(Placement, FeedsAndFetchTargetsLiveInHostStaging) {
  ScopedTestDevice test_device;
  const auto program = ProgramOf({
      OpBuilder("feed").In("X", {"feed"}).Out("Out", {"x"}).Int("col", 0),
      OpBuilder("relu").In("X", {"x"}).Out("Out", {"r"}),
      OpBuilder("elementwise_add").In("X", {"r"}).In("Y", {"b"}).Out("Out", {"s"}).Int("axis", 1),
      OpBuilder("elementwise_mul").In("X", {"s"}).In("Y", {"z"}).Out("Out", {"y"}).Int("axis", -1),
      OpBuilder("fetch").In("X", {"y"}).Out("Out", {"fetch"}).Int("col", 0)});
  auto weights = std::make_shared<Scope>();
  SetTensor(weights.get(), "b", {4}, RandomFloats(4, 1));
  Scope cpu_scope(weights), dev_scope(weights);
  for (Scope* s : {&cpu_scope, &dev_scope}) s->Var("z");  // as a training program's inputs are
  Executor cpu(program, &cpu_scope, ExecConfig{});
  Executor dev(program, &dev_scope, OnTestDevice());
  Allocator& staging = HostStagingFor(test_device.device().allocator(0));
  const Allocator::Stats before = staging.stats();
  for (int run = 0; run < 3; ++run) {
    const auto x = RandomFloats(2 * 4 * 3, 10 + run);
    const auto z = RandomFloats(2 * 4 * 3, 20 + run);
    for (Scope* s : {&cpu_scope, &dev_scope}) {
      SetTensor(s, "x", {2, 4, 3}, x);
      SetTensor(s, "z", {2, 4, 3}, z);
    }
    cpu.Run();
    dev.Run();
    for (const char* name : {"x", "z", "y"})
      EXPECT_EQ(Get(dev_scope, name).host_allocator(), &staging) << name;
    EXPECT_EQ(Get(*weights, "b").host_allocator(), nullptr) << "weights are not staged";
    const auto want = Floats(Get(cpu_scope, "y")), got = Floats(Get(dev_scope, "y"));
    ASSERT_EQ(got.size(), want.size());
    EXPECT_EQ(std::memcmp(got.data(), want.data(), got.size() * sizeof(float)), 0) << "run " << run;
    // x's, z's and the fetch target's blocks are out of the staging allocator.
    EXPECT_GE(staging.stats().in_use - before.in_use, 3 * x.size() * sizeof(float)) << "run " << run;
  }
  EXPECT_EQ(staging.stats().system_allocs - before.system_allocs, 3u)
      << "one block each for x, z and the fetch target, reused by later runs";
  EXPECT_GT(staging.stats().reuses, before.reuses);
  EXPECT_EQ(Get(cpu_scope, "x").host_allocator(), nullptr) << "a CPU executor stages nothing";
}

// prior_box over feature map f and the variable "image": it reads the shapes of both alone.
OpBuilder PriorBoxOfImage(const std::string& f) {
  return OpBuilder("prior_box").In("Input", {f}).In("Image", {"image"})
      .Out("Boxes", {"boxes"}).Out("Variances", {"vars"})
      .Floats("min_sizes", {30.f}).Floats("aspect_ratios", {2.f})
      .Floats("variances", {0.1f, 0.1f, 0.2f, 0.2f}).Bool("flip", true);
}

// prior_box reads only the sizes of its feature map and image (shape-only inputs): a feature
// map the device wrote reaches the CPU op as a data-less copy of its shape, not its bytes.
TEST(Placement, ShapeOnlyInputsMoveWithoutTheirData) {
  ScopedTestDevice test_device;
  const auto program = ProgramOf({
      OpBuilder("relu").In("X", {"x"}).Out("Out", {"f"}),
      PriorBoxOfImage("f")});
  Scope cpu_scope, dev_scope;
  Executor cpu(program, &cpu_scope, ExecConfig{});
  Executor dev(program, &dev_scope, OnTestDevice());
  EXPECT_EQ(dev.PlaceOfOp(0), ScopedTestDevice::place());
  EXPECT_EQ(dev.PlaceOfOp(1), Place::CPU());
  for (auto* scope : {&cpu_scope, &dev_scope}) {
    SetTensor(scope, "x", {1, 4, 5, 5}, RandomFloats(100, 5));
    SetTensor(scope, "image", {1, 3, 50, 50}, RandomFloats(7500, 6));
  }
  cpu.Run();
  const uint64_t to_host = test_device.device().to_host();
  dev.Run();
  // x goes to the device; f's shape alone comes back to the CPU op: nothing is copied to the
  // host (f's bytes would be one copy).
  EXPECT_EQ(test_device.device().to_host() - to_host, 0u);
  for (const char* name : {"boxes", "vars"}) {
    const auto want = Floats(Get(cpu_scope, name)), got = Floats(Get(dev_scope, name));
    ASSERT_EQ(got.size(), want.size()) << name;
    EXPECT_EQ(got, want) << name;
  }
}

// A host variable that one device op reads the data of and another the shape of alone (the
// image of an SSD whose prior_box runs on the device) gets two copies there: the shape-only one
// is emptied before each run, and must not take the other's data with it. The second run,
// without a new feed, reads the copy the first one made.
TEST(Placement, ShapeOnlyCopyLeavesTheDataCopyAlone) {
  ScopedTestDevice test_device;
  OpRegistry::Mutable().AddKernel("prior_box", ScopedTestDevice::place().type, DType::kFP32,
                                  TestDeviceKernel);
  const auto program = ProgramOf({
      OpBuilder("relu").In("X", {"image"}).Out("Out", {"f"}),
      PriorBoxOfImage("f")});
  Scope scope;
  Executor dev(program, &scope, OnTestDevice());
  ASSERT_EQ(dev.PlaceOfOp(1), ScopedTestDevice::place());
  const std::vector<float> image = RandomFloats(3 * 10 * 10, 8);
  SetTensor(&scope, "image", {1, 3, 10, 10}, image);
  for (int run = 0; run < 2; ++run) {
    SCOPED_TRACE(run);
    dev.Run();
    Tensor host;  // f stays on the device, where prior_box read its shape
    CopyTensor(*scope.FindLocal("f"), Place::CPU(), &host);
    const auto f = Floats(host);
    ASSERT_EQ(f.size(), image.size());
    for (size_t i = 0; i < f.size(); ++i) ASSERT_EQ(f[i], std::max(image[i], 0.0f)) << i;
  }
}

// relu on the device between two CPU ops keeps the LoD of its sequence input on the way there
// and back.
TEST(Placement, LoDTravelsWithTheData) {
  ScopedTestDevice test_device;
  const auto program = ProgramOf({
      OpBuilder("scale").In("X", {"x"}).Out("Out", {"s"}).Float("scale", 2.0f),
      OpBuilder("relu").In("X", {"s"}).Out("Out", {"r"}),
      OpBuilder("scale").In("X", {"r"}).Out("Out", {"y"}).Float("scale", 0.5f)});
  Scope scope;
  Executor exec(program, &scope, OnTestDevice());
  const LoD lod{{0, 2, 5}};
  SetTensor<float>(&scope, "x", {5, 2}, {1, -1, 2, -2, 3, -3, 4, -4, 5, -5}, lod);
  exec.Run();
  EXPECT_EQ(exec.PlaceOfOp(1), ScopedTestDevice::place());
  EXPECT_EQ(Get(scope, "r").lod(), lod);
  EXPECT_EQ(Get(scope, "y").lod(), lod);
  EXPECT_EQ(GetTensor<float>(scope, "y"), (std::vector<float>{1, 0, 2, 0, 3, 0, 4, 0, 5, 0}));
}

// A whole real model with the test device preferred gives bit for bit the CPU run's outputs, on
// every run, with a copy exactly where the program crosses places.
struct PlacedModel {
  const char* name;
  const char* prog;    // relative to models/<name>; "" for a directory with __model__
  const char* params;  // "" for one file per parameter
  bool ir_optim;
};

class PlacementRealModel : public ::testing::TestWithParam<PlacedModel> {};

TEST_P(PlacementRealModel, BitIdenticalToTheCpuRun) {
  const PlacedModel& m = GetParam();
  const std::string dir = ::pd::testing::SharedDir() + "/models/" + m.name;
  ModelSource src;
  if (*m.prog == '\0') {
    src.model_dir = dir;
  } else {
    src.prog_file = dir + "/" + m.prog;
    src.params_file = dir + "/" + m.params;
  }
  const std::string probe = src.model_dir.empty() ? src.prog_file : src.model_dir + "/__model__";
  if (!std::filesystem::exists(probe))
    GTEST_SKIP() << "no " << probe << " (set GOHUB_SHARED to the directory that holds models/)";

  ScopedTestDevice test_device;
  LoadedModel model = LoadModel(src);
  std::shared_ptr<const Program> program = model.program;
  if (m.ir_optim) program = Optimize(*program, model.weights.get(), DefaultPassNames());
  const Crossings want = CountCrossings(*program, *model.weights);
  ASSERT_GT(want.inputs, 0) << "nothing of " << m.name << " runs on the test device";

  Scope cpu_scope(model.weights), dev_scope(model.weights);
  Executor cpu(program, &cpu_scope, ExecConfig{});
  Executor dev(program, &dev_scope, OnTestDevice());
  EXPECT_EQ(dev.num_cross_place_inputs(), want.inputs);
  ASSERT_EQ(dev.feed_names().size(), 1u);
  const std::string in = dev.feed_names()[0];
  for (int run = 0; run < 2; ++run) {
    const auto x = RandomFloats(3 * 224 * 224, 70 + run);
    SetTensor(&cpu_scope, in, {1, 3, 224, 224}, x);
    SetTensor(&dev_scope, in, {1, 3, 224, 224}, x);
    cpu.Run();
    dev.Run();
    // Parameters are not copied again after the first run.
    const int params = static_cast<int>(want.params.size());
    EXPECT_EQ(dev.copies_in_last_run(), run == 0 ? want.copies : want.copies - params);
    for (const std::string& name : dev.fetch_names()) {
      const auto a = Floats(Get(cpu_scope, name)), b = Floats(Get(dev_scope, name));
      ASSERT_EQ(a.size(), b.size()) << name;
      EXPECT_EQ(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)), 0)
          << name << " differs from the CPU run's, run " << run;
    }
  }
  std::cout << "[ placement] " << m.name << (m.ir_optim ? " (passes on)" : " (passes off)")
            << ": " << want.inputs << " op inputs cross places, " << want.params.size()
            << " parameters copied once\n";
}

INSTANTIATE_TEST_SUITE_P(
    Shared, PlacementRealModel,
    ::testing::Values(PlacedModel{"shufflenet_v2_imagenet", "", "", false},
                      PlacedModel{"shufflenet_v2_imagenet", "", "", true},
                      PlacedModel{"gesture_rec", "__model__", "params", false},
                      PlacedModel{"gesture_rec", "__model__", "params", true}),
    [](const auto& info) {
      return std::string(info.param.name) + (info.param.ir_optim ? "_ir_on" : "_ir_off");
    });

}  // namespace
}  // namespace pd::test
