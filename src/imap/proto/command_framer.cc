#include "imap/proto/command_framer.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "base/ascii.h"
#include "base/check.h"
#include "imap/proto/grammar.h"

namespace redoubt::imap::proto {
namespace {

struct LiteralHeader {
  std::uint64_t size = 0;  // UINT64_MAX if the number overflows: over every limit.
  bool is_synchronising = true;
  bool is_literal8 = false;
};

// The literal header a line ends with, if any:
//   RFC 9051 §9   literal = "{" number64 ["+"] "}" CRLF *CHAR8   (RFC 7888 §3 "+")
//   RFC 3516 §4.4 literal8 = "~{" number64 ["+"] "}" CRLF *OCTET
std::optional<LiteralHeader> literal_header(std::string_view line) {
  if (line.empty() || line.back() != '}') return std::nullopt;
  line.remove_suffix(1);
  LiteralHeader header;
  if (!line.empty() && line.back() == '+') {
    header.is_synchronising = false;
    line.remove_suffix(1);
  }
  std::size_t digits = 0;
  while (digits < line.size() && ascii::is_digit(line[line.size() - 1 - digits])) ++digits;
  if (digits == 0 || digits == line.size() || line[line.size() - 1 - digits] != '{') {
    return std::nullopt;
  }
  for (char c : line.substr(line.size() - digits)) {
    const auto digit = static_cast<std::uint64_t>(c - '0');
    header.size = header.size > (UINT64_MAX - digit) / 10 ? UINT64_MAX : header.size * 10 + digit;
  }
  line.remove_suffix(digits + 1);
  header.is_literal8 = !line.empty() && line.back() == '~';
  return header;
}

// The tag at the start of a command, or empty if it does not start with "tag SP".
std::string tag_of(std::string_view command) {
  std::size_t n = 0;
  while (n < command.size() && grammar::is_tag_char(command[n])) ++n;
  if (n == 0 || n == command.size() || command[n] != ' ') return {};
  return std::string(command.substr(0, n));
}

// Whether the command so far starts "tag SP APPEND SP" (RFC 9051 §6.3.12; names ignore case).
// Only this decides which literals may be streamed; parse_command() still judges the whole
// command, and refuses a streamed literal anywhere but in an APPEND message.
bool is_append(std::string_view command) {
  const std::size_t tag = tag_of(command).size();
  return tag > 0 && ascii::istarts_with(command.substr(tag + 1), "APPEND ");
}

}  // namespace

CommandFramer::CommandFramer(FramerLimits limits) : limits_(limits) {}

void CommandFramer::append(std::string_view bytes) {
  if (state_ == State::kFailed) return;  // Nothing will be read any more.
  input_.append(bytes);
}

void CommandFramer::reject_literal() {
  REDOUBT_CHECK(awaiting_decision_);
  reset_command();
}

void CommandFramer::reset_command() {
  frame_.clear();
  line_start_ = 0;
  literal_left_ = 0;
  is_streaming_ = false;
  streamed_.clear();
  streamed_size_ = 0;
  awaiting_decision_ = false;
  state_ = State::kLine;
}

bool CommandFramer::would_stream(std::uint64_t size) const {
  // An empty literal has no octets to stream (and no chunk would tell the session of it).
  const std::uint64_t room = limits_.max_buffered_append -
                             std::min<std::uint64_t>(frame_.size(), limits_.max_buffered_append);
  return size > 0 && size > room && is_append(frame_);
}

void CommandFramer::start_literal(std::uint64_t size) {
  state_ = State::kLiteral;
  literal_left_ = size;
  is_streaming_ = would_stream(size);
  if (is_streaming_) {
    streamed_.push_back(StreamedLiteral{frame_.size(), size, false});
    streamed_size_ += size;
  }
}

void CommandFramer::end_literal() {
  state_ = State::kLine;
  is_streaming_ = false;
  line_start_ = frame_.size();
}

void CommandFramer::compact_input() {
  if (input_pos_ == input_.size()) {
    input_.clear();
    input_pos_ = 0;
  } else if (input_pos_ > 4096 && input_pos_ * 2 > input_.size()) {
    input_.erase(0, input_pos_);
    input_pos_ = 0;
  }
}

FrameResult CommandFramer::fail(TooLarge::Reason reason) {
  failure_ = TooLarge{tag_of(frame_), reason};
  reset_command();
  state_ = State::kFailed;
  input_.clear();
  input_pos_ = 0;
  return failure_;
}

FrameResult CommandFramer::next() {
  if (state_ == State::kFailed) return failure_;
  awaiting_decision_ = false;  // Calling next() after SendContinuation accepts the literal.
  for (;;) {
    const std::string_view available = std::string_view(input_).substr(input_pos_);
    if (state_ == State::kLiteral) {
      const auto take = static_cast<std::size_t>(
          std::min<std::uint64_t>(literal_left_, available.size()));
      if (is_streaming_ && take > 0) {
        const std::string_view chunk = available.substr(0, take);
        input_pos_ += take;
        literal_left_ -= take;
        StreamedLiteral& literal = streamed_.back();
        literal.has_nul = literal.has_nul || chunk.find('\0') != std::string_view::npos;
        if (literal_left_ == 0) end_literal();
        // Not compacted now: `chunk` points into input_ until the caller's next call.
        return LiteralChunk{streamed_.size() - 1, chunk};
      }
      if (!is_streaming_) {
        frame_.append(available.substr(0, take));
        input_pos_ += take;
        literal_left_ -= take;
      }
      if (literal_left_ > 0) {
        compact_input();
        return NeedMore{};
      }
      end_literal();
      continue;
    }

    const std::size_t lf = available.find('\n');
    if (lf == std::string_view::npos) {
      frame_.append(available);
      input_pos_ = input_.size();
      compact_input();
      // The line may end in the CR of its CRLF: allow for it until the LF comes.
      if (frame_.size() - line_start_ > limits_.max_line + 1) return fail(TooLarge::Reason::kLine);
      if (command_size() > limits_.max_command || frame_.size() > limits_.max_buffered) {
        return fail(TooLarge::Reason::kCommand);
      }
      return NeedMore{};
    }
    frame_.append(available.substr(0, lf + 1));
    input_pos_ += lf + 1;
    const std::size_t line_size = frame_.size() - line_start_;  // With its LF.
    if (line_size < 2 || frame_[frame_.size() - 2] != '\r') {
      // A bare LF is part of the line (RFC 9051 §2.2: lines end with CRLF).
      if (line_size > limits_.max_line + 1) return fail(TooLarge::Reason::kLine);
      continue;
    }
    const std::string_view line = std::string_view(frame_).substr(line_start_, line_size - 2);
    if (line.size() > limits_.max_line) return fail(TooLarge::Reason::kLine);
    if (command_size() > limits_.max_command || frame_.size() > limits_.max_buffered) {
      return fail(TooLarge::Reason::kCommand);
    }

    const auto header = literal_header(line);
    if (!header) {
      frame_.resize(frame_.size() - 2);
      Frame frame{std::move(frame_), std::move(streamed_)};
      reset_command();
      compact_input();
      return frame;
    }
    const bool fits = header->size <= limits_.max_literal &&
                      header->size <= limits_.max_command - command_size() &&
                      (would_stream(header->size) || frame_.size() + header->size <= limits_.max_buffered);
    if (header->is_synchronising) {
      if (!fits) {
        // RFC 9051 §7.5: refused before the client sends it; the command is dropped.
        LiteralRejected rejected{tag_of(frame_), header->size};
        reset_command();
        compact_input();
        return rejected;
      }
      start_literal(header->size);
      awaiting_decision_ = true;
      compact_input();
      return SendContinuation{tag_of(frame_), header->size, header->is_literal8};
    }
    // RFC 7888 §4: the octets follow without waiting, so an oversized one cannot be skipped
    // cheaply; the connection ends.
    if (!fits || header->size > limits_.max_nonsync_literal) {
      return fail(TooLarge::Reason::kLiteral);
    }
    start_literal(header->size);
  }
}

}  // namespace redoubt::imap::proto
