#include "imap/proto/command_parser.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "imap/proto/test_commands.h"

namespace redoubt::imap::proto {
namespace {

using K = SearchKey::Kind;
using F = FetchItem::Kind;

SearchKey key(K kind) { return SearchKey{.kind = kind}; }
SearchKey text_key(K kind, std::string text) {
  return SearchKey{.kind = kind, .text = std::move(text)};
}
SearchKey date_key(K kind, Date date) { return SearchKey{.kind = kind, .date = date}; }
SearchKey set_key(K kind, SequenceSet set) {
  return SearchKey{.kind = kind, .set = std::move(set)};
}
SearchKey parent(K kind, std::vector<SearchKey> children) {
  return SearchKey{.kind = kind, .children = std::move(children)};
}
SequenceSet set(std::vector<SequenceRange> ranges) { return SequenceSet{false, std::move(ranges)}; }
constexpr std::uint32_t kStar = SequenceRange::kStar;
FetchItem item(F kind) { return FetchItem{.kind = kind}; }
FetchItem body(Section section, bool peek = false, std::optional<Partial> partial = {}) {
  return FetchItem{.kind = F::kBodySection, .peek = peek, .section = std::move(section),
                   .partial = partial};
}

struct Case {
  std::string_view input;
  Command want;
};

void check(std::span<const Case> cases) {
  for (const Case& c : cases) {
    SCOPED_TRACE(c.input);
    auto got = parse_command(c.input);
    ASSERT_TRUE(got.has_value()) << got.error().reason;
    EXPECT_EQ(*got, c.want);
  }
}

TEST(ParseCommand, AnyStateAndNotAuthenticated) {
  const Case cases[] = {
      {"abcd CAPABILITY", {"abcd", Capability{}}},
      {"a002 noop", {"a002", Noop{}}},
      {"A023 LOGOUT", {"A023", Logout{}}},
      {"a002 STARTTLS", {"a002", Starttls{}}},
      {"A001 AUTHENTICATE GSSAPI", {"A001", Authenticate{"GSSAPI", std::nullopt}}},
      {"a authenticate plain dGVzdAB0ZXN0AHRlc3Q=",
       {"a", Authenticate{"PLAIN", "dGVzdAB0ZXN0AHRlc3Q="}}},
      {"a AUTHENTICATE EXTERNAL =", {"a", Authenticate{"EXTERNAL", "="}}},
      {"a001 LOGIN SMITH SESAME", {"a001", Login{"SMITH", "SESAME"}}},
      {"a LOGIN {3+}\r\nbob {6}\r\nse\r\nt!", {"a", Login{"bob", "se\r\nt!"}}},
      {R"(a LOGIN "b\"o\\b" "")", {"a", Login{"b\"o\\b", ""}}},
      {"a LOGIN \"J\xc3\xb6rg\" x]y", {"a", Login{"J\xc3\xb6rg", "x]y"}}},
      {"a ID NIL", {"a", Id{}}},
      {R"(a023 ID ("name" "sodr" "os" NIL))",
       {"a023", Id{std::vector<Id::Field>{{"name", "sodr"}, {"os", std::nullopt}}}}},
  };
  check(cases);
}

