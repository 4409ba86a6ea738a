#pragma once

// CommandFramer finds where each client command ends in the byte stream: at the CRLF that is not
// followed by literal data (RFC 9051 §2.2.1, §4.3). It does no I/O and no parsing beyond that;
// parse_command() (command_parser.h) reads the frames it yields.
//
// Message literals of APPEND are the one thing a client sends that is both large and legitimate
// (up to the APPENDLIMIT, per message). Buffering them would let every session pin that much
// memory, so the framer can stream them instead: their octets are handed to the session as they
// arrive (LiteralChunk), which writes them to the blob store, and the frame keeps only a marker
// (StreamedLiteral). Every other literal is small and buffered in the frame.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace redoubt::imap::proto {

// Bounds on what one command may hold. Checked before any byte is buffered past them.
struct FramerLimits {
  // Longest line of a command in octets, CRLF and literal data excluded. A command with
  // literals has one line before each literal and one after the last.
  std::size_t max_line = 64 * 1024;
  // Largest literal. The session lowers it to its APPENDLIMIT (RFC 7889) so that a synchronising
  // literal over it is refused before the client sends it.
  std::uint64_t max_literal = 64 * 1024 * 1024;
  // Largest non-synchronising literal "{n+}" (RFC 7888). The session sets 4096 when it
  // advertises LITERAL- instead of LITERAL+ (RFC 7888 §5). Never more than max_literal applies.
  std::uint64_t max_nonsync_literal = 64 * 1024 * 1024;
  // Largest whole command, lines and literals together, streamed literals included (MULTIAPPEND
  // can carry several literals).
  std::uint64_t max_command = 96 * 1024 * 1024;
  // Most octets an APPEND command (RFC 9051 §6.3.12, RFC 3502 MULTIAPPEND) keeps in memory, lines
  // and literals together. A literal of APPEND that would take the command past this is streamed:
  // its octets come out of next() as LiteralChunk events instead of going into the frame, so a
  // session never holds more than this of its messages, whatever their size. The session turns
  // it off (the maximum) before login, when it would rather not write anything to disk.
  std::uint64_t max_buffered_append = 64 * 1024;
  // Most octets of any command kept in memory: its lines and the literals not streamed. Only
  // APPEND messages may be larger (they stream), so a SEARCH or CREATE with a huge literal is
  // refused like a literal over max_literal, and a command piling up lines past it ends the
  // connection (TooLarge::Reason::kCommand): memory per session stays bounded by this.
  std::uint64_t max_buffered = 1024 * 1024;
};

// A literal whose octets the framer streamed (LiteralChunk) instead of putting them in the frame.
// The frame keeps the literal's header as sent ("{n}", "~{n+}", ...) followed directly by what
// came after the octets.
struct StreamedLiteral {
  std::size_t offset = 0;  // In Frame::bytes: where the octets would be, just after the header.
  std::uint64_t size = 0;  // As the header announced; every octet was delivered.
  bool has_nul = false;    // A NUL octet was among them (only a literal8 may carry one).

  bool operator==(const StreamedLiteral&) const = default;
};

// One complete command: its lines and literals as sent, with the final CRLF removed, except for
// the octets of streamed literals, which `streamed_literals` lists by ascending offset.
struct Frame {
  std::string bytes;
  std::vector<StreamedLiteral> streamed_literals;
};

// The next octets of a streamed literal of the command being framed (see
// FramerLimits::max_buffered_append): the `literal`-th streamed literal of the command (from 0,
// as in Frame::streamed_literals). Chunks of one literal come in order, each non-empty, and add up
// to its size; how the octets are cut into chunks depends on how the input arrived. The command's
// Frame, with the literal's StreamedLiteral, follows once its last line is in. If the command is
// dropped instead (LiteralRejected, reject_literal(), TooLarge), no Frame will name these octets:
// the session discards them.
struct LiteralChunk {
  std::size_t literal = 0;
  // Points into the framer's buffer: valid until the next call to append() or next().
  std::string_view bytes;
};

// More input is needed; call append() and next() again.
struct NeedMore {};

