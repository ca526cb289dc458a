// lookup_table and lookup_table_v2: gathered rows, padding, LoD, shapes and bad ids.
#include <gtest/gtest.h>

#include "test_util.h"

namespace pd::test {
namespace {

// A 5 x 3 table whose row r is {r, r + 0.5, r + 0.25}.
void SetTable(Scope* s) {
  std::vector<float> w;
  for (int r = 0; r < 5; ++r) w.insert(w.end(), {r + 0.0f, r + 0.5f, r + 0.25f});
  SetTensor(s, "w", {5, 3}, w);
}

std::vector<float> Rows(const std::vector<int64_t>& ids, int64_t padding = -1) {
  std::vector<float> out;
  for (int64_t id : ids) {
    if (id == padding) {
      out.insert(out.end(), {0, 0, 0});
    } else {
      const float r = static_cast<float>(id);
      out.insert(out.end(), {r, r + 0.5f, r + 0.25f});
    }
  }
  return out;
}

TEST(LookupTable, GathersRowsAndKeepsLoD) {
  Scope s;
  SetTable(&s);
  SetTensor<int64_t>(&s, "ids", {4, 1}, {3, 0, 4, 3}, {{0, 1, 4}});
  RunOp(OpBuilder("lookup_table")
            .In("Ids", {"ids"})
            .In("W", {"w"})
            .Out("Out", {"o"})
            .Long("padding_idx", -1),
        &s);
  EXPECT_EQ(Get(s, "o").dims(), (Dims{4, 3}));
  EXPECT_EQ(Get(s, "o").lod(), (LoD{{0, 1, 4}}));
  EXPECT_EQ(GetTensor<float>(s, "o"), Rows({3, 0, 4, 3}));
}

TEST(LookupTable, PaddingIdxGivesZeroRows) {
  Scope s;
  SetTable(&s);
  SetTensor<int64_t>(&s, "ids", {2, 2, 1}, {1, 2, 2, 4});
  RunOp(OpBuilder("lookup_table")
            .In("Ids", {"ids"})
            .In("W", {"w"})
            .Out("Out", {"o"})
            .Long("padding_idx", 2),
        &s);
  EXPECT_EQ(Get(s, "o").dims(), (Dims{2, 2, 3}));
  EXPECT_EQ(GetTensor<float>(s, "o"), Rows({1, 2, 2, 4}, 2));
}

TEST(LookupTable, OutOfRangeIdIsAClearError) {
  Scope s;
  SetTable(&s);
  SetTensor<int64_t>(&s, "ids", {3, 1}, {1, 5, 0});
  ExpectError(
      [&] {
        RunOp(OpBuilder("lookup_table").In("Ids", {"ids"}).In("W", {"w"}).Out("Out", {"o"}), &s);
      },
      {"lookup_table", "id 5 at position 1", "5 rows"});
  SetTensor<int64_t>(&s, "neg", {1, 1}, {-3});
  ExpectError(
      [&] {
        RunOp(OpBuilder("lookup_table").In("Ids", {"neg"}).In("W", {"w"}).Out("Out", {"o"}), &s);
      },
      {"id -3"});
}

TEST(LookupTable, ShapeAndTypeErrors) {
  Scope s;
  SetTable(&s);
  SetTensor<int64_t>(&s, "ids", {2, 2}, {1, 2, 3, 4});
  ExpectError(
      [&] {
        RunOp(OpBuilder("lookup_table").In("Ids", {"ids"}).In("W", {"w"}).Out("Out", {"o"}), &s);
      },
      {"last dim of Ids must be 1", "[2, 2]"});
  SetTensor<int32_t>(&s, "ids32", {2, 1}, {1, 2});
  ExpectError(
      [&] {
        RunOp(OpBuilder("lookup_table").In("Ids", {"ids32"}).In("W", {"w"}).Out("Out", {"o"}), &s);
      },
      {"Ids must be int64", "int32"});
  SetTensor<float>(&s, "w3", {1, 5, 3}, std::vector<float>(15, 1.0f));
  SetTensor<int64_t>(&s, "one", {1, 1}, {0});
  ExpectError(
      [&] {
        RunOp(OpBuilder("lookup_table").In("Ids", {"one"}).In("W", {"w3"}).Out("Out", {"o"}), &s);
      },
      {"W must have rank 2", "[1, 5, 3]"});
}

TEST(LookupTableV2, AnyIdShapeInt64AndInt32) {
  Scope s;
  SetTable(&s);
  SetTensor<int64_t>(&s, "ids", {2, 3}, {0, 1, 2, 3, 4, 0}, {{0, 2}});
  RunOp(OpBuilder("lookup_table_v2").In("Ids", {"ids"}).In("W", {"w"}).Out("Out", {"o"}), &s);
  EXPECT_EQ(Get(s, "o").dims(), (Dims{2, 3, 3}));
  EXPECT_EQ(Get(s, "o").lod(), (LoD{{0, 2}}));
  EXPECT_EQ(GetTensor<float>(s, "o"), Rows({0, 1, 2, 3, 4, 0}));

  SetTensor<int32_t>(&s, "ids32", {3}, {4, 1, 4});
  RunOp(OpBuilder("lookup_table_v2")
            .In("Ids", {"ids32"})
            .In("W", {"w"})
            .Out("Out", {"o32"})
            .Long("padding_idx", 4),
        &s);
  EXPECT_EQ(Get(s, "o32").dims(), (Dims{3, 3}));
  EXPECT_EQ(GetTensor<float>(s, "o32"), Rows({4, 1, 4}, 4));

  SetTensor<int32_t>(&s, "bad", {1}, {7});
  ExpectError(
      [&] {
        RunOp(OpBuilder("lookup_table_v2").In("Ids", {"bad"}).In("W", {"w"}).Out("Out", {"o"}), &s);
      },
      {"lookup_table_v2", "id 7", "5 rows"});
}

}  // namespace
}  // namespace pd::test
