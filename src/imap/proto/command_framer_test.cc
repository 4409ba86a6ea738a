#include "imap/proto/command_framer.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

namespace redoubt::imap::proto {
namespace {

using namespace std::string_literals;

// Feeds `chunks` to a framer and describes every event: "F:<bytes>" for a frame, "C:<tag>:<n>"
// for a continuation request, "R:<tag>:<n>" for a rejected literal, "T:<tag>" for TooLarge.
// `refuse` decides, for each continuation request, whether the session refuses the literal.
std::vector<std::string> frame_all(
    const std::vector<std::string_view>& chunks, FramerLimits limits = {},
    const std::function<bool(const SendContinuation&)>& refuse = nullptr) {
  CommandFramer framer(limits);
  std::vector<std::string> events;
  for (std::string_view chunk : chunks) {
    framer.append(chunk);
    for (;;) {
      FrameResult next = framer.next();
      if (std::holds_alternative<NeedMore>(next)) break;
      if (auto* frame = std::get_if<Frame>(&next)) {
        events.push_back("F:" + frame->bytes);
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

TEST(CommandFramer, TagOfAnUntaggedLineIsEmpty) {
  EXPECT_EQ(frame_all({"{5}\r\n"}), (std::vector<std::string>{"C::5"}));
  EXPECT_EQ(frame_all({"A\"1 x {5}\r\n"}), (std::vector<std::string>{"C::5"}));
}

}  // namespace
}  // namespace redoubt::imap::proto
