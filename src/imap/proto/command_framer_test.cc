#include "imap/proto/command_framer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <string>
#include <vector>

namespace redoubt::imap::proto {
namespace {

using namespace std::string_literals;

// Feeds `chunks` to a framer and describes every event: "F:<bytes>" for a frame (followed by
// "|<offset>,<size>[,nul]" for each streamed literal), "L<k>:<octets>" for the octets of streamed
// literal k (consecutive chunks of one literal joined, since how they are cut depends on the
// input's split), "C:<tag>:<n>" for a continuation request, "R:<tag>:<n>" for a rejected
// literal, "T:<tag>" for TooLarge. `refuse` decides, for each continuation request, whether the
// session refuses the literal.
std::vector<std::string> frame_all(
    const std::vector<std::string_view>& chunks, FramerLimits limits = {},
    const std::function<bool(const SendContinuation&)>& refuse = nullptr) {
  CommandFramer framer(limits);
  std::vector<std::string> events;
  std::string last_chunk_event;  // "L<k>:" of the event the last chunk went to.
  for (std::string_view chunk : chunks) {
    framer.append(chunk);
    for (;;) {
      FrameResult next = framer.next();
      if (std::holds_alternative<NeedMore>(next)) break;
      if (auto* literal = std::get_if<LiteralChunk>(&next)) {
        EXPECT_FALSE(literal->bytes.empty());
        const std::string prefix = "L" + std::to_string(literal->literal) + ":";
        if (prefix != last_chunk_event) events.push_back(prefix);
        events.back() += literal->bytes;
        last_chunk_event = prefix;
        continue;
      }
      last_chunk_event.clear();
      if (auto* frame = std::get_if<Frame>(&next)) {
        std::string event = "F:" + frame->bytes;
        for (const StreamedLiteral& s : frame->streamed_literals) {
          event += "|" + std::to_string(s.offset) + "," + std::to_string(s.size) +
                   (s.has_nul ? ",nul" : "");
        }
        events.push_back(std::move(event));
      } else if (auto* cont = std::get_if<SendContinuation>(&next)) {
        const bool refused = refuse && refuse(*cont);
        events.push_back((refused ? "N:" : "C:") + cont->tag + ":" +
                         std::to_string(cont->literal_size) + (cont->is_literal8 ? "~" : ""));
        if (refused) framer.reject_literal();
      } else if (auto* rejected = std::get_if<LiteralRejected>(&next)) {
        events.push_back("R:" + rejected->tag + ":" + std::to_string(rejected->literal_size));
      } else if (auto* too_large = std::get_if<TooLarge>(&next)) {
        events.push_back("T:" + too_large->tag + ":" +
                         std::to_string(static_cast<int>(too_large->reason)));
        return events;
      }
    }
  }
  return events;
}

// Checks that `stream` gives `want` whole, split once at every offset, and byte by byte.
void expect_same_at_every_split(
    std::string_view stream, const std::vector<std::string>& want, FramerLimits limits = {},
    const std::function<bool(const SendContinuation&)>& refuse = nullptr) {
  ASSERT_EQ(frame_all({stream}, limits, refuse), want);
  for (std::size_t split = 1; split < stream.size(); ++split) {
    SCOPED_TRACE(split);
    ASSERT_EQ(frame_all({stream.substr(0, split), stream.substr(split)}, limits, refuse), want);
  }
  std::vector<std::string_view> bytes;
  for (std::size_t i = 0; i < stream.size(); ++i) bytes.push_back(stream.substr(i, 1));
  EXPECT_EQ(frame_all(bytes, limits, refuse), want);
}

TEST(CommandFramer, SameFramesAtEverySplitPoint) {
  expect_same_at_every_split("A1 LOGIN {3+}\r\nbob {6+}\r\nsecret\r\nA2 NOOP\r\n",
                             {"F:A1 LOGIN {3+}\r\nbob {6+}\r\nsecret", "F:A2 NOOP"});
}

TEST(CommandFramer, SynchronisingLiteralsAskForContinuation) {
  expect_same_at_every_split(
      "A1 LOGIN {3}\r\nbob {2}\r\n\r\n\r\nA2 APPEND x ~{3}\r\na\0b\r\nA3 NOOP\r\n"s,
      {"C:A1:3", "C:A1:2", "F:A1 LOGIN {3}\r\nbob {2}\r\n\r\n", "C:A2:3~",
       "F:A2 APPEND x ~{3}\r\na\0b"s, "F:A3 NOOP"});
}

TEST(CommandFramer, LiteralDataIsNotScannedForLineEnds) {
  expect_same_at_every_split("A1 APPEND x {8+}\r\n{3}\r\n\r\n}\r\nA2 NOOP\r\n",
                             {"F:A1 APPEND x {8+}\r\n{3}\r\n\r\n}", "F:A2 NOOP"});
}

TEST(CommandFramer, EmptyLiteralsAndEmptyLines) {
  expect_same_at_every_split("A1 LOGIN {0}\r\n {0+}\r\n\r\n\r\nA2 NOOP\r\n",
                             {"C:A1:0", "F:A1 LOGIN {0}\r\n {0+}\r\n", "F:", "F:A2 NOOP"});
}

TEST(CommandFramer, BareLineFeedStaysInTheLine) {
  expect_same_at_every_split("A1 NOOP\nA2 NOOP\r\n", {"F:A1 NOOP\nA2 NOOP"});
}

TEST(CommandFramer, SessionRefusesALiteral) {
  // RFC 7889: over the APPENDLIMIT, refused before the client sends it; the client then sends
  // its next command, not the literal.
  const auto refuse_big = [](const SendContinuation& c) { return c.literal_size > 10; };
  expect_same_at_every_split("A1 APPEND x {100}\r\nA2 APPEND x {5}\r\nhello\r\nA3 NOOP\r\n",
                             {"N:A1:100", "C:A2:5", "F:A2 APPEND x {5}\r\nhello", "F:A3 NOOP"},
                             {}, refuse_big);
}

TEST(CommandFramer, FramerRefusesSynchronisingLiteralOverLimit) {
  FramerLimits limits;
  limits.max_literal = 10;
  expect_same_at_every_split(
      "A1 APPEND x {11}\r\nA2 LOGIN {10}\r\n0123456789 {99999999999999999999999}\r\nA3 NOOP\r\n",
      {"R:A1:11", "C:A2:10", "R:A2:18446744073709551615", "F:A3 NOOP"}, limits);
}

TEST(CommandFramer, NonSynchronisingLiteralOverLimitIsFatal) {
  FramerLimits limits;
  limits.max_nonsync_literal = 4096;  // LITERAL- (RFC 7888 §5)
  expect_same_at_every_split("A1 LOGIN {4096+}\r\n" + std::string(4096, 'x') + " {1}\r\ny\r\n",
                             {"C:A1:1", "F:A1 LOGIN {4096+}\r\n" + std::string(4096, 'x') +
                                            " {1}\r\ny"},
                             limits);
  EXPECT_EQ(frame_all({"A1 NOOP\r\nA2 LOGIN {4097+}\r\nxx"}, limits),
            (std::vector<std::string>{"F:A1 NOOP", "T:A2:1"}));
  // A synchronising literal of that size is fine: the client waits for "+".
  EXPECT_EQ(frame_all({"A2 LOGIN {4097}\r\n"}, limits), (std::vector<std::string>{"C:A2:4097"}));
}

TEST(CommandFramer, LineTooLongIsFatal) {
  FramerLimits limits;
  limits.max_line = 10;
  expect_same_at_every_split("A1 NOOP123\r\nA2 {1+}\r\nx 12345678\r\n",
                             {"F:A1 NOOP123", "F:A2 {1+}\r\nx 12345678"}, limits);
  expect_same_at_every_split("A1 NOOP1234\r\nA2 NOOP\r\n", {"T:A1:0"}, limits);
  // Without any line end, the framer stops buffering at the limit.
  EXPECT_EQ(frame_all({std::string(12, 'a')}, limits), (std::vector<std::string>{"T::0"}));
  CommandFramer framer(limits);
  framer.append(std::string(1000, 'a'));
  EXPECT_TRUE(std::holds_alternative<TooLarge>(framer.next()));
  EXPECT_TRUE(std::holds_alternative<TooLarge>(framer.next()));  // Stays failed.
  EXPECT_EQ(framer.buffered_bytes(), 0u);
}

TEST(CommandFramer, CommandTooLarge) {
  FramerLimits limits;
  limits.max_command = 30;
  // The second literal would take the command past 30 octets: refused before it is sent.
  expect_same_at_every_split("A1 APPEND x {5}\r\nhello {9}\r\nA2 NOOP\r\n",
                             {"C:A1:5", "R:A1:9", "F:A2 NOOP"}, limits);
  EXPECT_EQ(frame_all({"A1 APPEND x {5+}\r\nhello {9+}\r\n"}, limits),
            (std::vector<std::string>{"T:A1:1"}));
}

TEST(CommandFramer, LimitsCanChangeBetweenCommands) {
  CommandFramer framer;
  FramerLimits limits;
  limits.max_literal = 3;
  framer.set_limits(limits);
  framer.append("A1 APPEND x {4}\r\n");
  auto next = framer.next();
  ASSERT_TRUE(std::holds_alternative<LiteralRejected>(next));
  EXPECT_EQ(std::get<LiteralRejected>(next).tag, "A1");
}

FramerLimits streaming_above(std::uint64_t max_buffered_append) {
  FramerLimits limits;
  limits.max_buffered_append = max_buffered_append;
  return limits;
}

// An APPEND literal that would take the buffered command past max_buffered_append is handed out
// in chunks; the frame keeps its header, not its octets. Smaller ones stay in the frame.
TEST(CommandFramer, StreamsAppendLiteralsOverTheBudget) {
  const std::string message1 = "Subject: one\r\n\r\nbody!!";  // 22 octets.
  const std::string message3 = "Subject: \0three\r\n\r\n....."s;  // 24 octets, one NUL.
  // Line 1 is 30 octets: with 22 more it is over 40, so streamed. " {3+}\r\n" + "abc" brings
  // the frame to exactly 40: buffered. " ~{24+}\r\n" and 24 more: streamed.
  const std::string stream = "A1 APPEND INBOX (\\Seen) {22}\r\n" + message1 + " {3+}\r\nabc ~{24+}\r\n" +
                             message3 + "\r\nA2 NOOP\r\n";
  expect_same_at_every_split(
      stream,
      {"C:A1:22", "L0:" + message1, "L1:" + message3,
       "F:A1 APPEND INBOX (\\Seen) {22}\r\n {3+}\r\nabc ~{24+}\r\n|30,22|49,24,nul", "F:A2 NOOP"},
      streaming_above(40));
}

TEST(CommandFramer, StreamsOnlyAppendLiterals) {
  const FramerLimits limits = streaming_above(8);
  // Not APPEND (whatever the case of the name), or an empty literal: buffered.
  expect_same_at_every_split(
      "A1 LOGIN {10+}\r\n0123456789 {3+}\r\npwd\r\nA2 append x {0+}\r\n\r\nA3 xAPPEND {10+}\r\n0123456789\r\n",
      {"F:A1 LOGIN {10+}\r\n0123456789 {3+}\r\npwd", "F:A2 append x {0+}\r\n",
       "F:A3 xAPPEND {10+}\r\n0123456789"},
      limits);
  // Any APPEND literal may be streamed, also one where the mailbox goes: parse_command refuses
  // that one. Streamed literals are numbered per command.
  expect_same_at_every_split("a appEND {10}\r\n0123456789 {1+}\r\nx\r\nb APPEND x {9+}\r\n123456789\r\n",
                             {"C:a:10", "L0:0123456789", "L1:x", "F:a appEND {10}\r\n {1+}\r\n|15,10|22,1",
                              "L0:123456789", "F:b APPEND x {9+}\r\n|17,9"},
                             limits);
}

// max_command counts streamed octets too: a MULTIAPPEND may not carry more than it did when
// everything was buffered.
TEST(CommandFramer, StreamedOctetsCountTowardsTheCommandLimit) {
  FramerLimits limits = streaming_above(0);
  limits.max_command = 100;
  const std::string sixty(60, 'x');
  expect_same_at_every_split("A1 APPEND x {60+}\r\n" + sixty + " {30}\r\nA2 NOOP\r\n",
                             {"L0:" + sixty, "R:A1:30", "F:A2 NOOP"}, limits);
  EXPECT_EQ(frame_all({"A1 APPEND x {60+}\r\n" + sixty + " {30+}\r\n"}, limits),
            (std::vector<std::string>{"L0:" + sixty, "T:A1:1"}));
  EXPECT_EQ(frame_all({"A1 APPEND x {60+}\r\n" + sixty + " (" + std::string(30, 'f')}, limits),
            (std::vector<std::string>{"L0:" + sixty, "T:A1:2"}));
}

// Only APPEND messages may outgrow max_buffered (they stream): a literal of another command
// that would be buffered past it is refused like one over max_literal, and lines piling up past
// it end the connection.
TEST(CommandFramer, BufferedPartOfACommandIsBounded) {
  FramerLimits limits;
  limits.max_buffered = 40;
  limits.max_buffered_append = 20;
  expect_same_at_every_split("A1 SEARCH TEXT {30}\r\nA2 APPEND x {30}\r\n" + std::string(30, 'm') +
                                 "\r\nA3 SEARCH TEXT {10}\r\n0123456789\r\n",
                             {"R:A1:30", "C:A2:30", "L0:" + std::string(30, 'm'),
                              "F:A2 APPEND x {30}\r\n|18,30", "C:A3:10",
                              "F:A3 SEARCH TEXT {10}\r\n0123456789"},
                             limits);
  EXPECT_EQ(frame_all({"A1 SEARCH TEXT {30+}\r\n"}, limits), (std::vector<std::string>{"T:A1:1"}));
  // Empty literals are never streamed, so an APPEND's lines count too.
  EXPECT_EQ(frame_all({"A1 APPEND x {0+}\r\n (\\Seen) {0+}\r\n (\\Seen) {0+}\r\n"}, limits),
            (std::vector<std::string>{"T:A1:2"}));
}

// After a command is dropped, the next one numbers its streamed literals from 0 again and its
// frame names only its own.
TEST(CommandFramer, DroppedCommandForgetsItsStreamedLiterals) {
  const auto refuse_second = [](const SendContinuation& c) { return c.literal_size == 7; };
  expect_same_at_every_split(
      "A1 APPEND x {5}\r\nhello {7}\r\nA2 APPEND y {3}\r\nabc\r\n",
      {"C:A1:5", "L0:hello", "N:A1:7", "C:A2:3", "L0:abc", "F:A2 APPEND y {3}\r\n|17,3"},
      streaming_above(0), refuse_second);
}

// The point of streaming: however large the message, the framer holds about one read of it.
TEST(CommandFramer, StreamingKeepsTheBufferSmall) {
  CommandFramer framer;  // Default limits: streamed above 64 KiB.
  constexpr std::uint64_t kSize = 8 * 1024 * 1024;
  framer.append("A1 APPEND INBOX {" + std::to_string(kSize) + "+}\r\n");
  const std::string read(16 * 1024, 'm');
  std::uint64_t delivered = 0;
  std::size_t most_buffered = 0;
  for (std::uint64_t sent = 0; sent < kSize; sent += read.size()) {
    framer.append(read);
    for (;;) {
      FrameResult next = framer.next();
      if (std::holds_alternative<NeedMore>(next)) break;
      ASSERT_TRUE(std::holds_alternative<LiteralChunk>(next));
      delivered += std::get<LiteralChunk>(next).bytes.size();
    }
    most_buffered = std::max(most_buffered, framer.buffered_bytes());
  }
  EXPECT_EQ(delivered, kSize);
  EXPECT_LT(most_buffered, 64u);
  framer.append("\r\n");
  FrameResult last = framer.next();
  ASSERT_TRUE(std::holds_alternative<Frame>(last));
  EXPECT_EQ(std::get<Frame>(last).streamed_literals,
            (std::vector<StreamedLiteral>{{std::string("A1 APPEND INBOX {8388608+}\r\n").size(), kSize, false}}));
}

TEST(CommandFramer, TagOfAnUntaggedLineIsEmpty) {
  EXPECT_EQ(frame_all({"{5}\r\n"}), (std::vector<std::string>{"C::5"}));
  EXPECT_EQ(frame_all({"A\"1 x {5}\r\n"}), (std::vector<std::string>{"C::5"}));
}

}  // namespace
}  // namespace redoubt::imap::proto
