#include "imap/proto/command_writer.h"

#include <gtest/gtest.h>

#include "imap/proto/command_parser.h"
#include "imap/proto/test_commands.h"

namespace redoubt::imap::proto {
namespace {

void expect_round_trip(const Command& command) {
  const std::string wire = to_wire(command);
  SCOPED_TRACE(wire);
  auto again = parse_command(wire);
  ASSERT_TRUE(again.has_value()) << again.error().reason;
  EXPECT_EQ(*again, command);
}

TEST(ToWire, RoundTripsEveryValidCommand) {
  for (std::string_view input : testing::kValidCommands) {
    SCOPED_TRACE(input);
    auto command = parse_command(input);
    ASSERT_TRUE(command.has_value()) << command.error().reason;
    expect_round_trip(*command);
  }
}

TEST(ToWire, ChoosesAtomQuotedOrLiteral) {
  const struct {
    Command command;
    std::string_view want;
  } cases[] = {
      {{"a", Login{"bob", "x]y"}}, "a LOGIN bob x]y"},
      {{"a", Login{"", "a b"}}, R"(a LOGIN "" "a b")"},
      {{"a", Login{"q\"b\\", "NIL"}}, R"(a LOGIN "q\"b\\" NIL)"},
      {{"a", Login{"J\xc3\xb6rg", "line\r\nbreak"}},
       "a LOGIN \"J\xc3\xb6rg\" {11+}\r\nline\r\nbreak"},
      {{"a", Login{"\xff", "%*"}}, "a LOGIN {1+}\r\n\xff \"%*\""},
      {{"a", List{{}, "", {"%", "a b"}, {}}}, R"(a LIST "" (% "a b"))"},
      {{"t", Fetch{true, SequenceSet{false, {{1, SequenceRange::kStar}}},
                   {FetchItem{FetchItem::Kind::kFlags}}, 5, true}},
       "t UID FETCH 1:* (FLAGS) (CHANGEDSINCE 5 VANISHED)"},
      {{"t", Store{false, SequenceSet{true, {}}, 0, Store::Mode::kRemove, true, {"\\Seen"}}},
       "t STORE $ (UNCHANGEDSINCE 0) -FLAGS.SILENT (\\Seen)"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(to_wire(c.command), c.want);
    expect_round_trip(c.command);
  }
}

TEST(ToWire, RoundTripsUnusualValues) {
  using K = SearchKey::Kind;
  const Command commands[] = {
      {"a", Rename{"", "\r"}},
      {"a", Create{"\xe2\x82\xac", std::vector<std::string>{}}},
      {"a", Search{false, SearchReturn{}, "\"x\"",
                   {SearchKey{.kind = K::kHeader, .field = "", .text = "\n"},
                    SearchKey{.kind = K::kGroup,
                              .children = {SearchKey{.kind = K::kOr,
                                                     .children = {SearchKey{.kind = K::kAll},
                                                                  SearchKey{.kind = K::kNew}}}}}}}},
      {"a", Append{"x", {AppendMessage{std::nullopt, DateTime{{2024, 2, 29}, 23, 59, 60, 1439},
                                       std::string("\0\r\n", 3),
                                       AppendMessage::Encoding::kLiteral8}}}},
      {"a", Id{std::vector<Id::Field>{{"\"", std::nullopt}, {"", ""}}}},
  };
  for (const Command& command : commands) expect_round_trip(command);
}

}  // namespace
}  // namespace redoubt::imap::proto
