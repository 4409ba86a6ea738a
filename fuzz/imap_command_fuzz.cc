// fuzz-deps: redoubt_imap_proto
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "imap/proto/command_framer.h"
#include "imap/proto/command_parser.h"
#include "imap/proto/command_writer.h"

namespace {

using namespace redoubt::imap::proto;

constexpr std::uint64_t kNoStreaming = std::numeric_limits<std::uint64_t>::max();

// Any complete command must give a Command or a SyntaxError, and any Command must survive a
// round trip through the client writer: parse(to_wire(c)) == c, and the framer must see the
// written command as exactly one frame.
void check_command(std::string_view bytes) {
  auto command = parse_command(bytes);
  if (!command.has_value()) return;
  const std::string wire = to_wire(*command);
  auto again = parse_command(wire);
  if (!again.has_value() || *again != *command) std::abort();

  CommandFramer framer(FramerLimits{.max_buffered_append = kNoStreaming});
  framer.append(wire);
  framer.append("\r\n");
  FrameResult first = framer.next();
  const auto* frame = std::get_if<Frame>(&first);
  if (frame == nullptr || frame->bytes != wire) std::abort();
  if (!std::holds_alternative<NeedMore>(framer.next())) std::abort();
}

// `frame` with the octets of its streamed literals (`octets`, as the chunks brought them) put
// back where they were: what the framer yields when it streams nothing. Checks on the way that
// the chunks and the StreamedLiteral entries agree.
std::string with_octets(const Frame& frame, const std::vector<std::string>& octets) {
  const std::vector<StreamedLiteral>& streamed = frame.streamed_literals;
  if (streamed.size() != octets.size()) std::abort();
  std::string whole;
  std::size_t at = 0;
  for (std::size_t k = 0; k < streamed.size(); ++k) {
    const StreamedLiteral& literal = streamed[k];
    if (literal.offset < at || literal.offset > frame.bytes.size()) std::abort();
    if (literal.size != octets[k].size() || literal.size == 0) std::abort();
    if (literal.has_nul != (octets[k].find('\0') != std::string::npos)) std::abort();
    if (!std::string_view(frame.bytes).substr(0, literal.offset).ends_with("}\r\n")) std::abort();
    whole.append(frame.bytes, at, literal.offset - at);
    whole += octets[k];
    at = literal.offset;
  }
  whole.append(frame.bytes, at);
  return whole;
}

// A frame with streamed literals must parse as its buffered form does, once the parser's
// placeholders are filled with the octets; the one difference allowed is a streamed literal
// where no message may be (say, a long mailbox name), which only the streamed form refuses.
void check_streamed_frame(const Frame& frame, const std::vector<std::string>& octets,
                          std::string_view whole) {
  auto whole_command = parse_command(whole);
  auto command = parse_command(frame.bytes, ParseLimits{}, frame.streamed_literals);
  if (!command.has_value()) {
    if (whole_command.has_value() &&
        command.error().reason != "literal too long for this argument") {
      std::abort();
    }
    return;
  }
  auto* append = std::get_if<Append>(&command->args);
  if (append == nullptr || !whole_command.has_value()) std::abort();
  std::vector<bool> used(octets.size(), false);
  for (AppendMessage& message : append->messages) {
    const std::optional<std::size_t> k = std::exchange(message.streamed_literal, std::nullopt);
    if (!k) continue;
    if (*k >= octets.size() || used[*k] || !message.message.empty()) std::abort();
    used[*k] = true;
    message.message = octets[*k];
  }
  for (bool u : used) {
    if (!u) std::abort();
  }
  if (*command != *whole_command) std::abort();
}

// Frames `input` delivered in the given chunks; returns one line per event, the same however
// the input is split. Literals of odd size are refused by the "session", even ones accepted.
// Frames are given with their streamed octets put back, so that the events of a streaming
// framer are those of a buffering one, but for a last "P" event with the octets of literals
// still streaming when the input ends.
std::vector<std::string> frame_events(const std::vector<std::string_view>& chunks,
                                      std::uint64_t max_buffered_append) {
  FramerLimits limits;
  limits.max_line = 2048;
  limits.max_literal = 1 << 16;
  limits.max_nonsync_literal = 4096;
  limits.max_command = 1 << 17;
  limits.max_buffered_append = max_buffered_append;
  CommandFramer framer(limits);
  std::vector<std::string> events;
  std::vector<std::string> octets;  // Of the current command's streamed literals.
  for (std::string_view chunk : chunks) {
    framer.append(chunk);
    for (;;) {
      FrameResult next = framer.next();
      if (std::holds_alternative<NeedMore>(next)) break;
      if (auto* literal = std::get_if<LiteralChunk>(&next)) {
        if (literal->bytes.empty()) std::abort();
        if (literal->literal == octets.size()) octets.emplace_back();
        if (literal->literal + 1 != octets.size()) std::abort();
        octets.back() += literal->bytes;
      } else if (auto* frame = std::get_if<Frame>(&next)) {
        const std::string whole = with_octets(*frame, octets);
        if (!frame->streamed_literals.empty()) check_streamed_frame(*frame, octets, whole);
        events.push_back("F" + whole);
        octets.clear();
      } else if (auto* cont = std::get_if<SendContinuation>(&next)) {
        events.push_back("C" + cont->tag + std::to_string(cont->literal_size));
        if (cont->literal_size % 2 == 1) {
          framer.reject_literal();
          octets.clear();
        }
      } else if (auto* rejected = std::get_if<LiteralRejected>(&next)) {
        events.push_back("R" + rejected->tag + std::to_string(rejected->literal_size));
        octets.clear();
      } else if (auto* too_large = std::get_if<TooLarge>(&next)) {
        events.push_back("T" + too_large->tag);
        return events;
      }
    }
  }
  std::string pending;
  for (const std::string& literal : octets) pending += literal + "|";
  if (!pending.empty()) events.push_back("P" + pending);
  return events;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  // The whole input as one frame: reaches the parser with bytes the framer would split.
  check_command(input);

  // The input as a stream: every frame parsed, and the same events however it is split.
  const std::size_t split = size == 0 ? 0 : (data[0] * 257u + data[size - 1]) % size;
  const std::vector<std::string> whole = frame_events({input}, kNoStreaming);
  for (const std::string& event : whole) {
    if (event[0] == 'F') check_command(std::string_view(event).substr(1));
  }
  if (frame_events({input.substr(0, split), input.substr(split)}, kNoStreaming) != whole) {
    std::abort();
  }

  // Again with APPEND literals streamed past a tiny budget: the same events once the octets are
  // put back (frame_events checks each streamed frame against the parser), however it is split.
  std::vector<std::string> streamed = frame_events({input}, 64);
  if (frame_events({input.substr(0, split), input.substr(split)}, 64) != streamed) std::abort();
  if (!streamed.empty() && streamed.back()[0] == 'P') streamed.pop_back();
  if (streamed != whole) std::abort();
  return 0;
}
