#include "imap/server/fetch_response.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "base/ascii.h"
#include "base/check.h"
#include "imap/proto/date_time.h"
#include "imap/server/flags.h"
#include "imap/server/summary.h"
#include "mime/body_structure.h"
#include "mime/body_text.h"
#include "mime/envelope.h"

namespace redoubt::imap::server {
namespace {

using proto::FetchItem;
using proto::Partial;
using proto::Section;
using Kind = FetchItem::Kind;

// Items whose value the store row holds (RFC 9051 §6.4.5); everything else reads the content.
bool is_metadata(Kind kind) {
  return kind == Kind::kFlags || kind == Kind::kUid || kind == Kind::kInternalDate ||
         kind == Kind::kRfc822Size || kind == Kind::kModSeq;
}

// Items a saved summary answers (summary.h).
bool is_summary(Kind kind) {
  return kind == Kind::kEnvelope || kind == Kind::kBody || kind == Kind::kBodyStructure;
}

// Items whose response carries a section; they may repeat with different sections.
bool has_section(Kind kind) {
  return kind == Kind::kBodySection || kind == Kind::kBinary || kind == Kind::kBinarySize;
}

// RFC 9051 §6.4.5 partial: the octets from `offset`, at most `count` of them; empty when the
// offset is at or past the end. Free of overflow for any offset and count.
std::string_view slice(std::string_view data, const std::optional<Partial>& partial) {
  if (!partial) return data;
  if (partial->offset >= data.size()) return {};
  const auto start = static_cast<std::size_t>(partial->offset);
  const std::uint64_t available = data.size() - start;
  return data.substr(start, static_cast<std::size_t>(std::min(partial->count, available)));
}

// Body data: always a literal, a literal8 when it holds NUL (see fetch_response.h). Large data
// inside the message's buffer is borrowed, not copied.
void append_body_data(FetchOutput& out, std::string_view data, std::string_view buffer) {
  const bool inside = !data.empty() && data.data() >= buffer.data() &&
                      data.data() + data.size() <= buffer.data() + buffer.size();
  if (out.borrow_from == 0 || data.size() < out.borrow_from || !inside) {
    proto::append_binary(out.text, data);
    return;
  }
  const bool has_nul = data.find('\0') != std::string_view::npos;
  out.text += has_nul ? "~{" : "{";
  out.text += std::to_string(data.size());
  out.text += "}\r\n";
  out.borrowed.push_back(FetchOutput::Borrowed{out.text.size(), data});
}

// Decoded body data (a slice of `scratch`): a large one is moved into the output and borrowed
// from there, so it is held once rather than copied into the text.
void append_decoded_data(FetchOutput& out, std::string_view data, std::string& scratch) {
  if (out.borrow_from == 0 || data.size() < out.borrow_from) {
    proto::append_binary(out.text, data);
    return;
  }
  const auto offset = static_cast<std::size_t>(data.data() - scratch.data());
  const std::string& kept = out.owned.emplace_back(std::move(scratch));
  append_body_data(out, std::string_view(kept).substr(offset, data.size()), kept);
}

void append_part_numbers(std::string& out, std::span<const std::uint32_t> part) {
  for (std::size_t i = 0; i < part.size(); ++i) {
    if (i > 0) out.push_back('.');
    out += std::to_string(part[i]);
  }
}

// RFC 9051 §9 section, echoing the request: "[1.2.HEADER.FIELDS (From To)]".
void append_section(std::string& out, const Section& section, const FetchOptions& options) {
  out.push_back('[');
  append_part_numbers(out, section.part);
  if (section.text != Section::Text::kNone && !section.part.empty()) out.push_back('.');
  switch (section.text) {
    case Section::Text::kNone:
      break;
    case Section::Text::kHeader:
      out += "HEADER";
      break;
    case Section::Text::kHeaderFields:
    case Section::Text::kHeaderFieldsNot:
      out += section.text == Section::Text::kHeaderFields ? "HEADER.FIELDS ("
                                                          : "HEADER.FIELDS.NOT (";
      for (std::size_t i = 0; i < section.fields.size(); ++i) {
        if (i > 0) out.push_back(' ');
        proto::append_astring(out, section.fields[i], options.strings);
      }
      out.push_back(')');
      break;
    case Section::Text::kText:
      out += "TEXT";
      break;
    case Section::Text::kMime:
      out += "MIME";
      break;
  }
  out.push_back(']');
}

// The response item name of a BODY[...], BINARY[...] or BINARY.SIZE[...] item (RFC 9051 §7.5.2,
// RFC 3516 §4.2): "BODY[1.HEADER]<0>". BODY.PEEK and BINARY.PEEK answer as BODY and BINARY.
std::string section_item_name(const FetchItem& item, const FetchOptions& options) {
  std::string name;
  if (item.kind == Kind::kBodySection) {
    name = "BODY";
    append_section(name, item.section, options);
  } else {
    name = item.kind == Kind::kBinarySize ? "BINARY.SIZE[" : "BINARY[";
    append_part_numbers(name, item.section.part);
    name.push_back(']');
  }
  if (item.partial && item.kind != Kind::kBinarySize) {
    // RFC 9051 §7.5.2 "BODY[<section>]<<origin octet>>"; RFC 3516 §4.2 likewise for BINARY.
    name.push_back('<');
    name += std::to_string(item.partial->offset);
    name.push_back('>');
  }
  return name;
}

// The part a section-part names ("" is the whole message), or nullptr if there is none.
const mime::Part* find_part(const mime::Message& message, std::span<const std::uint32_t> part) {
  if (part.empty()) return &message.root();
  // A number of 10 digits or more (up to 2^32-1) names no part: find_section refuses it.
  std::string text;
  append_part_numbers(text, part);
  const std::uint32_t index = mime::find_section(message, text);
  return index == mime::kNoPart ? nullptr : &message.part(index);
}

// RFC 9051 §6.4.5 HEADER.FIELDS / HEADER.FIELDS.NOT: the fields of `part` whose name is (not)
// in `names`, as received and in message order, then the blank line. The names are lowered and
// sorted once, so the work stays O((fields + names) log names) however long the list is.
std::string header_fields(const mime::Message& message, const mime::Part& part,
                          std::span<const std::string> names, bool exclude) {
  std::vector<std::string> wanted;
  wanted.reserve(names.size());
  for (const std::string& name : names) wanted.push_back(ascii::lower(name));
  std::sort(wanted.begin(), wanted.end());
  std::string out;
  std::string lowered;
  const std::string_view data = message.data();
  for (const mime::HeaderField& field : message.headers(part)) {
    lowered.assign(field.name);
    for (char& c : lowered) c = ascii::to_lower(c);
    const bool listed = std::binary_search(wanted.begin(), wanted.end(), lowered);
    if (listed == exclude) continue;
    std::string_view bytes = data.substr(field.offset, field.size);
    out.append(bytes);
    // The last field of a header cut by the end of the data has no line break of its own.
    if (bytes.empty() || bytes.back() != '\n') out += "\r\n";
  }
  out += "\r\n";
  return out;
}

// The content BODY[section] names; nullopt if the section does not exist. The result views
// the message's buffer or `scratch`.
std::optional<std::string_view> section_content(const mime::Message& message,
                                                const Section& section, std::string& scratch) {
  const mime::Part* part = find_part(message, section.part);
  if (part == nullptr) return std::nullopt;
  switch (section.text) {
    case Section::Text::kNone:
      return section.part.empty() ? message.data() : message.body_bytes(*part);
    case Section::Text::kMime:
      // RFC 9051 §6.4.5: the MIME header of the part. The grammar requires a part number; the
      // whole message's is its header.
      return message.header_bytes(*part);
    case Section::Text::kHeader:
    case Section::Text::kHeaderFields:
    case Section::Text::kHeaderFieldsNot:
    case Section::Text::kText:
      break;
  }
  // RFC 9051 §6.4.5: after a part number, HEADER and TEXT refer to an encapsulated message, so
  // the part must be a message/rfc822 (or message/global).
  const mime::Part* target = section.part.empty() ? part : message.encapsulated(*part);
  if (target == nullptr) return std::nullopt;
  switch (section.text) {
    case Section::Text::kHeader:
      return message.header_bytes(*target);
    case Section::Text::kText:
      return message.body_bytes(*target);
    default:
      scratch = header_fields(message, *target, section.fields,
                              section.text == Section::Text::kHeaderFieldsNot);
      return std::string_view(scratch);
  }
}

// What BINARY[part] returns.
struct BinaryContent {
  bool unknown_encoding = false;  // RFC 3516 §4.1: NO [UNKNOWN-CTE]
  std::string_view data;          // Empty when the part does not exist.
  bool decoded = false;           // `data` views `scratch`, not the message's buffer.
};

// RFC 3516 §4.2 BINARY[part]: the content with its Content-Transfer-Encoding undone. `data`
// views the message's buffer or `scratch`.
BinaryContent binary_content(const mime::Message& message, std::span<const std::uint32_t> numbers,
                             std::string& scratch) {
  if (numbers.empty()) return {false, message.data()};  // The whole message, as stored.
  const mime::Part* part = find_part(message, numbers);
  if (part == nullptr) return {};
  // A multipart or an encapsulated message is 7bit, 8bit or binary (RFC 2046 §5.1.1, §5.2.1):
  // its body is already in its own domain.
  if (part->kind != mime::PartKind::kLeaf) return {false, message.body_bytes(*part)};
  switch (part->encoding) {
    case mime::TransferEncoding::kOther:
      return {true, {}};
    case mime::TransferEncoding::kBase64:
    case mime::TransferEncoding::kQuotedPrintable:
      scratch = mime::decode_body(message, *part);
      return {false, scratch, true};
    default:
      return {false, message.body_bytes(*part)};
  }
}

// RFC 9051 §2.3.3 INTERNALDATE as a date-time, with the instant and zone clamped so that the
// year stays within 0000..9999 (date_time_from_unix's precondition).
std::string internal_date(std::int64_t unix_seconds, int zone_minutes) {
  constexpr std::int64_t kFirst = -62167219200;  // 0000-01-01T00:00:00Z
  constexpr std::int64_t kLast = 253402300799;   // 9999-12-31T23:59:59Z
  const int zone = std::clamp(zone_minutes, -1439, 1439);
  const std::int64_t shift = std::int64_t{zone} * 60;
  const std::int64_t t = std::clamp(unix_seconds, kFirst - shift, kLast - shift);
  return proto::format_date_time(proto::date_time_from_unix(static_cast<std::time_t>(t), zone));
}

}  // namespace

std::size_t FetchOutput::held() const {
  std::size_t total = text.size();
  for (const std::string& buffer : owned) total += buffer.size();
  return total;
}

FetchNeeds fetch_needs(std::span<const FetchItem> items) {
  FetchNeeds needs = FetchNeeds::kRow;
  for (const FetchItem& item : items) {
    if (is_metadata(item.kind)) continue;
    if (!is_summary(item.kind)) return FetchNeeds::kContent;
    needs = FetchNeeds::kSummary;
  }
  return needs;
}

bool sets_seen(std::span<const FetchItem> items) {
  return std::any_of(items.begin(), items.end(), [](const FetchItem& item) {
    switch (item.kind) {
      case Kind::kRfc822:
      case Kind::kRfc822Text:
        return true;
      case Kind::kBodySection:
      case Kind::kBinary:
        return !item.peek;
      default:
        return false;
    }
  });
}

bool append_fetch_response(FetchOutput& output, std::uint32_t seq, const store::MessageInfo& info,
                           const FetchSource& source, std::span<const FetchItem> items,
                           bool flags_changed, const FetchOptions& options) {
  const mime::Message* message = source.message;
  const store::MessageSummary* summary =
      source.summary != nullptr && source.summary->version == kSummaryVersion ? source.summary : nullptr;
  const FetchNeeds needs = fetch_needs(items);
  REDOUBT_CHECK(message != nullptr || needs == FetchNeeds::kRow ||
                (needs == FetchNeeds::kSummary && summary != nullptr));
  std::string& out = output.text;
  const std::size_t start = out.size();
  const std::size_t borrowed_before = output.borrowed.size();
  const std::size_t owned_before = output.owned.size();
  const std::string_view buffer = message != nullptr ? message->data() : std::string_view();
  out += "* ";
  out += std::to_string(seq);
  out += " FETCH (";

  bool first = true;
  std::uint32_t written = 0;  // Kinds without a section already written, one bit per Kind.
  // Starts the next item, once per kind for kinds without a section.
  auto begin_item = [&](Kind kind) {
    const std::uint32_t bit = 1u << static_cast<unsigned>(kind);
    if (!has_section(kind)) {
      if ((written & bit) != 0) return false;
      written |= bit;
    }
    if (!first) out.push_back(' ');
    first = false;
    return true;
  };
  auto append_flags = [&] {
    out += "FLAGS ";
    proto::append_flag_list(out, flag_names(info.flags, info.keywords));
  };
  auto append_modseq = [&] {
    out += "MODSEQ (";  // RFC 7162 §3.1.4.1 fetch-mod-resp
    out += std::to_string(static_cast<std::uint64_t>(info.modseq));
    out.push_back(')');
  };

  const bool wants_uid = options.include_uid ||
                         std::any_of(items.begin(), items.end(),
                                     [](const FetchItem& item) { return item.kind == Kind::kUid; });
  if (wants_uid && begin_item(Kind::kUid)) {
    out += "UID ";
    out += std::to_string(static_cast<std::uint32_t>(info.uid));
  }

  std::string scratch;
  // Response names of the section items written so far: a repeated item, or BODY.PEEK[x] after
  // BODY[x], is written once. Linear in the size of `items`, however many there are.
  std::unordered_set<std::string> section_names;
  for (const FetchItem& item : items) {
    if (has_section(item.kind)) {
      std::string name = section_item_name(item, options);
      if (!section_names.insert(name).second) continue;
      begin_item(item.kind);
      out += name;
      out.push_back(' ');
    } else if (!begin_item(item.kind)) {
      continue;
    }
    switch (item.kind) {
      case Kind::kFlags:
        append_flags();
        break;
      case Kind::kUid:
        break;  // Written first, above; begin_item refused it here.
      case Kind::kModSeq:
        append_modseq();
        break;
      case Kind::kInternalDate:
        out += "INTERNALDATE ";
        out += internal_date(info.internal_date, options.zone_minutes);
        break;
      case Kind::kRfc822Size:
        out += "RFC822.SIZE ";
        out += std::to_string(info.size);
        break;
      case Kind::kEnvelope:
        out += "ENVELOPE ";
        if (summary != nullptr) {
          out += summary->envelope;
        } else {
          mime::append_envelope(out, mime::make_envelope(*message, message->root()));
        }
        break;
      case Kind::kBody:
        out += "BODY ";
        if (summary != nullptr) {
          out += summary->body;
        } else {
          mime::append_body_structure(out, *message, message->root(), false);
        }
        break;
      case Kind::kBodyStructure:
        out += "BODYSTRUCTURE ";
        if (summary != nullptr) {
          out += summary->body_structure;
        } else {
          mime::append_body_structure(out, *message, message->root(), true);
        }
        break;
      case Kind::kRfc822:  // RFC 3501 §6.4.5: BODY[]
        out += "RFC822 ";
        append_body_data(output, message->data(), buffer);
        break;
      case Kind::kRfc822Header:  // RFC 3501 §6.4.5: BODY.PEEK[HEADER]
        out += "RFC822.HEADER ";
        append_body_data(output, message->header_bytes(message->root()), buffer);
        break;
      case Kind::kRfc822Text:  // RFC 3501 §6.4.5: BODY[TEXT]
        out += "RFC822.TEXT ";
        append_body_data(output, message->body_bytes(message->root()), buffer);
        break;
      case Kind::kBodySection: {
        std::optional<std::string_view> content = section_content(*message, item.section, scratch);
        append_body_data(output, content ? slice(*content, item.partial) : std::string_view(), buffer);
        break;
      }
      case Kind::kBinary:
      case Kind::kBinarySize: {
        BinaryContent content = binary_content(*message, item.section.part, scratch);
        if (content.unknown_encoding) {
          out.resize(start);
          output.borrowed.resize(borrowed_before);
          output.owned.resize(owned_before);
          return false;
        }
        if (item.kind == Kind::kBinarySize) {
          out += std::to_string(content.data.size());
        } else if (content.decoded) {
          append_decoded_data(output, slice(content.data, item.partial), scratch);
        } else {
          append_body_data(output, slice(content.data, item.partial), buffer);
        }
        break;
      }
    }
  }

  // RFC 9051 §6.4.5: a \Seen that this fetch set SHOULD be reported.
  if (flags_changed && begin_item(Kind::kFlags)) append_flags();
  // RFC 7162 §3.1.10: once CONDSTORE is enabled, every FETCH response carries MODSEQ.
  if (options.include_modseq && begin_item(Kind::kModSeq)) append_modseq();
  out += ")\r\n";
  return true;
}

bool append_fetch_response(std::string& out, std::uint32_t seq, const store::MessageInfo& info,
                           const FetchSource& source, std::span<const FetchItem> items,
                           bool flags_changed, const FetchOptions& options) {
  FetchOutput output{.text = std::move(out)};
  const bool done = append_fetch_response(output, seq, info, source, items, flags_changed, options);
  out = std::move(output.text);
  return done;
}

}  // namespace redoubt::imap::server
