#include "mime/header.h"

#include <algorithm>
#include <cstring>

#include "base/ascii.h"

namespace redoubt::mime {
namespace {

// Finds the end of the line starting at `pos`: returns the offset of the byte after the line's
// LF (or `end` if none), and sets `content_end` to where the line's text stops (before CR LF).
std::size_t next_line(std::string_view bytes, std::size_t pos, std::size_t end,
                      std::size_t& content_end) {
  const void* lf = std::memchr(bytes.data() + pos, '\n', end - pos);
  if (lf == nullptr) {
    content_end = end;
    return end;
  }
  std::size_t at = static_cast<const char*>(lf) - bytes.data();
  content_end = (at > pos && bytes[at - 1] == '\r') ? at - 1 : at;
  return at + 1;
}

constexpr bool is_field_name_char(char c) {
  // RFC 5322 §2.2: ftext = %d33-57 / %d59-126
  unsigned char u = static_cast<unsigned char>(c);
  return u >= 33 && u <= 126 && u != ':';
}

}  // namespace

bool is_field_name(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    if (!is_field_name_char(c)) return false;
  }
  return true;
}

HeaderBlock parse_header_block(std::string_view bytes, std::size_t begin, std::size_t end,
                               const Limits& limits, std::vector<HeaderField>& fields,
                               StopLine stop) {
  HeaderBlock block;
  std::size_t pos = begin;
  // The field being built, if any, and whether it is indexed (a field past max_headers is still
  // followed through its continuation lines so the body starts where it should).
  HeaderField current;
  bool in_field = false;
  bool indexing = false;

  auto finish_field = [&] {
    if (in_field && indexing) {
      fields.push_back(current);
      ++block.field_count;
    }
    in_field = false;
  };

  while (pos < end) {
    std::size_t content_end;
    std::size_t next = next_line(bytes, pos, end, content_end);
    std::string_view line = bytes.substr(pos, content_end - pos);

    if (line.empty() && next > content_end) {
      // RFC 5322 §2.1: the header ends at the first empty line, which belongs to the header.
      finish_field();
      block.size = next - begin;
      return block;
    }
    if (stop.is_stop != nullptr && !line.empty() && line[0] == '-' &&
        stop.is_stop(stop.context, line)) {
      // RFC 2046 §5.1.1: a boundary ends the part even inside its header.
      break;
    }
    if (std::memchr(line.data(), '\0', line.size()) != nullptr) block.defects |= Defect::kNulByte;

    if (!line.empty() && ascii::is_space(line[0])) {
      // RFC 5322 §2.2.3: a line starting with WSP continues the previous field (folding).
      if (!in_field) {
        // RFC 5322 has no place for it; Python's email skips it too.
        block.defects |= Defect::kContinuationFirst;
        pos = next;
        continue;
      }
      current.size = next - current.offset;
      std::size_t value_begin = current.value.data() - bytes.data();
      std::size_t value_end = content_end;
      if (value_end - current.offset > limits.max_header_line) {
        value_end = std::max(value_begin, current.offset + limits.max_header_line);
        block.defects |= Defect::kHeaderTooLong;
      }
      current.value = bytes.substr(value_begin, value_end - value_begin);
      pos = next;
      continue;
    }

    // RFC 5322 §2.2 field-name ":" ; §4.5.3 obs-optional allows WSP before the colon.
    std::size_t name_end = 0;
    while (name_end < line.size() && is_field_name_char(line[name_end])) ++name_end;
    std::size_t colon = name_end;
    while (colon < line.size() && ascii::is_space(line[colon])) ++colon;
    if (colon >= line.size() || line[colon] != ':') {
      // Not a field: the header ends here and this line starts the body.
      block.defects |= Defect::kInvalidHeaderLine;
      finish_field();
      block.size = pos - begin;
      return block;
    }
    finish_field();
    if (name_end == 0) {
      // ":value" has no name; skip the line (and its continuations) as Python's email does.
      in_field = true;
      indexing = false;
      current = HeaderField{{}, {}, pos, next - pos};
      current.value = bytes.substr(pos + colon + 1, 0);
      pos = next;
      continue;
    }
    in_field = true;
    indexing = block.field_count < limits.max_headers;
    if (!indexing) block.defects |= Defect::kTooManyHeaders;
    current.name = line.substr(0, name_end);
    current.offset = pos;
    current.size = next - pos;
    std::size_t value_begin = pos + colon + 1;
    std::size_t value_end = content_end;
    if (value_end - pos > limits.max_header_line) {
      value_end = std::max(value_begin, pos + limits.max_header_line);
      block.defects |= Defect::kHeaderTooLong;
    }
    current.value = bytes.substr(value_begin, value_end - value_begin);
    pos = next;
  }
  finish_field();
  block.defects |= Defect::kMissingBlankLine;
  block.size = pos - begin;
  return block;
}

const HeaderField* find_field(std::span<const HeaderField> fields, std::string_view name) {
  for (const HeaderField& f : fields) {
    if (ascii::iequals(f.name, name)) return &f;
  }
  return nullptr;
}

std::string_view unfold(std::string_view value, std::string& scratch) {
  value = ascii::trim(value);
  if (value.find_first_of("\r\n") == std::string_view::npos) return value;
  scratch.clear();
  scratch.reserve(value.size());
  for (std::size_t i = 0; i < value.size(); ++i) {
    char c = value[i];
    // RFC 5322 §2.2.3: unfolding removes the CRLF of each fold and keeps the WSP after it. A
    // bare CR or LF that is no fold cannot come from parse_header_block; drop it all the same.
    if (c == '\r' || c == '\n') continue;
    scratch.push_back(c);
  }
  return ascii::trim(std::string_view(scratch));
}

std::string unfold(std::string_view value) {
  std::string scratch;
  return std::string(unfold(value, scratch));
}

}  // namespace redoubt::mime
