#pragma once

// RFC 5322 §2.2 header fields over a byte span, zero-copy: every field is a view into the caller's
// buffer plus its offset, so IMAP can serve BODY[HEADER.FIELDS] and DKIM can hash fields by
// offset without re-parsing or copying.

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "mime/defect.h"
#include "mime/limits.h"

namespace redoubt::mime {

struct HeaderField {
  // The field name as written (case kept), without the obsolete WSP before the colon
  // (RFC 5322 §4.5.3).
  std::string_view name;
  // The raw field body: from just after the colon to just before the field's final line break.
  // Folding line breaks are kept; nothing is decoded. May be cut short (Defect::kHeaderTooLong).
  std::string_view value;
  // Offset of the field's first byte in the parsed buffer, and its size including the final line
  // break: data.substr(offset, size) is the field exactly as received.
  std::size_t offset = 0;
  std::size_t size = 0;
};

// Where a header block ended and what was wrong with it.
struct HeaderBlock {
  std::size_t size = 0;         // Bytes of the header, including the blank line if there is one.
  std::size_t field_count = 0;  // Fields appended to the output (at most Limits::max_headers).
  Defect defects = Defect::kNone;
};

// Callback that tells the header parser a line ends the part (a MIME boundary line). `line`
// excludes its line break.
struct StopLine {
  bool (*is_stop)(const void* context, std::string_view line) = nullptr;
  const void* context = nullptr;
};

// Parses the header fields of bytes[begin, end) and appends them to `fields` (a vector shared by
// all parts of a message, so a message costs one allocation for all its fields, not one per
// part). The header ends at the first empty line (consumed), at a line that is neither a field
// nor a folded continuation (not consumed: it starts the body, as Python's email and GMime do),
// at a line `stop` accepts (not consumed), or at `end`. Lines end with LF or CRLF.
// Time is linear in the bytes read. Never fails; see HeaderBlock::defects.
// REQUIRES: begin <= end <= bytes.size().
HeaderBlock parse_header_block(std::string_view bytes, std::size_t begin, std::size_t end,
                               const Limits& limits, std::vector<HeaderField>& fields,
                               StopLine stop = {});

// RFC 5322 §2.2: true if `name` is a valid field name (printable US-ASCII except ':').
bool is_field_name(std::string_view name);

// The first field called `name` (case-insensitive, RFC 5322 §1.2.2), or nullptr.
const HeaderField* find_field(std::span<const HeaderField> fields, std::string_view name);

// RFC 5322 §2.2.3 unfolding: removes each CRLF (or bare LF) that is followed by WSP, then trims
// leading and trailing WSP. Allocates only if the value is folded; otherwise returns `value`
// trimmed, in `scratch`'s absence. The result views either `value` or `scratch`.
std::string_view unfold(std::string_view value, std::string& scratch);
std::string unfold(std::string_view value);

}  // namespace redoubt::mime
