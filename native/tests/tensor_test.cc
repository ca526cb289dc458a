// concat: axes (negative, AxisTensor), element types, LoD and shape errors.
#include <gtest/gtest.h>

#include "test_util.h"

namespace pd::test {
namespace {

TEST(Concat, Axis1LikeTheLacBiGru) {
  Scope s;
  SetTensor<float>(&s, "a", {2, 2}, {1, 2, 3, 4}, {{0, 1, 2}});
  SetTensor<float>(&s, "b", {2, 3}, {5, 6, 7, 8, 9, 10}, {{0, 2}});
  RunOp(
      OpBuilder("concat").In("X", {"a", "b"}).In("AxisTensor", {}).Out("Out", {"o"}).Int("axis", 1),
      &s);
  EXPECT_EQ(Get(s, "o").dims(), (Dims{2, 5}));
  EXPECT_EQ(GetTensor<float>(s, "o"), (std::vector<float>{1, 2, 5, 6, 7, 3, 4, 8, 9, 10}));
  EXPECT_EQ(Get(s, "o").lod(), (LoD{{0, 1, 2}}));  // the first input's
}

TEST(Concat, Axis0AppendsSequences) {
  Scope s;
  SetTensor<int64_t>(&s, "a", {3, 1}, {1, 2, 3}, {{0, 1, 3}});
  SetTensor<int64_t>(&s, "b", {2, 1}, {4, 5}, {{0, 2}});
  RunOp(OpBuilder("concat").In("X", {"a", "b"}).Out("Out", {"o"}).Int("axis", 0), &s);
  EXPECT_EQ(Get(s, "o").dtype(), DType::kInt64);
  EXPECT_EQ(Get(s, "o").dims(), (Dims{5, 1}));
  EXPECT_EQ(GetTensor<int64_t>(s, "o"), (std::vector<int64_t>{1, 2, 3, 4, 5}));
  EXPECT_EQ(Get(s, "o").lod(), (LoD{{0, 1, 3, 5}}));

  // Two levels: the upper level counts sequences of the lower one.
  SetTensor<int64_t>(&s, "c", {3, 1}, {1, 2, 3}, {{0, 2}, {0, 1, 3}});
  SetTensor<int64_t>(&s, "d", {4, 1}, {4, 5, 6, 7}, {{0, 1, 2}, {0, 3, 4}});
  RunOp(OpBuilder("concat").In("X", {"c", "d"}).Out("Out", {"cd"}), &s);
  EXPECT_EQ(Get(s, "cd").lod(), (LoD{{0, 2, 3, 4}, {0, 1, 3, 6, 7}}));

  // When some input has no LoD, Out keeps the first input's.
  SetTensor<int64_t>(&s, "plain", {1, 1}, {9});
  RunOp(OpBuilder("concat").In("X", {"a", "plain"}).Out("Out", {"ap"}), &s);
  EXPECT_EQ(Get(s, "ap").lod(), (LoD{{0, 1, 3}}));
}

TEST(Concat, NegativeAxisThreeInputsInt32) {
  Scope s;
  SetTensor<int32_t>(&s, "a", {2, 1, 2}, {1, 2, 3, 4});
  SetTensor<int32_t>(&s, "b", {2, 1, 1}, {5, 6});
  SetTensor<int32_t>(&s, "c", {2, 1, 3}, {7, 8, 9, 10, 11, 12});
  RunOp(OpBuilder("concat").In("X", {"a", "b", "c"}).Out("Out", {"o"}).Int("axis", -1), &s);
  EXPECT_EQ(Get(s, "o").dims(), (Dims{2, 1, 6}));
  EXPECT_EQ(GetTensor<int32_t>(s, "o"),
            (std::vector<int32_t>{1, 2, 5, 7, 8, 9, 3, 4, 6, 10, 11, 12}));
}

TEST(Concat, AxisTensorOverridesTheAttribute) {
  Scope s;
  SetTensor<float>(&s, "a", {1, 2}, {1, 2});
  SetTensor<float>(&s, "b", {1, 2}, {3, 4});
  SetTensor<int32_t>(&s, "axis", {1}, {0});
  RunOp(OpBuilder("concat")
            .In("X", {"a", "b"})
            .In("AxisTensor", {"axis"})
            .Out("Out", {"o"})
            .Int("axis", 1),
        &s);
  EXPECT_EQ(Get(s, "o").dims(), (Dims{2, 2}));
  SetTensor<int64_t>(&s, "axis64", {1}, {-1});
  RunOp(OpBuilder("concat").In("X", {"a", "b"}).In("AxisTensor", {"axis64"}).Out("Out", {"o2"}),
        &s);
  EXPECT_EQ(Get(s, "o2").dims(), (Dims{1, 4}));
  EXPECT_EQ(GetTensor<float>(s, "o2"), (std::vector<float>{1, 2, 3, 4}));
}

TEST(Concat, Errors) {
  Scope s;
  SetTensor<float>(&s, "a", {2, 2}, {1, 2, 3, 4});
  SetTensor<float>(&s, "b", {3, 2}, {1, 2, 3, 4, 5, 6});
  ExpectError(
      [&] {
        RunOp(OpBuilder("concat").In("X", {"a", "b"}).Out("Out", {"o"}).Int("axis", 1), &s);
      },
      {"concat", "X[1] has shape [3, 2]", "[2, 2]", "only along axis 1"});
  ExpectError(
      [&] {
        RunOp(OpBuilder("concat").In("X", {"a", "b"}).Out("Out", {"o"}).Int("axis", 2), &s);
      },
      {"axis 2 is out of range for inputs of rank 2"});
  SetTensor<int64_t>(&s, "i", {2, 2}, {1, 2, 3, 4});
  ExpectError(
      [&] {
        RunOp(OpBuilder("concat").In("X", {"a", "i"}).Out("Out", {"o"}), &s);
      },
      {"X[1] is int64 but X[0] is float32"});
  ExpectError(
      [&] {
        RunOp(OpBuilder("concat").In("X", {"a", "b"}).Out("Out", {"b"}), &s);
      },
      {"must not be the same variable"});
}

}  // namespace
}  // namespace pd::test
