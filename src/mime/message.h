#pragma once

// The MIME structure of a message (RFC 5322 + RFC 2045-2049), as byte offsets into the caller's
// buffer.
//
// Why our own parser rather than GMime (or mimetic, or vmime): IMAP serves BODY[1.2.MIME],
// BODY[2.HEADER] and partial fetches straight from the stored blob by offset, and caches
// BODYSTRUCTURE and ENVELOPE at delivery. That needs, for every part, the exact offset and size of
// its header and body in the original bytes, and it must not copy the message: GMime builds a
// tree of GObjects with decoded, copied header values and re-serializes on write, so offsets
// would have to be recovered by a second pass. Here a parsed message is one vector of parts and
// one vector of header fields, both views into the caller's buffer; decoding (transfer encodings,
// charsets, RFC 2047) happens only when a caller asks for it.
//
// Parsing never fails and never recurses without bound: any byte string yields a tree (best
// effort, as Dovecot's lib-mail does), with what was wrong recorded as Defects. Time is
// O(size x active nesting depth) for boundary checks, hence linear for a fixed Limits.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "mime/content_type.h"
#include "mime/defect.h"
#include "mime/header.h"
#include "mime/limits.h"

namespace redoubt::mime {

inline constexpr std::uint32_t kNoPart = 0xffffffffu;
inline constexpr std::uint32_t kNoField = 0xffffffffu;

enum class PartKind : std::uint8_t {
  kLeaf,       // a body to decode (or an opaque container, see Part::defects)
  kMultipart,  // multipart/*: children are the body parts (RFC 2046 §5.1)
  kMessage,    // message/rfc822 or message/global: one child, the encapsulated message
};

struct Part {
  // Tree, as indices into Message::parts(). Parts are stored in pre-order (document order).
  std::uint32_t parent = kNoPart;
  std::uint32_t first_child = kNoPart;
  std::uint32_t next_sibling = kNoPart;
  std::uint32_t child_count = 0;
  std::uint32_t depth = 0;  // 0 for the root
  PartKind kind = PartKind::kLeaf;

  // Byte ranges in Message::data(). The header includes its blank line; the body excludes the
  // line break before the next boundary line, which belongs to the boundary (RFC 2046 §5.1.1).
  std::size_t offset = 0;
  std::size_t header_size = 0;
  std::size_t body_offset = 0;
  std::size_t body_size = 0;
  // Lines of body text (IMAP body-fld-lines, RFC 9051 §7.5.2): line breaks in the body, plus one
  // if the body is not empty and does not end with a line break.
  std::size_t body_lines = 0;
  // multipart/* only: the preamble is [body_offset, body_offset + preamble_size); the epilogue is
  // [epilogue_offset, epilogue_offset + epilogue_size) (RFC 2046 §5.1.1). Sizes are 0 if absent.
  std::size_t preamble_size = 0;
  std::size_t epilogue_offset = 0;
  std::size_t epilogue_size = 0;

  // This part's header fields: Message::headers(part).
  std::uint32_t first_field = 0;
  std::uint32_t field_count = 0;

  // The effective media type, case as written: from Content-Type, or the default when it is
  // absent or invalid: text/plain (RFC 2045 §5.2), message/rfc822 inside multipart/digest
  // (RFC 2046 §5.1.5). Views into Message::data() or static storage.
  std::string_view type;
  std::string_view subtype;
  // The boundary of a multipart (RFC 2046 §5.1.1), unquoted; empty if absent.
  std::string_view boundary;
  TransferEncoding encoding = TransferEncoding::k7bit;

  // Indices into Message::headers(part) of the MIME fields (first occurrence), or kNoField.
  std::uint32_t content_type_field = kNoField;
  std::uint32_t transfer_encoding_field = kNoField;
  std::uint32_t disposition_field = kNoField;
  std::uint32_t id_field = kNoField;
  std::uint32_t description_field = kNoField;
  std::uint32_t language_field = kNoField;
  std::uint32_t location_field = kNoField;
  std::uint32_t md5_field = kNoField;

  Defect defects = Defect::kNone;
};

class Message {
 public:
  // The parsed bytes. The Message holds views into them: the buffer must outlive it.
  std::string_view data() const { return data_; }
  // All parts, root first, in document order. Never empty.
  std::span<const Part> parts() const { return parts_; }
  const Part& root() const { return parts_.front(); }
  const Part& part(std::uint32_t index) const { return parts_[index]; }
  std::uint32_t index_of(const Part& p) const { return std::uint32_t(&p - parts_.data()); }

  std::span<const HeaderField> headers(const Part& p) const {
    return std::span<const HeaderField>(fields_).subspan(p.first_field, p.field_count);
  }
  // The first field of `p` named `name` (case-insensitive), or nullptr.
  const HeaderField* find(const Part& p, std::string_view name) const {
    return find_field(headers(p), name);
  }
  // One of the Part::*_field indices, or nullptr if it is kNoField.
  const HeaderField* field(const Part& p, std::uint32_t index) const {
    return index == kNoField ? nullptr : &fields_[p.first_field + index];
  }
  std::string_view header_bytes(const Part& p) const {
    return data_.substr(p.offset, p.header_size);
  }
  std::string_view body_bytes(const Part& p) const {
    return data_.substr(p.body_offset, p.body_size);
  }
  // For PartKind::kMessage, the encapsulated message's root; otherwise nullptr.
  const Part* encapsulated(const Part& p) const {
    return p.kind == PartKind::kMessage && p.first_child != kNoPart ? &parts_[p.first_child]
                                                                     : nullptr;
  }
  // Union of all parts' defects.
  Defect defects() const { return defects_; }

 private:
  friend class Parser;
  std::string_view data_;
  std::vector<Part> parts_;
  std::vector<HeaderField> fields_;
  // Boundaries that needed unquoting; unique_ptr keeps their address stable.
  std::vector<std::unique_ptr<std::string>> owned_;
  Defect defects_ = Defect::kNone;
};

// Parses `data` as an RFC 5322 message with MIME structure. Keeps views into `data`, which must
// outlive the result. Never fails. Allocations: a few vectors per message and one string per
// multipart boundary that needs unquoting; none per header byte or per line.
Message parse_message(std::string_view data, const Limits& limits = {});

// The part an IMAP section number names (RFC 9051 §6.4.5 "1.2.3"; "" is the whole message), or
// kNoPart if there is none. For a message/rfc822 part, "n.1" is the encapsulated message's body
// when it is not multipart, and "n.m" its m-th part when it is.
std::uint32_t find_section(const Message& message, std::string_view section);

// Helpers on a part's effective media type (case-insensitive).
bool is_type(const Part& p, std::string_view type, std::string_view subtype = {});

}  // namespace redoubt::mime
