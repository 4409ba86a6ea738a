#include "store/keywords.h"

#include <gtest/gtest.h>

namespace redoubt::store {
namespace {

using Keywords = std::vector<std::string>;

TEST(Keywords, AtomsOnly) {
  for (std::string_view good : {"$Forwarded", "Work", "a", "NonJunk", "x.y-z_1", "a[b", "~!#&'+"}) {
    EXPECT_TRUE(is_valid_keyword(good)) << good;
  }
  // RFC 9051 §9 atom-specials, controls, non-ASCII, system flags and the empty string.
  for (std::string_view bad : std::initializer_list<std::string_view>{"", "a b", "(", "a)", "{1}", "%", "a*", "\"q\"", "\\Seen", "a]",
                               "\x01", "a\x7f", "caf\xC3\xA9", std::string_view("a\0b", 3)}) {
    EXPECT_FALSE(is_valid_keyword(bad)) << bad;
  }
}

TEST(Keywords, NormalizeSortsIgnoringCaseAndKeepsTheFirstSpelling) {
  EXPECT_EQ(normalize_keywords({"b", "A", "WORK", "a", "work", "C"}),
            (Keywords{"A", "b", "C", "WORK"}));
  EXPECT_EQ(normalize_keywords({}), Keywords{});
}

TEST(Keywords, Checked) {
  const std::string given[] = {"Work", "$Label1", "work"};
  auto checked = checked_keywords(given);
  ASSERT_TRUE(checked.has_value());
  EXPECT_EQ(*checked, (Keywords{"$Label1", "Work"}));

  const std::string bad[] = {"ok", "not ok"};
  EXPECT_EQ(checked_keywords(bad).error(), StoreError::kInvalid);

  Keywords many;
  for (int i = 0; i < 64; ++i) many.push_back("k" + std::to_string(i));
  EXPECT_EQ(checked_keywords(many)->size(), 64u);
  many.push_back("K0");  // The same keyword again: still 64.
  EXPECT_EQ(checked_keywords(many)->size(), 64u);
  many.push_back("k64");
  EXPECT_EQ(checked_keywords(many).error(), StoreError::kInvalid);
}

TEST(Keywords, ColumnRoundTrip) {
  EXPECT_EQ(join_keywords({"$Label1", "Work"}), "$Label1 Work");
  EXPECT_EQ(join_keywords({}), "");
  EXPECT_EQ(parse_keywords("$Label1 Work"), (Keywords{"$Label1", "Work"}));
  EXPECT_EQ(parse_keywords(""), Keywords{});
  // A hand-edited column is normalized on the way out.
  EXPECT_EQ(parse_keywords(" b  a B "), (Keywords{"a", "b"}));
}

TEST(Keywords, SetOperationsKeepExistingSpelling) {
  const Keywords current = {"$Label1", "Work"};
  EXPECT_EQ(add_keywords(current, {"WORK", "Home"}), (Keywords{"$Label1", "Home", "Work"}));
  EXPECT_EQ(remove_keywords(current, {"work", "absent"}), Keywords{"$Label1"});
  EXPECT_EQ(replace_keywords(current, {"WORK", "New"}), (Keywords{"New", "Work"}));
  EXPECT_EQ(replace_keywords(current, {}), Keywords{});
}

}  // namespace
}  // namespace redoubt::store
