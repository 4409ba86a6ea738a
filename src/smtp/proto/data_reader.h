#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace redoubt::smtp::proto {

// Why message content was refused. reply_for() in reply.h maps each to its reply.
enum class DataError {
  kBareLf,       // An LF not preceded by CR (RFC 5321 §2.3.8).
  kBareCr,       // A CR not followed by LF (RFC 5321 §2.3.8).
  kLineTooLong,  // A line longer than DataLimits::max_line_octets.
  kTooBig,       // More content than DataLimits::max_message_bytes.
};

// Limits on one message's content.
struct DataLimits {
  // Most content octets: CRLFs included, leading dots removed by unstuffing not counted, as
  // RFC 1870 §3 counts a message's size.
  std::uint64_t max_message_bytes = 64 * 1024 * 1024;
  // Longest line, CRLF and any stuffing dot not counted (RFC 5322 §2.1.1: 998; RFC 5321
  // §4.5.3.1.6: 1000 with the CRLF).
  std::size_t max_line_octets = 998;
};

// The DATA body reader (RFC 5321 §4.1.1.4): undoes dot-stuffing and finds the end of the data.
//
// Feed it the bytes that follow the 354 reply, in any pieces; the result never depends on how the
// input is split. The end of data is recognised only as CRLF "." CRLF, where the first CRLF ends
// the previous line (or is implied at the very start). Bare CR and bare LF never end a line, so
// "\n.\n", "\r.\r", "\n.\r\n", "\r\n.\n" and the like can neither end the data nor smuggle a
// second message past another MTA (the "SMTP smuggling" attacks); they are recorded as errors.
//
// After the first error (which wins), reading goes on to the end marker so the session stays in
// step with the client, but nothing more is appended to the output; the session then discards the
// message and replies with reply_for(*error()).
//
// Linear in its input; it allocates only by appending to the caller's string. Not thread-safe:
// one reader per message, used by one session.
class DataReader {
 public:
  enum class Status {
    kNeedMore,  // All input consumed; the end marker has not been seen yet.
    kDone,      // The end marker was consumed; check error() before accepting the message.
  };

  struct Progress {
    std::size_t consumed = 0;  // Octets of `in` used. Less than in.size() only with kDone.
    Status status = Status::kNeedMore;
    bool operator==(const Progress&) const = default;
  };

  // A reader for one message's data, starting right after the 354 reply.
  explicit DataReader(DataLimits limits);

  // Consumes bytes from `in` and appends the unstuffed content, CRLFs kept, to `out` (RFC 5321
  // §4.5.2: a leading "." of a line is removed). The message's final CRLF belongs to the content;
  // the terminating "." CRLF does not. Stops right after the end marker, so bytes after it (such
  // as pipelined commands) are left unconsumed. After kDone, further calls consume nothing.
  Progress feed(std::string_view in, std::string& out);

  // The first error recorded, if any. Once set, `out` holds the content before the offending octet
  // (for kLineTooLong and kTooBig: up to the limit), whatever the split of the input.
  std::optional<DataError> error() const { return error_; }

 private:
  friend class ChunkChecker;

  enum class State {
    kLineStart,  // At the start of a line (also the start of the data).
    kDot,        // Read "." at the start of a line.
    kDotCr,      // Read "." CR at the start of a line.
    kText,       // Inside a line.
    kCr,         // Read CR inside a line.
    kDone,       // Read the end marker.
  };

  DataReader(DataLimits limits, bool is_dot_stuffed);

  // The state machine behind feed() and ChunkChecker. Returns octets consumed. Appends content to
  // `*out` unless `out` is null.
  std::size_t scan(std::string_view in, std::string* out);
  void append(std::string_view text, std::string* out);
  void end_line(std::string* out);
  void fail(DataError error);

  DataLimits limits_;
  bool is_dot_stuffed_;
  State state_ = State::kLineStart;
  std::size_t line_octets_ = 0;
  std::uint64_t message_bytes_ = 0;
  std::optional<DataError> error_;
};

// Checks the content of BDAT chunks (RFC 3030 §2) for bare CR, bare LF, long lines and size.
//
// Chunks carry the message as is: no dot-stuffing and no end marker, so there is nothing to copy
// or unstuff; this only checks, across chunk boundaries (a CRLF may be split between two chunks).
// For BODY=BINARYMIME (RFC 3030 §3) content, lines do not apply: do not use it; only the size
// limit does. Not thread-safe.
class ChunkChecker {
 public:
  // A checker for one message's chunks, starting with its first BDAT.
  explicit ChunkChecker(DataLimits limits);

  // Checks the next chunk's octets. After an error, further chunks are ignored.
  void feed(std::string_view chunk);

  // Call after the chunk marked LAST: a CR ending the message is then known to be bare. A last
  // line without CRLF is not an error here; the session may add the CRLF.
  void finish();

  // The first error recorded, if any.
  std::optional<DataError> error() const { return scanner_.error(); }

 private:
  DataReader scanner_;
};

}  // namespace redoubt::smtp::proto
