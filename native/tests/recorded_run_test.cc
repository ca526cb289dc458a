// Recorded runs (ExecConfig::record_runs, framework/executor_record.cc) on the test device,
// which records as a CUDA graph does (test_device.h): the first run at a shape goes op by op,
// the second is recorded and launched, later ones launch the recording; every result matches
// a CPU run on its own input, and a new input shape goes op by op again.
#include <gtest/gtest.h>

#include "framework/executor.h"
#include "test_device.h"
#include "test_util.h"

namespace pd::test {
namespace {

std::shared_ptr<const Program> ReluAddSoftmax() {
  proto::ProgramDesc prog;
  auto* block = prog.add_blocks();
  block->set_idx(0);
  block->set_parent_idx(-1);
  *block->add_ops() = OpBuilder("feed").In("X", {"feed"}).Out("Out", {"x"}).Int("col", 0).desc();
  *block->add_ops() = OpBuilder("relu").In("X", {"x"}).Out("Out", {"r"}).desc();
  *block->add_ops() =
      OpBuilder("elementwise_add").In("X", {"r"}).In("Y", {"b"}).Out("Out", {"a"}).Int("axis", 1).desc();
  *block->add_ops() = OpBuilder("softmax").In("X", {"a"}).Out("Out", {"y"}).desc();
  *block->add_ops() = OpBuilder("fetch").In("X", {"y"}).Out("Out", {"fetch"}).Int("col", 0).desc();
  return Program::Parse(prog.SerializeAsString(), "test program");
}

std::vector<float> Values(const Tensor& t) {
  EXPECT_TRUE(t.place().is_cpu()) << "a fetch target was left on " << t.place().ToString();
  return std::vector<float>(t.data<float>(), t.data<float>() + t.numel());
}

TEST(RecordedRun, LaunchesTheRecordingAtUnchangedShapes) {
  ScopedTestDevice test_device;
  const auto program = ReluAddSoftmax();
  auto weights = std::make_shared<Scope>();
  SetTensor(weights.get(), "b", {4}, RandomFloats(4, 1));
  Scope cpu_scope(weights), dev_scope(weights);
  ExecConfig config;
  config.place = ScopedTestDevice::place();
  config.record_runs = true;
  Executor cpu(program, &cpu_scope, ExecConfig{});
  Executor dev(program, &dev_scope, config);

  const auto run = [&](Dims dims, uint32_t seed) {
    const auto x = RandomFloats(Numel(dims), seed);
    SetTensor(&cpu_scope, "x", dims, x);
    SetTensor(&dev_scope, "x", dims, x);
    cpu.Run();
    dev.Run();
    EXPECT_EQ(Values(Get(dev_scope, "y")), Values(Get(cpu_scope, "y"))) << "seed " << seed;
  };
  run({2, 4, 3}, 10);  // op by op
  EXPECT_EQ(test_device.device().recordings(), 0);
  run({2, 4, 3}, 11);  // recorded, then launched
  EXPECT_EQ(test_device.device().recordings(), 1);
  EXPECT_EQ(test_device.device().launches(), 1);
  run({2, 4, 3}, 12);  // launched: only the feed goes in
  run({2, 4, 3}, 13);
  EXPECT_EQ(test_device.device().recordings(), 1);
  EXPECT_EQ(test_device.device().launches(), 3);
  EXPECT_EQ(dev.copies_in_last_run(), 2);  // x in, y home

  run({3, 4, 5}, 14);  // a new shape: op by op again, then recorded again
  EXPECT_EQ(test_device.device().launches(), 3);
  run({3, 4, 5}, 15);
  run({3, 4, 5}, 16);
  EXPECT_EQ(test_device.device().recordings(), 2);
  EXPECT_EQ(test_device.device().launches(), 5);

  // Reading an intermediate takes its buffer off the device: the recording is dropped.
  dev.MakePlain(dev_scope.FindLocal("r"));
  run({3, 4, 5}, 17);
  EXPECT_EQ(test_device.device().launches(), 5);
  run({3, 4, 5}, 18);
  EXPECT_EQ(test_device.device().recordings(), 3);
}

// Without record_runs, or with an op off the device, nothing is recorded.
TEST(RecordedRun, OnlyWhenAskedAndEveryOpIsOnTheDevice) {
  ScopedTestDevice test_device;
  const auto program = ReluAddSoftmax();
  auto weights = std::make_shared<Scope>();
  SetTensor(weights.get(), "b", {4}, RandomFloats(4, 1));
  Scope scope(weights);
  ExecConfig config;
  config.place = ScopedTestDevice::place();
  Executor plain(program, &scope, config);
  for (int i = 0; i < 3; ++i) {
    SetTensor(&scope, "x", {2, 4}, RandomFloats(8, 20 + i));
    plain.Run();
  }
  EXPECT_EQ(test_device.device().recordings(), 0);

  proto::ProgramDesc prog;
  auto* block = prog.add_blocks();
  block->set_idx(0);
  block->set_parent_idx(-1);
  *block->add_ops() = OpBuilder("relu").In("X", {"x"}).Out("Out", {"r"}).desc();
  *block->add_ops() = OpBuilder("scale").In("X", {"r"}).Out("Out", {"y"}).Float("scale", 2.f).desc();
  const auto mixed = Program::Parse(prog.SerializeAsString(), "mixed program");
  config.record_runs = true;
  Scope mixed_scope;
  Executor exec(mixed, &mixed_scope, config);  // scale has no test-device kernel
  for (int i = 0; i < 3; ++i) {
    SetTensor(&mixed_scope, "x", {2, 4}, RandomFloats(8, 30 + i));
    exec.Run();
  }
  EXPECT_EQ(test_device.device().recordings(), 0);
}

}  // namespace
}  // namespace pd::test
