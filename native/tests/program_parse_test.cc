// Program::Parse tells ProgramDescs from Paddle 3's JSON programs by decoding, not by the first
// byte: a ProgramDesc starts with 0x0a ('\n'), and one whose first block is 123 bytes long
// continues with '{'.
#include <gtest/gtest.h>

#include "framework/program.h"
#include "test_util.h"

namespace pd::test {
namespace {

TEST(ProgramParse, ABlockOf123BytesIsNotJson) {
  std::string bytes;
  for (int pad = 0; pad < 200 && (bytes.size() < 2 || bytes[1] != '{'); ++pad) {
    OpBuilder op("relu");
    op.In("X", {"x"}).Out("Out", {"y"}).String("note", std::string(pad, 'a'));
    proto::ProgramDesc prog;
    auto* block = prog.add_blocks();
    block->set_idx(0);
    block->set_parent_idx(-1);
    *block->add_ops() = op.desc();
    bytes = prog.SerializeAsString();
  }
  ASSERT_EQ(bytes.substr(0, 2), "\n{") << "no padding gave a 123-byte block";
  const auto program = Program::Parse(bytes, "test program");
  ASSERT_EQ(program->ops().size(), 1u);
  EXPECT_EQ(program->ops()[0].type(), "relu");
}

TEST(ProgramParse, JsonIsNamedAsPaddle3Pir) {
  ExpectError([] { Program::Parse("  {\"program\": {}}", "model.json"); }, {"PIR", "JSON"});
  ExpectError([] { Program::Parse("garbage", "model"); }, {"not a Paddle ProgramDesc"});
}

}  // namespace
}  // namespace pd::test