TEST(ParseCommand, Authenticated) {
  QresyncParams q{67890007, 90060115194045000, set({{41, 211}, {214, 541}}),
                  std::pair{set({{1, 5}, {7, 7}}), set({{1, 5}, {10, 10}})}};
  const Case cases[] = {
      {"t2 ENABLE CONDSTORE X-GOOD-IDEA", {"t2", Enable{{"CONDSTORE", "X-GOOD-IDEA"}}}},
      {"A142 SELECT INBOX", {"A142", Select{"INBOX", {}}}},
      {"A932 EXAMINE blurdybloop", {"A932", Examine{"blurdybloop", {}}}},
      {"a SELECT INBOX (CONDSTORE)", {"a", Select{"INBOX", {true, std::nullopt}}}},
      {"B283 SELECT INBOX (QRESYNC (67890007 90060115194045000 41:211,214:541 "
       "(1:5,7 1:5,10)))",
       {"B283", Select{"INBOX", {false, q}}}},
      {"a SELECT x (QRESYNC (1 2))", {"a", Select{"x", {false, QresyncParams{1, 2}}}}},
      {"A003 CREATE owatagusiam/", {"A003", Create{"owatagusiam/", std::nullopt}}},
      {R"(t1 CREATE "Important Messages" (USE (\Flagged \Junk)))",
       {"t1", Create{"Important Messages", std::vector<std::string>{"\\Flagged", "\\Junk"}}}},
      {"A682 DELETE blurdybloop", {"A682", Delete{"blurdybloop"}}},
      {"A683 RENAME blurdybloop sarasoop", {"A683", Rename{"blurdybloop", "sarasoop"}}},
      {"A002 SUBSCRIBE #news.comp.mail.mime", {"A002", Subscribe{"#news.comp.mail.mime"}}},
      {"A002 UNSUBSCRIBE x", {"A002", Unsubscribe{"x"}}},
      {R"(A101 LIST "" "")", {"A101", List{{}, "", {""}, {}}}},
      {"A202 LIST ~/Mail/ %", {"A202", List{{}, "~/Mail/", {"%"}, {}}}},
      {R"(A01 LIST "" % RETURN (SPECIAL-USE))",
       {"A01", List{{}, "", {"%"}, {.special_use = true}}}},
      {R"(C04 LIST (SUBSCRIBED RECURSIVEMATCH) "" "%")",
       {"C04", List{{.subscribed = true, .recursive_match = true}, "", {"%"}, {}}}},
      {R"(A03 LIST () "" "%" RETURN (CHILDREN))", {"A03", List{{}, "", {"%"}, {.children = true}}}},
      {R"(BBB LIST "" ("INBOX" Drafts "Sent/%"))",
       {"BBB", List{{}, "", {"INBOX", "Drafts", "Sent/%"}, {}}}},
      {R"(A01 LIST (REMOTE) "" % RETURN (STATUS (MESSAGES UNSEEN)))",
       {"A01", List{{.remote = true}, "", {"%"},
                    {.status = std::vector{StatusItem::kMessages, StatusItem::kUnseen}}}}},
      {R"(A LSUB "#news." comp.mail.*)", {"A", Lsub{"#news.", "comp.mail.*"}}},
      {"A002 NAMESPACE", {"A002", Namespace{}}},
      {"A042 STATUS blurdybloop (UIDNEXT MESSAGES size)",
       {"A042", Status{"blurdybloop",
                       {StatusItem::kUidNext, StatusItem::kMessages, StatusItem::kSize}}}},
      {"A003 APPEND saved-messages (\\Seen) {5}\r\nHello",
       {"A003", Append{"saved-messages", {AppendMessage{std::vector<std::string>{"\\Seen"},
                                                        std::nullopt, "Hello"}}}}},
      {"A004 APPEND INBOX \"17-Jul-1996 02:44:25 -0700\" {2+}\r\nhi",
       {"A004", Append{"INBOX", {AppendMessage{std::nullopt,
                                               DateTime{{1996, 7, 17}, 2, 44, 25, -420},
                                               "hi"}}}}},
      {"A005 APPEND INBOX ~{1}\r\nb () UTF8 (~{1+}\r\nc)",
       {"A005", Append{"INBOX",
                       {AppendMessage{std::nullopt, std::nullopt, "b",
                                      AppendMessage::Encoding::kLiteral8},
                        AppendMessage{std::vector<std::string>{}, std::nullopt, "c",
                                      AppendMessage::Encoding::kUtf8}}}}},
      {"A002 IDLE", {"A002", Idle{}}},
      {"G1 GETQUOTA \"!partition/sda4\"", {"G1", GetQuota{"!partition/sda4"}}},
      {"A3 GETQUOTAROOT INBOX", {"A3", GetQuotaRoot{"INBOX"}}},
      {"S0 SETQUOTA \"#user/alice\" (STORAGE 510 message 7)",
       {"S0", SetQuota{"#user/alice", {{"STORAGE", 510}, {"MESSAGE", 7}}}}},
      {"a COMPRESS deflate", {"a", Compress{"DEFLATE"}}},
  };
  check(cases);
}

TEST(ParseCommand, Selected) {
  const Case cases[] = {
      {"FXXZ CHECK", {"FXXZ", Check{}}},
      {"A341 CLOSE", {"A341", Close{}}},
      {"A342 UNSELECT", {"A342", Unselect{}}},
      {"A202 EXPUNGE", {"A202", Expunge{}}},
      {"A003 UID EXPUNGE 3000:3002", {"A003", UidExpunge{set({{3000, 3002}})}}},
      {"A003 STORE 2:4 +FLAGS (\\Deleted)",
       {"A003",
        Store{false, set({{2, 4}}), std::nullopt, Store::Mode::kAdd, false, {"\\Deleted"}}}},
      {"A4 STORE 1 -FLAGS.SILENT \\Seen $Junk",
       {"A4", Store{false, set({{1, 1}}), std::nullopt, Store::Mode::kRemove, true,
                    {"\\Seen", "$Junk"}}}},
      {"a103 UID STORE 6,4,8 (UNCHANGEDSINCE 12121230045) FLAGS ()",
       {"a103", Store{true, set({{6, 6}, {4, 4}, {8, 8}}), 12121230045, Store::Mode::kReplace,
                      false, {}}}},
      {"A003 COPY 2:4 MEETING", {"A003", Copy{false, set({{2, 4}}), "MEETING"}}},
      {"a UID MOVE 42:* foo", {"a", Move{true, set({{42, kStar}}), "foo"}}},
  };
  check(cases);
}

TEST(ParseCommand, Search) {
  const Case cases[] = {
      {"A282 SEARCH RETURN (MIN COUNT) FLAGGED SINCE 1-Feb-1994 NOT FROM \"Smith\"",
       {"A282", Search{false, SearchReturn{.min = true, .count = true}, std::nullopt,
                       {key(K::kFlagged), date_key(K::kSince, {1994, 2, 1}),
                        parent(K::kNot, {text_key(K::kFrom, "Smith")})}}}},
      {"A283 SEARCH RETURN () TEXT \"x\"",
       {"A283", Search{false, SearchReturn{}, std::nullopt, {text_key(K::kText, "x")}}}},
      {"A285 SEARCH CHARSET UTF-8 TEXT {2}\r\n\xc3\xa9",
       {"A285", Search{false, std::nullopt, "UTF-8", {text_key(K::kText, "\xc3\xa9")}}}},
      {"A SEARCH OR (SEEN 1:3) NOT UID 9:* HEADER Message-ID <a@b> BEFORE \"3-Mar-2020\"",
       {"A", Search{false, std::nullopt, std::nullopt,
                    {parent(K::kOr, {parent(K::kGroup, {key(K::kSeen), set_key(K::kSequenceSet,
                                                                              set({{1, 3}}))}),
                                     parent(K::kNot, {set_key(K::kUid, set({{9, kStar}}))})}),
                     SearchKey{.kind = K::kHeader, .field = "Message-ID", .text = "<a@b>"},
                     date_key(K::kBefore, {2020, 3, 3})}}}},
      {"A289 UID SEARCH RETURN (SAVE) $",
       {"A289", Search{true, SearchReturn{.save = true}, std::nullopt,
                       {set_key(K::kSequenceSet, SequenceSet{true, {}})}}}},
      {"a SEARCH MODSEQ \"/flags/\\\\draft\" all 620162338 LARGER 4 KEYWORD $Foo",
       {"a", Search{false, std::nullopt, std::nullopt,
                    {SearchKey{.kind = K::kModSeq, .number = 620162338,
                               .entry_name = "/flags/\\draft", .entry_type = "ALL"},
                     SearchKey{.kind = K::kLarger, .number = 4}, text_key(K::kKeyword, "$Foo")}}}},
      {"A283 SORT (SUBJECT REVERSE DATE) UTF-8 ALL",
       {"A283", Sort{false,
                     {{false, SortCriterion::Key::kSubject}, {true, SortCriterion::Key::kDate}},
                     "UTF-8", {key(K::kAll)}}}},
      {"A284 UID THREAD REFERENCES US-ASCII TEXT \"gewp\"",
       {"A284", Thread{true, Thread::Algorithm::kReferences, "US-ASCII",
                       {text_key(K::kText, "gewp")}}}},
      {"A285 THREAD ORDEREDSUBJECT UTF-8 SINCE 5-MAR-2000",
       {"A285", Thread{false, Thread::Algorithm::kOrderedSubject, "UTF-8",
                       {date_key(K::kSince, {2000, 3, 5})}}}},
  };
  check(cases);
}

TEST(ParseCommand, Fetch) {
  const Section header_fields{{}, Section::Text::kHeaderFields, {"DATE", "FROM"}};
  const Case cases[] = {
      {"A654 FETCH 2:4 (FLAGS BODY[HEADER.FIELDS (DATE FROM)])",
       {"A654", Fetch{false, set({{2, 4}}), {item(F::kFlags), body(header_fields)}}}},
      {"A FETCH 1 ALL",
       {"A", Fetch{false, set({{1, 1}}),
                   {item(F::kFlags), item(F::kInternalDate), item(F::kRfc822Size),
                    item(F::kEnvelope)}}}},
      {"A FETCH 1 FULL",
       {"A", Fetch{false, set({{1, 1}}),
                   {item(F::kFlags), item(F::kInternalDate), item(F::kRfc822Size),
                    item(F::kEnvelope), item(F::kBody)}}}},
      {"A FETCH 1 BODY.PEEK[1.2.MIME]",
       {"A", Fetch{false, set({{1, 1}}), {body({{1, 2}, Section::Text::kMime, {}}, true)}}}},
      {"A FETCH * (BODY[]<0.2048> BODY[1.2.3] BODY[2.HEADER] BODY[TEXT] BODYSTRUCTURE BODY)",
       {"A", Fetch{false, set({{kStar, kStar}}),
                   {body({}, false, Partial{0, 2048}), body({{1, 2, 3}, Section::Text::kNone, {}}),
                    body({{2}, Section::Text::kHeader, {}}), body({{}, Section::Text::kText, {}}),
                    item(F::kBodyStructure), item(F::kBody)}}}},
      {"A FETCH 1 (BINARY.PEEK[1]<0.100> BINARY[] BINARY.SIZE[2.1] MODSEQ)",
       {"A", Fetch{false, set({{1, 1}}),
                   {FetchItem{F::kBinary, true, {{1}, Section::Text::kNone, {}}, Partial{0, 100}},
                    FetchItem{F::kBinary},
                    FetchItem{F::kBinarySize, false, {{2, 1}, Section::Text::kNone, {}}},
                    item(F::kModSeq)}}}},
      {"s100 UID FETCH 300:500 (FLAGS) (CHANGEDSINCE 12345 VANISHED)",
       {"s100", Fetch{true, set({{300, 500}}), {item(F::kFlags)}, 12345, true}}},
      {"A999 UID FETCH 4827313:4828442 FLAGS",
       {"A999", Fetch{true, set({{4827313, 4828442}}), {item(F::kFlags)}}}},
  };
  check(cases);
}

// Every command of the shared list parses (its wants are checked above or by the round trip).
TEST(ParseCommand, AllValidCommandsParse) {
  for (std::string_view input : testing::kValidCommands) {
    SCOPED_TRACE(input);
    auto got = parse_command(input);
    EXPECT_TRUE(got.has_value()) << got.error().reason;
  }
}

TEST(ParseCommand, ErrorsKeepTheTag) {
  for (std::string_view input : {
           "A1 RENAME", "A1 RENAME old", "A1 RENAME old new extra", "A1 RENAME  old new",
           "A1 RENAME {9+}\r\nold new", "A1 NOOP ", "A1 LOGIN a \"b", "A1 LOGIN a \"b\\x\"",
           "A1 LOGIN a \"b\r\"", "A1 LOGIN a \"\xff\"", "A1 LOGIN a {1}\r\n\0",
           "A1 LOGIN a {1}\nb", "A1 LOGIN a {1-}\r\nb", "A1 FETCH 0 FLAGS", "A1 FETCH 1:0 FLAGS",
           "A1 FETCH 4294967296 FLAGS", "A1 FETCH 1, FLAGS", "A1 FETCH 1 (FLAGS", "A1 FETCH 1 ()",
           "A1 FETCH 1 (ALL)", "A1 FETCH 1 BODY[MIME]", "A1 FETCH 1 BODY[1.]",
           "A1 FETCH 1 BODY[1HEADER]", "A1 FETCH 1 BODY[HEADER.FIELDS ()]",
           "A1 FETCH 1 BODY[]<0.0>", "A1 FETCH 1 BINARY[1.TEXT]", "A1 FETCH 1 BINARY.SIZE",
           "A1 FETCH 1 FLAGS (VANISHED)", "A1 FETCH 1 FLAGS (CHANGEDSINCE 1 VANISHED)",
           "A1 UID FETCH 1 FLAGS (VANISHED)", "A1 FETCH 1 FLAGS (CHANGEDSINCE 0)",
           "A1 FETCH 1 FLAGSX", "A1 STORE 1 FLAGS", "A1 STORE 1 FLAGS (\\Recent)",
           "A1 STORE 1 FLAGS (\\*)", "A1 STORE 1 +FLAGS.LOUD (a)", "A1 SEARCH", "A1 SEARCH FOO",
           "A1 SEARCH NOT", "A1 SEARCH OR SEEN", "A1 SEARCH ()", "A1 SEARCH SINCE 30-Feb-2020",
           "A1 SEARCH SINCE 1-Foo-2020", "A1 SEARCH SINCE 1-Jan-20", "A1 SEARCH 1,$",
           "A1 SEARCH LARGER -1", "A1 SEARCH LARGER 9223372036854775808",
           "A1 SEARCH MODSEQ \"/flags/\" all 1", "A1 SEARCH MODSEQ \"/flags/x\" any 1",
           "A1 SEARCH RETURN (FOO) ALL", "A1 SORT () UTF-8 ALL", "A1 SORT (DATE) UTF-8",
           "A1 THREAD FOO UTF-8 ALL", "A1 SELECT INBOX ()", "A1 SELECT INBOX (FOO)",
           "A1 SELECT INBOX (CONDSTORE CONDSTORE)", "A1 SELECT x (QRESYNC (0 1))",
           "A1 SELECT x (QRESYNC (1 0))", "A1 SELECT x (QRESYNC (1 1 $))",
           "A1 LIST (RECURSIVEMATCH) \"\" %", "A1 LIST (FOO) \"\" %", "A1 LIST \"\" ()",
           "A1 LIST \"\" % RETURN (STATUS ())", "A1 STATUS x ()", "A1 STATUS x (FOO)",
           "A1 APPEND x", "A1 APPEND x (\\Seen)", "A1 APPEND x \"1-Jan-2000\" {1}\r\na",
           "A1 APPEND x UTF8 ({1}\r\na)", "A1 APPEND x {5}\r\nab", "A1 CREATE x (FOO (a))",
           "A1 AUTHENTICATE PLAIN abc", "A1 AUTHENTICATE PLAIN a=bc", "A1 ENABLE",
           "A1 ID", "A1 ID (\"a\")", "A1 COMPRESS", "A1 UID", "A1 UID NOOP", "A1 UID EXPUNGE",
           "A1 SETQUOTA x (STORAGE)", "A1 COPY 1", "A1 MOVE 1 \"a\" b"}) {
    SCOPED_TRACE(input);
    auto got = parse_command(input);
    ASSERT_FALSE(got.has_value());
    EXPECT_EQ(got.error().tag, "A1");
    EXPECT_FALSE(got.error().reason.empty());
  }
}

// RFC 9051 §9 CHAR8: a literal may not carry NUL; only literal8 (APPEND data) may.
TEST(ParseCommand, NulOnlyInLiteral8) {
  using namespace std::string_view_literals;
  EXPECT_FALSE(parse_command("A1 LOGIN a {1}\r\n\0"sv).has_value());
  EXPECT_FALSE(parse_command("A1 APPEND x {1}\r\n\0"sv).has_value());
  EXPECT_FALSE(parse_command("A1 LOGIN a ~{1}\r\n\0"sv).has_value());
  EXPECT_FALSE(parse_command("A1 LOGIN a \"\0\""sv).has_value());
  auto got = parse_command("A1 APPEND x ~{1}\r\n\0"sv);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(std::get<Append>(got->args).messages.at(0).message, "\0"sv);
}

// A frame whose streamed literals (CommandFramer, FramerLimits::max_buffered_append) are listed
// beside it: the octets of each are left out of `bytes`.
struct StreamedFrame {
  std::string bytes;
  std::vector<StreamedLiteral> streamed;

  // Appends a literal header whose octets were streamed.
  StreamedFrame& streamed_literal(std::string_view header, std::uint64_t size, bool has_nul = false) {
    bytes += header;
    streamed.push_back(StreamedLiteral{bytes.size(), size, has_nul});
    return *this;
  }
  StreamedFrame& text(std::string_view more) {
    bytes += more;
    return *this;
  }
  Result<Command, SyntaxError> parse() const { return parse_command(bytes, ParseLimits{}, streamed); }
};

TEST(ParseCommand, StreamedAppendMessages) {
  StreamedFrame frame;
  frame.text("A1 APPEND INBOX (\\Seen) ")
      .streamed_literal("{70000}\r\n", 70000)
      .text(" {2}\r\nhi \"01-Jan-2020 00:00:00 +0000\" ")
      .streamed_literal("~{80000+}\r\n", 80000, true)
      .text(" UTF8 (")
      .streamed_literal("~{90000}\r\n", 90000)
      .text(")");
  auto got = frame.parse();
  ASSERT_TRUE(got.has_value()) << got.error().reason;
  const auto& messages = std::get<Append>(got->args).messages;
  ASSERT_EQ(messages.size(), 4u);
  EXPECT_EQ(messages[0], (AppendMessage{std::vector<std::string>{"\\Seen"}, std::nullopt, "",
                                        AppendMessage::Encoding::kLiteral, 0}));
  EXPECT_EQ(messages[1], (AppendMessage{std::nullopt, std::nullopt, "hi",
                                        AppendMessage::Encoding::kLiteral, std::nullopt}));
  EXPECT_EQ(messages[2].streamed_literal, 1u);
  EXPECT_EQ(messages[2].encoding, AppendMessage::Encoding::kLiteral8);  // NUL allowed.
  EXPECT_TRUE(messages[2].internal_date.has_value());
  EXPECT_EQ(messages[3].streamed_literal, 2u);
  EXPECT_EQ(messages[3].encoding, AppendMessage::Encoding::kUtf8);
  // Without the list the same bytes are not a command: the octets are missing.
  EXPECT_FALSE(parse_command(frame.bytes).has_value());
}

TEST(ParseCommand, StreamedLiteralOnlyAsAnAppendMessage) {
  const StreamedFrame refused[] = {
      // The mailbox name, and a LOGIN password: no.
      StreamedFrame().text("A1 APPEND ").streamed_literal("{70000}\r\n", 70000).text(" {1}\r\nx"),
      StreamedFrame().text("A1 LOGIN bob ").streamed_literal("{70000+}\r\n", 70000),
      // NUL only in a literal8 (RFC 9051 §9 CHAR8).
      StreamedFrame().text("A1 APPEND x ").streamed_literal("{70000}\r\n", 70000, true),
      // The header must announce what was streamed.
      StreamedFrame().text("A1 APPEND x ").streamed_literal("{69999}\r\n", 70000),
  };
  for (const StreamedFrame& frame : refused) {
    SCOPED_TRACE(frame.bytes);
    auto got = frame.parse();
    ASSERT_FALSE(got.has_value());
    EXPECT_EQ(got.error().tag, "A1");
  }
  EXPECT_EQ(refused[0].parse().error().reason, "literal too long for this argument");
  EXPECT_EQ(refused[2].parse().error().reason, "NUL in literal");
}

// What the framer streams, the parser takes back: the command equals the one parsed from the
// buffered frame, once the streamed octets are put in the message.
TEST(ParseCommand, FramerStreamsWhatTheParserExpects) {
  const std::string big(5000, 'b');
  const std::string stream = "A1 APPEND x (\\Draft) {5000+}\r\n" + big + " {3+}\r\nabc ~{5000+}\r\n" + big + "\r\n";
  FramerLimits streaming;
  streaming.max_buffered_append = 4096;
  CommandFramer framer(streaming);
  framer.append(stream);
  std::vector<std::string> literals;
  FrameResult next = framer.next();
  while (auto* chunk = std::get_if<LiteralChunk>(&next)) {
    if (chunk->literal == literals.size()) literals.emplace_back();
    literals.at(chunk->literal) += chunk->bytes;
    next = framer.next();
  }
  const auto& frame = std::get<Frame>(next);
  ASSERT_EQ(literals.size(), 2u);
  auto streamed = parse_command(frame.bytes, ParseLimits{}, frame.streamed_literals);
  ASSERT_TRUE(streamed.has_value()) << streamed.error().reason;
  for (AppendMessage& message : std::get<Append>(streamed->args).messages) {
    if (message.streamed_literal) message.message = literals.at(*std::exchange(message.streamed_literal, std::nullopt));
  }
  CommandFramer buffering(FramerLimits{.max_buffered_append = UINT64_MAX});
  buffering.append(stream);
  EXPECT_EQ(*streamed, *parse_command(std::get<Frame>(buffering.next()).bytes));
}

TEST(ParseCommand, ErrorsWithoutATag) {
  for (std::string_view input : {"", " NOOP", "+ NOOP", "A{ NOOP", "A1", "A1\tNOOP", "*"}) {
    SCOPED_TRACE(input);
    auto got = parse_command(input);
    ASSERT_FALSE(got.has_value());
    EXPECT_EQ(got.error().tag, "");
  }
}

TEST(ParseCommand, UnknownCommand) {
  auto got = parse_command("A1 XYZZY foo");
  ASSERT_FALSE(got.has_value());
  EXPECT_EQ(got.error(),
            (SyntaxError{"A1", SyntaxError::Kind::kUnknownCommand, "unknown command"}));
  EXPECT_EQ(parse_command("A1 UID NOOP").error().kind, SyntaxError::Kind::kUnknownCommand);
}

TEST(ParseCommand, DepthIsBounded) {
  const auto nested = [](std::size_t depth) {
    return "A1 SEARCH " + std::string(depth, '(') + "ALL" + std::string(depth, ')');
  };
  const auto nots = [](std::size_t depth) {
    std::string s = "A1 SEARCH ";
    for (std::size_t i = 0; i < depth; ++i) s += "NOT ";
    return s + "ALL";
  };
  EXPECT_TRUE(parse_command(nested(16)).has_value());
  EXPECT_TRUE(parse_command(nots(16)).has_value());
  for (const std::string& input : {nested(17), nots(17), nested(100000), nots(100000)}) {
    auto got = parse_command(input);
    ASSERT_FALSE(got.has_value());
    EXPECT_EQ(got.error().kind, SyntaxError::Kind::kLimit);
    EXPECT_EQ(got.error().tag, "A1");
  }
  ParseLimits limits;
  limits.max_depth = 2;
  EXPECT_FALSE(parse_command("A1 SEARCH OR NOT NOT SEEN ALL", limits).has_value());
  EXPECT_TRUE(parse_command("A1 SEARCH OR NOT SEEN ALL", limits).has_value());
  EXPECT_TRUE(parse_command("A1 SEARCH OR SEEN ALL", limits).has_value());
}

TEST(ParseCommand, ListsAreBounded) {
  ParseLimits limits;
  limits.max_list_items = 3;
  EXPECT_TRUE(parse_command("A1 STORE 1 FLAGS (a b c)", limits).has_value());
  auto got = parse_command("A1 STORE 1 FLAGS (a b c d)", limits);
  ASSERT_FALSE(got.has_value());
  EXPECT_EQ(got.error().kind, SyntaxError::Kind::kLimit);
  EXPECT_FALSE(parse_command("A1 SEARCH SEEN SEEN SEEN SEEN", limits).has_value());
  limits.max_sequence_ranges = 2;
  EXPECT_TRUE(parse_command("A1 FETCH 1,2 FLAGS", limits).has_value());
  got = parse_command("A1 FETCH 1,2,3 FLAGS", limits);
  ASSERT_FALSE(got.has_value());
  EXPECT_EQ(got.error().kind, SyntaxError::Kind::kLimit);
}

}  // namespace
}  // namespace redoubt::imap::proto
