// fuzz-deps: redoubt_imap_proto
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "imap/proto/command_framer.h"
#include "imap/proto/command_parser.h"
#include "imap/proto/command_writer.h"

namespace {

using namespace redoubt::imap::proto;

// Any complete command must give a Command or a SyntaxError, and any Command must survive a
// round trip through the client writer: parse(to_wire(c)) == c, and the framer must see the
// written command as exactly one frame.
void check_command(std::string_view bytes) {
  auto command = parse_command(bytes);
  if (!command.has_value()) return;
  const std::string wire = to_wire(*command);
  auto again = parse_command(wire);
  if (!again.has_value() || *again != *command) std::abort();

  CommandFramer framer;
  framer.append(wire);
  framer.append("\r\n");
  FrameResult first = framer.next();
  const auto* frame = std::get_if<Frame>(&first);
  if (frame == nullptr || frame->bytes != wire) std::abort();
  if (!std::holds_alternative<NeedMore>(framer.next())) std::abort();
}

// Frames `input` delivered in the given chunks; returns one line per event. Literals of odd
// size are refused by the "session", even ones accepted.
std::vector<std::string> frame_events(const std::vector<std::string_view>& chunks) {
  FramerLimits limits;
  limits.max_line = 2048;
  limits.max_literal = 1 << 16;
  limits.max_nonsync_literal = 4096;
  limits.max_command = 1 << 17;
  CommandFramer framer(limits);
  std::vector<std::string> events;
  for (std::string_view chunk : chunks) {
    framer.append(chunk);
    for (;;) {
      FrameResult next = framer.next();
      if (std::holds_alternative<NeedMore>(next)) break;
      if (auto* frame = std::get_if<Frame>(&next)) {
        events.push_back("F" + frame->bytes);
      } else if (auto* cont = std::get_if<SendContinuation>(&next)) {
        events.push_back("C" + cont->tag + std::to_string(cont->literal_size));
        if (cont->literal_size % 2 == 1) framer.reject_literal();
      } else if (auto* rejected = std::get_if<LiteralRejected>(&next)) {
        events.push_back("R" + rejected->tag + std::to_string(rejected->literal_size));
      } else if (auto* too_large = std::get_if<TooLarge>(&next)) {
        events.push_back("T" + too_large->tag);
        return events;
      }
    }
  }
  return events;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  // The whole input as one frame: reaches the parser with bytes the framer would split.
  check_command(input);

  // The input as a stream: every frame parsed, and the same events however it is split.
  const std::vector<std::string> whole = frame_events({input});
  for (const std::string& event : whole) {
    if (event[0] == 'F') check_command(std::string_view(event).substr(1));
  }
  const std::size_t split = size == 0 ? 0 : (data[0] * 257u + data[size - 1]) % size;
  if (frame_events({input.substr(0, split), input.substr(split)}) != whole) std::abort();
  return 0;
}