// The command announced a synchronising literal "{n}" or "~{n}" (RFC 9051 §7.5): the client
// waits for "+" before it sends the octets. The session either writes "+ Ready" and calls next()
// again (which accepts the literal), or refuses it (e.g. over its APPENDLIMIT) by calling
// reject_literal() and answering "<tag> NO [TOOBIG] ..." or "<tag> BAD ...".
struct SendContinuation {
  std::string tag;  // The command's tag, or empty if the line does not start with one.
  std::uint64_t literal_size = 0;
  bool is_literal8 = false;  // "~{n}" (RFC 3516 §4.4)
};

// A synchronising literal over FramerLimits::max_literal or max_command. The framer has dropped
// the command already (the client will not send the literal, RFC 9051 §7.5); the session
// answers "<tag> NO [TOOBIG] ..." (RFC 9051 §7.1) and goes on reading commands.
struct LiteralRejected {
  std::string tag;  // May be empty, as in SendContinuation.
  std::uint64_t literal_size = 0;
};

// The command exceeded a limit in a way the framer cannot recover from without reading the
// excess: a line too long, or a non-synchronising literal too large (the client sends its octets
// without waiting). The session answers "* BYE [TOOBIG] ..." and closes (RFC 7888 §4). Every
// later next() returns this again.
struct TooLarge {
  enum class Reason { kLine, kLiteral, kCommand };
  std::string tag;  // May be empty.
  Reason reason = Reason::kLine;
};

using FrameResult =
    std::variant<NeedMore, Frame, LiteralChunk, SendContinuation, LiteralRejected, TooLarge>;

// Splits a client's byte stream into commands. Lines end with CRLF only; a bare LF is an octet of
// the line (parse_command() then refuses it). A line that ends with a literal header "{n}",
// "{n+}", "~{n}" or "~{n+}" (RFC 9051 §4.3, RFC 7888, RFC 3516) continues after n octets.
// Frames are the same whatever way the stream is split into append() calls.
//
// Not thread-safe: one framer per connection, used by the session's coroutine only.
class CommandFramer {
 public:
  explicit CommandFramer(FramerLimits limits = {});

  // Adds bytes read from the client. Copies them; `bytes` need not outlive the call.
  void append(std::string_view bytes);

  // The next event: a Frame, octets of a streamed literal, a continuation request, a rejection,
  // a fatal TooLarge, or NeedMore once the buffered bytes are used up. Call it until it returns
  // NeedMore.
  FrameResult next();

  // Refuses the literal announced by the last SendContinuation: drops the command, so the next
  // bytes are read as a new command (the client abandons the command on a tagged NO or BAD,
  // RFC 9051 §7.5). The command's streamed literals so far belong to no frame.
  // REQUIRES: the last next() returned SendContinuation.
  void reject_literal();

  // Replaces the limits; they apply from the next line or literal header read. Used after
  // login, when the session knows the user's APPENDLIMIT.
  void set_limits(const FramerLimits& limits) { limits_ = limits; }
  const FramerLimits& limits() const { return limits_; }

  // Octets received but not yet part of a returned frame or chunk (for tests and diagnostics).
  std::size_t buffered_bytes() const { return input_.size() - input_pos_ + frame_.size(); }

 private:
  enum class State { kLine, kLiteral, kFailed };

  FrameResult fail(TooLarge::Reason reason);
  void reset_command();
  // Enters the octets of a literal of `size` announced at the end of frame_, choosing whether
  // they are streamed.
  void start_literal(std::uint64_t size);
  void end_literal();
  void compact_input();
  // The command so far, streamed octets included: what max_command bounds.
  std::uint64_t command_size() const { return frame_.size() + streamed_size_; }
  // Whether a literal of `size` octets starting now would be streamed (max_buffered_append).
  bool would_stream(std::uint64_t size) const;

  FramerLimits limits_;
  State state_ = State::kLine;
  std::string input_;           // Received octets; those before input_pos_ are consumed.
  std::size_t input_pos_ = 0;
  std::string frame_;           // The command assembled so far.
  std::size_t line_start_ = 0;  // Offset in frame_ of the current line.
  std::uint64_t literal_left_ = 0;
  bool is_streaming_ = false;       // The literal being read is streamed_.back().
  std::vector<StreamedLiteral> streamed_;  // The command's streamed literals so far.
  std::uint64_t streamed_size_ = 0;        // Their octets, announced.
  bool awaiting_decision_ = false;  // The last next() returned SendContinuation.
  TooLarge failure_;
};

}  // namespace redoubt::imap::proto
