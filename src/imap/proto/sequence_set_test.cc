#include "imap/proto/sequence_set.h"

#include <gtest/gtest.h>

namespace redoubt::imap::proto {
namespace {

constexpr std::uint32_t kStar = SequenceRange::kStar;

TEST(SequenceSet, Parses) {
  const struct {
    std::string_view text;
    SequenceSet want;
  } cases[] = {
      {"1", {false, {{1, 1}}}},
      {"1:4,7,9:*", {false, {{1, 4}, {7, 7}, {9, kStar}}}},
      {"*", {false, {{kStar, kStar}}}},
      {"*:4", {false, {{kStar, 4}}}},
      {"4:2", {false, {{4, 2}}}},
      {"4294967295", {false, {{4294967295u, 4294967295u}}}},
      {"$", {true, {}}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    auto got = parse_sequence_set(c.text);
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(*got, c.want);
    EXPECT_EQ(parse_sequence_set(to_string(*got)), got);
  }
  EXPECT_EQ(to_string(SequenceSet{false, {{1, 4}, {7, 7}, {9, kStar}}}), "1:4,7,9:*");
}

TEST(SequenceSet, RefusesInvalidSets) {
  for (std::string_view text : {"", "0", "1:0", "01", "1,", ",1", "1,,2", "1:", ":1", "1:2:3",
                                 "4294967296", "99999999999", "1 ", "a", "$,1", "1,$", "$$",
                                 "**", "1:**", "-1"}) {
    SCOPED_TRACE(text);
    EXPECT_FALSE(parse_sequence_set(text).has_value());
  }
  EXPECT_FALSE(parse_sequence_set("$", {.allow_saved_result = false}).has_value());
  EXPECT_TRUE(parse_sequence_set("1,2,3", {.max_ranges = 3}).has_value());
  EXPECT_FALSE(parse_sequence_set("1,2,3,4", {.max_ranges = 3}).has_value());
}

TEST(SequenceSet, FormatsCompactRanges) {
  const std::uint32_t one[] = {7};
  const std::uint32_t runs[] = {1, 2, 3, 5, 8, 9, 4294967295u};
  EXPECT_EQ(format_sequence_set(one), "7");
  EXPECT_EQ(format_sequence_set(runs), "1:3,5,8:9,4294967295");
}

}  // namespace
}  // namespace redoubt::imap::proto
