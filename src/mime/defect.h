#pragma once

// What was wrong with a message. Parsing never fails: it always yields a structure (best effort,
// as Dovecot's lib-mail does) and records here what it had to guess or drop, so callers can log
// it or refuse the message by policy.

#include <cstdint>

namespace redoubt::mime {

enum class Defect : std::uint32_t {
  kNone = 0,
  kHeaderTooLong = 1u << 0,         // A field exceeded Limits::max_header_line and was cut.
  kTooManyHeaders = 1u << 1,        // Fields past Limits::max_headers were not indexed.
  kInvalidHeaderLine = 1u << 2,     // A line that is no field ended the header early.
  kContinuationFirst = 1u << 3,     // The header began with a folded (indented) line.
  kMissingBlankLine = 1u << 4,      // The header ran to the end of its part without a blank line.
  kTooDeep = 1u << 5,               // Limits::max_depth reached; a container was kept opaque.
  kTooManyParts = 1u << 6,          // Limits::max_parts reached; a container was kept opaque.
  kMissingBoundary = 1u << 7,       // multipart/* without a boundary parameter.
  kNoParts = 1u << 8,               // multipart/* whose body holds no delimiter line.
  kMissingCloseDelimiter = 1u << 9, // multipart/* ended without its "--boundary--" line.
  kInvalidContentType = 1u << 10,   // Content-Type unparseable; text/plain assumed (RFC 2045 §5.2).
  kEncodedMessage = 1u << 11,       // message/rfc822 with base64/QP: kept opaque (RFC 2046 §5.2.1).
  kNulByte = 1u << 12,              // A NUL byte in the header (RFC 5322 §3.5 forbids it).
};

constexpr Defect operator|(Defect a, Defect b) {
  return Defect(std::uint32_t(a) | std::uint32_t(b));
}
constexpr Defect& operator|=(Defect& a, Defect b) { return a = a | b; }
constexpr bool has(Defect set, Defect bit) { return (std::uint32_t(set) & std::uint32_t(bit)) != 0; }

}  // namespace redoubt::mime
