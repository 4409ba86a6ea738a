#include "smtp/proto/data_reader.h"

#include <gtest/gtest.h>

#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace redoubt::smtp::proto {
namespace {

using Status = DataReader::Status;

constexpr std::size_t kAll = std::string_view::npos;

// Everything a DataReader produced from a sequence of pieces.
struct Outcome {
  std::string content;
  Status status = Status::kNeedMore;
  std::size_t consumed = 0;
  std::optional<DataError> error;
  bool operator==(const Outcome&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Outcome& o) {
  return os << "{content=" << testing::PrintToString(o.content)
            << " done=" << (o.status == Status::kDone) << " consumed=" << o.consumed
            << " error=" << (o.error ? static_cast<int>(*o.error) : -1) << "}";
}

Outcome read_pieces(const std::vector<std::string_view>& pieces, DataLimits limits = {}) {
  DataReader reader(limits);
  Outcome outcome;
  for (std::string_view piece : pieces) {
    const DataReader::Progress progress = reader.feed(piece, outcome.content);
    EXPECT_LE(progress.consumed, piece.size());
    outcome.consumed += progress.consumed;
    outcome.status = progress.status;
    if (progress.status == Status::kDone) break;
    EXPECT_EQ(progress.consumed, piece.size());  // Short only when done.
  }
  outcome.error = reader.error();
  return outcome;
}

// The reader must give the same outcome however the input is split: in one piece, in two pieces
// at every offset, in three pieces at every pair of offsets, and one octet at a time.
Outcome read_every_split(std::string_view input, DataLimits limits = {}) {
  const Outcome whole = read_pieces({input}, limits);
  for (std::size_t i = 0; i <= input.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(read_pieces({input.substr(0, i), input.substr(i)}, limits), whole);
    for (std::size_t j = i; j <= input.size(); ++j) {
      EXPECT_EQ(read_pieces({input.substr(0, i), input.substr(i, j - i), input.substr(j)}, limits),
                whole)
          << "split at " << i << " and " << j;
    }
  }
  std::vector<std::string_view> octets;
  for (std::size_t i = 0; i < input.size(); ++i) octets.push_back(input.substr(i, 1));
  EXPECT_EQ(read_pieces(octets, limits), whole);
  return whole;
}

struct Case {
  std::string_view input;
  std::string_view content;
  Status status;
  std::size_t consumed;  // kAll: the whole input.
  std::optional<DataError> error;
};

void expect_cases(std::initializer_list<Case> cases, DataLimits limits = {}) {
  for (const Case& c : cases) {
    SCOPED_TRACE(testing::PrintToString(std::string(c.input)));
    const Outcome want{std::string(c.content), c.status,
                       c.consumed == kAll ? c.input.size() : c.consumed, c.error};
    EXPECT_EQ(read_every_split(c.input, limits), want);
  }
}

TEST(DataReader, EndMarkerAndDotUnstuffing) {
  expect_cases({
      {"Hello\r\n.\r\n", "Hello\r\n", Status::kDone, kAll, std::nullopt},
      // Empty message: the end marker right at the start (the CRLF of "DATA" is implied).
      {".\r\n", "", Status::kDone, kAll, std::nullopt},
      {"\r\n.\r\n", "\r\n", Status::kDone, kAll, std::nullopt},
      // RFC 5321 §4.5.2: a leading dot is removed from any other line.
      {"..x\r\n.\r\n", ".x\r\n", Status::kDone, kAll, std::nullopt},
      {".x\r\n.\r\n", "x\r\n", Status::kDone, kAll, std::nullopt},
      {"a\r\n..\r\n.\r\n", "a\r\n.\r\n", Status::kDone, kAll, std::nullopt},
      {"a\r\n...\r\n.\r\n", "a\r\n..\r\n", Status::kDone, kAll, std::nullopt},
      {"a\r\n. \r\n.\r\n", "a\r\n \r\n", Status::kDone, kAll, std::nullopt},
      // Dots elsewhere are content.
      {"a.b\r\n .\r\nc.\r\n.\r\n", "a.b\r\n .\r\nc.\r\n", Status::kDone, kAll, std::nullopt},
      {"Subject: x\r\n\r\nbody\r\n.\r\n", "Subject: x\r\n\r\nbody\r\n", Status::kDone, kAll,
       std::nullopt},
      // Pipelined bytes after the end marker are left unconsumed.
      {"a\r\n.\r\nQUIT\r\n", "a\r\n", Status::kDone, 6, std::nullopt},
      {".\r\n.\r\n", "", Status::kDone, 3, std::nullopt},
      {"a\r\n.\r\n\r\n.\r\n", "a\r\n", Status::kDone, 6, std::nullopt},
      // Not done yet.
      {"", "", Status::kNeedMore, kAll, std::nullopt},
      {"a", "a", Status::kNeedMore, kAll, std::nullopt},
      {"a\r", "a", Status::kNeedMore, kAll, std::nullopt},
      {"a\r\n", "a\r\n", Status::kNeedMore, kAll, std::nullopt},
      {"a\r\n.", "a\r\n", Status::kNeedMore, kAll, std::nullopt},
      {"a\r\n.\r", "a\r\n", Status::kNeedMore, kAll, std::nullopt},
      {"a.\r\n", "a.\r\n", Status::kNeedMore, kAll, std::nullopt},
      {"a\r\n .\r\n", "a\r\n .\r\n", Status::kNeedMore, kAll, std::nullopt},
  });
}

// SMTP smuggling: only CRLF "." CRLF ends the data. Every other spelling of an end marker must be
// flagged and must not end the data, so a second message hidden behind it is never accepted.
TEST(DataReader, SmugglingEndMarkersDoNotEndTheData) {
  expect_cases({
      {"a\n.\nMAIL FROM:<x@y>\r\n.\r\n", "a", Status::kDone, kAll, DataError::kBareLf},
      {"a\r.\rMAIL FROM:<x@y>\r\n.\r\n", "a", Status::kDone, kAll, DataError::kBareCr},
      {"a\n.\r\nMAIL FROM:<x@y>\r\n.\r\n", "a", Status::kDone, kAll, DataError::kBareLf},
      {"a\r.\r\nMAIL FROM:<x@y>\r\n.\r\n", "a", Status::kDone, kAll, DataError::kBareCr},
      {"a\r\n.\nMAIL FROM:<x@y>\r\n.\r\n", "a\r\n", Status::kDone, kAll, DataError::kBareLf},
      {"a\r\n.\rMAIL FROM:<x@y>\r\n.\r\n", "a\r\n", Status::kDone, kAll, DataError::kBareCr},
      {"a\r\n.\r\r\n.\r\n", "a\r\n", Status::kDone, kAll, DataError::kBareCr},
      {"a\r\r\n.\r\n", "a", Status::kDone, kAll, DataError::kBareCr},
      {"a\n\r\n.\r\n", "a", Status::kDone, kAll, DataError::kBareLf},
      {"a\r\n\n.\r\n.\r\n", "a\r\n", Status::kDone, kAll, DataError::kBareLf},
      // Alone, none of them ends the data.
      {"\n.\n", "", Status::kNeedMore, kAll, DataError::kBareLf},
      {"\r.\r", "", Status::kNeedMore, kAll, DataError::kBareCr},
      {"\n.\r\n", "", Status::kNeedMore, kAll, DataError::kBareLf},
      {"\r.\r\n", "", Status::kNeedMore, kAll, DataError::kBareCr},
      {"\r\n.\n", "\r\n", Status::kNeedMore, kAll, DataError::kBareLf},
      {"\r\n.\r", "\r\n", Status::kNeedMore, kAll, std::nullopt},  // Not known yet.
      {"\r\n.\rX", "\r\n", Status::kNeedMore, kAll, DataError::kBareCr},
      {"x\n.\n", "x", Status::kNeedMore, kAll, DataError::kBareLf},
      {".\n", "", Status::kNeedMore, kAll, DataError::kBareLf},
      {".\r.\r\n", "", Status::kNeedMore, kAll, DataError::kBareCr},
      {"a\r\n.\n.\n", "a\r\n", Status::kNeedMore, kAll, DataError::kBareLf},
      // The first error wins.
      {"a\nb\rc\r\n.\r\n", "a", Status::kDone, kAll, DataError::kBareLf},
      {"a\rb\nc\r\n.\r\n", "a", Status::kDone, kAll, DataError::kBareCr},
  });
}

TEST(DataReader, LineTooLong) {
  const DataLimits limits{.max_line_octets = 5};
  expect_cases(
      {
          {"12345\r\n.\r\n", "12345\r\n", Status::kDone, kAll, std::nullopt},
          // The stuffing dot does not count (RFC 5321 §4.5.3.1.6).
          {"..2345\r\n.\r\n", ".2345\r\n", Status::kDone, kAll, std::nullopt},
          {"123456\r\n.\r\n", "12345", Status::kDone, kAll, DataError::kLineTooLong},
          {"ok\r\n1234567890\r\nok\r\n.\r\n", "ok\r\n12345", Status::kDone, kAll,
           DataError::kLineTooLong},
          {"123456", "12345", Status::kNeedMore, kAll, DataError::kLineTooLong},
          {"123456\n.\r\n", "12345", Status::kNeedMore, kAll, DataError::kLineTooLong},
      },
      limits);
  // The default is RFC 5322 §2.1.1's 998.
  const std::string line998(998, 'x');
  EXPECT_EQ(read_pieces({line998 + "\r\n.\r\n"}).error, std::nullopt);
  EXPECT_EQ(read_pieces({line998 + "x\r\n.\r\n"}).error, DataError::kLineTooLong);
}

TEST(DataReader, TooBig) {
  // CRLFs count; the final "." CRLF does not (RFC 1870 §3).
  const DataLimits limits{.max_message_bytes = 7};
  expect_cases(
      {
          {"12345\r\n.\r\n", "12345\r\n", Status::kDone, kAll, std::nullopt},
          {"..2345\r\n.\r\n", ".2345\r\n", Status::kDone, kAll, std::nullopt},
          {"123456\r\n.\r\n", "123456", Status::kDone, kAll, DataError::kTooBig},
          {"1234\r\n12\r\n.\r\n", "1234\r\n1", Status::kDone, kAll, DataError::kTooBig},
          {"12345678", "1234567", Status::kNeedMore, kAll, DataError::kTooBig},
          {"\r\n\r\n\r\n\r\n.\r\n", "\r\n\r\n\r\n", Status::kDone, kAll, DataError::kTooBig},
      },
      limits);
  expect_cases({{".\r\n", "", Status::kDone, kAll, std::nullopt},
                {"a\r\n.\r\n", "", Status::kDone, kAll, DataError::kTooBig}},
               DataLimits{.max_message_bytes = 0});
}

TEST(DataReader, FeedAfterDoneConsumesNothing) {
  DataReader reader(DataLimits{});
  std::string content;
  EXPECT_EQ(reader.feed(".\r\nQUIT\r\n", content), (DataReader::Progress{3, Status::kDone}));
  EXPECT_EQ(reader.feed("QUIT\r\n", content), (DataReader::Progress{0, Status::kDone}));
  EXPECT_EQ(content, "");
}

TEST(DataReader, EmptyInput) {
  DataReader reader(DataLimits{});
  std::string content;
  EXPECT_EQ(reader.feed(std::string_view(), content), (DataReader::Progress{0, Status::kNeedMore}));
  EXPECT_EQ(reader.feed(".\r\n", content), (DataReader::Progress{3, Status::kDone}));
}

TEST(DataReader, AppendsToWhatTheCallerHas) {
  DataReader reader(DataLimits{});
  std::string content = "Received: by test\r\n";
  EXPECT_EQ(reader.feed("a\r\n.\r\n", content).status, Status::kDone);
  EXPECT_EQ(content, "Received: by test\r\na\r\n");
}

// A long message of random lines, some dot-stuffed, some empty, fed in random pieces.
TEST(DataReader, RandomChunkingGivesTheSameOutcome) {
  std::mt19937 random(20240601);  // Fixed seed: deterministic (STYLE.md rule 24).
  std::string message;
  std::string want;
  for (int line = 0; line < 5000; ++line) {
    std::string text;
    const int length = std::uniform_int_distribution<int>(0, 120)(random);
    for (int i = 0; i < length; ++i) {
      text += "abc. \t.xyz"[std::uniform_int_distribution<int>(0, 9)(random)];
    }
    want += text + "\r\n";
    message += (!text.empty() && text[0] == '.' ? "." : "") + text + "\r\n";
  }
  message += ".\r\nQUIT\r\n";
  const Outcome whole = read_pieces({message});
  ASSERT_EQ(whole, (Outcome{want, Status::kDone, message.size() - 6, std::nullopt}));
  for (int round = 0; round < 50; ++round) {
    std::vector<std::string_view> pieces;
    std::size_t at = 0;
    while (at < message.size()) {
      const std::size_t length = std::uniform_int_distribution<std::size_t>(0, 300)(random);
      pieces.push_back(std::string_view(message).substr(at, length));
      at += length;
    }
    EXPECT_EQ(read_pieces(pieces), whole) << "round " << round;
  }
}

// Inputs built to defeat a scanner that searches for CR and LF separately on each step. With a
// quadratic scan these take minutes; here they take milliseconds.
TEST(DataReader, LinearOnHostileInput) {
  const DataLimits limits{.max_message_bytes = UINT64_MAX, .max_line_octets = SIZE_MAX};
  std::string many_cr;
  for (int i = 0; i < 1 << 20; ++i) many_cr += "a\r";
  std::string many_lf;
  for (int i = 0; i < 1 << 20; ++i) many_lf += "a\n";
  for (const std::string& input : {many_cr, many_lf, std::string(4 << 20, 'x')}) {
    DataReader reader(limits);
    std::string content;
    const DataReader::Progress progress = reader.feed(input, content);
    EXPECT_EQ(progress.consumed, input.size());
    EXPECT_EQ(progress.status, Status::kNeedMore);
  }
}

TEST(ChunkChecker, AcceptsCrlfAcrossChunks) {
  ChunkChecker checker(DataLimits{});
  checker.feed("Subject: x\r");
  checker.feed("\n\r\n.\r\n");  // No dot-stuffing in BDAT: a lone dot is content.
  checker.feed("body\r\n");
  checker.finish();
  EXPECT_EQ(checker.error(), std::nullopt);
}

TEST(ChunkChecker, FindsErrorsAtEverySplit) {
  const struct {
    std::string_view input;
    std::optional<DataError> want;
    DataLimits limits;
  } cases[] = {
      {"a\r\nb\r\n", std::nullopt, {}},
      {"a\r\nb", std::nullopt, {}},  // A last line without CRLF is the session's to mend.
      {"a\nb\r\n", DataError::kBareLf, {}},
      {"a\rb\r\n", DataError::kBareCr, {}},
      {"a\r", DataError::kBareCr, {}},  // Known to be bare only at finish().
      {"a\r\r\n", DataError::kBareCr, {}},
      {"12345\r\n", std::nullopt, {.max_line_octets = 5}},
      {".2345\r\n", std::nullopt, {.max_line_octets = 5}},
      {"..2345\r\n", DataError::kLineTooLong, {.max_line_octets = 5}},
      {"12345\r\n", std::nullopt, {.max_message_bytes = 7}},
      {"12345\r\n1", DataError::kTooBig, {.max_message_bytes = 7}},
  };
  for (const auto& c : cases) {
    for (std::size_t i = 0; i <= c.input.size(); ++i) {
      SCOPED_TRACE(testing::PrintToString(std::string(c.input)) + " split at " + std::to_string(i));
      ChunkChecker checker(c.limits);
      checker.feed(c.input.substr(0, i));
      checker.feed(c.input.substr(i));
      checker.finish();
      EXPECT_EQ(checker.error(), c.want);
    }
  }
}

}  // namespace
}  // namespace redoubt::smtp::proto
