#include "mime/message.h"

#include <algorithm>
#include <cstring>

#include "base/ascii.h"
#include "mime/parameters.h"

namespace redoubt::mime {

// Builds a Message in one forward pass over the bytes. Each part is parsed by parse_entity(),
// which recurses once per nesting level (bounded by Limits::max_depth, itself capped at
// kMaxDepthCeiling). The position only moves forward, so every byte is read a bounded number of
// times: once by the line scanner, and compared against at most the active boundaries.
class Parser {
 public:
  Parser(std::string_view data, const Limits& limits, Message& message)
      : data_(data), limits_(limits), message_(message) {
    max_depth_ = std::min(limits.max_depth, kMaxDepthCeiling);
    max_parts_ = std::max<std::size_t>(limits.max_parts, 1);
  }

  void run() {
    message_.data_ = data_;
    message_.parts_.reserve(8);
    message_.fields_.reserve(32);
    parse_entity(kNoPart, 0, false);
    for (const Part& p : message_.parts_) message_.defects_ |= p.defects;
  }

 private:
  static constexpr std::size_t kEnd = static_cast<std::size_t>(-1);

  // Where a part's content stopped: at a boundary line of stack_[level], or at the end (kEnd).
  struct Stop {
    std::size_t line_start = 0;  // offset of the boundary line (data_.size() at the end)
    std::size_t after = 0;       // offset just past the boundary line and its line break
    std::size_t level = kEnd;
    bool close = false;          // "--boundary--"
  };

  // RFC 2046 §5.1.1: a delimiter line is "--" boundary [ "--" ] transport-padding, where
  // transport-padding is optional linear whitespace. Checked innermost first, so a (forbidden)
  // inner boundary equal to an outer one belongs to the inner multipart.
  bool match(std::string_view line, std::size_t& level, bool& close) const {
    if (line.size() < 3 || line[0] != '-' || line[1] != '-') return false;
    for (std::size_t l = stack_.size(); l-- > 0;) {
      std::string_view b = stack_[l];
      if (line.size() - 2 < b.size() || std::memcmp(line.data() + 2, b.data(), b.size()) != 0) {
        continue;
      }
      std::string_view rest = line.substr(2 + b.size());
      bool is_close = rest.size() >= 2 && rest[0] == '-' && rest[1] == '-';
      if (is_close) rest.remove_prefix(2);
      bool padding_only = true;
      for (char c : rest) padding_only = padding_only && ascii::is_space(c);
      if (!padding_only) continue;
      level = l;
      close = is_close;
      return true;
    }
    return false;
  }

  static bool is_stop_line(const void* self, std::string_view line) {
    std::size_t level;
    bool close;
    return static_cast<const Parser*>(self)->match(line, level, close);
  }

  // Moves pos_ to the start of the next line that matches an active boundary, or to the end.
  Stop scan_lines() {
    const std::size_t size = data_.size();
    if (stack_.empty()) {
      lf_ += static_cast<std::size_t>(std::count(data_.begin() + pos_, data_.end(), '\n'));
      pos_ = size;
      return Stop{size, size, kEnd, false};
    }
    while (pos_ < size) {
      const char* base = data_.data();
      const void* lf = std::memchr(base + pos_, '\n', size - pos_);
      std::size_t next = lf == nullptr ? size : std::size_t(static_cast<const char*>(lf) - base) + 1;
      if (base[pos_] == '-') {
        std::size_t content_end = lf == nullptr ? size : next - 1;
        if (content_end > pos_ && base[content_end - 1] == '\r') --content_end;
        Stop stop;
        if (match(data_.substr(pos_, content_end - pos_), stop.level, stop.close)) {
          stop.line_start = pos_;
          stop.after = next;
          return stop;
        }
      }
      if (lf != nullptr) ++lf_;
      pos_ = next;
    }
    return Stop{size, size, kEnd, false};
  }

  // Consumes the boundary line `stop` points at.
  void consume(const Stop& stop) {
    if (stop.after > stop.line_start && data_[stop.after - 1] == '\n') ++lf_;
    pos_ = stop.after;
  }

  // The end of content that starts at `begin` and stops at `stop`: the line break before a
  // boundary line belongs to the boundary (RFC 2046 §5.1.1). Also returns the LF count there.
  std::size_t content_end(std::size_t begin, const Stop& stop, std::size_t& lf_count) const {
    std::size_t end = stop.line_start;
    lf_count = lf_;
    if (stop.level == kEnd) return end;
    if (end > begin && data_[end - 1] == '\n') {
      --end;
      --lf_count;
      if (end > begin && data_[end - 1] == '\r') --end;
    }
    return end;
  }

  void finish(std::uint32_t index, std::size_t lf_at_body, const Stop& stop) {
    Part& p = message_.parts_[index];
    std::size_t lf_end;
    std::size_t end = content_end(p.body_offset, stop, lf_end);
    if (p.first_child != kNoPart) {
      // A part ends no earlier than its last child. They differ when the line break before the
      // boundary was already taken by the child's header ("Subject: x\n--b" inside a
      // message/rfc822): the child keeps it, so the parent keeps it too.
      const Part& last = message_.parts_[last_child_[index]];
      std::size_t last_end = last.body_offset + last.body_size;
      if (last_end > end) {
        lf_end += static_cast<std::size_t>(
            std::count(data_.begin() + end, data_.begin() + last_end, '\n'));
        end = last_end;
      }
    }
    p.body_size = end - p.body_offset;
    p.body_lines = lf_end - lf_at_body;
    if (p.body_size > 0 && data_[end - 1] != '\n') ++p.body_lines;
  }

  static void classify_fields(Part& p, std::span<const HeaderField> fields) {
    for (std::uint32_t i = 0; i < fields.size(); ++i) {
      std::string_view name = fields[i].name;
      if (name.size() < 10 || !ascii::istarts_with(name, "content-")) continue;
      std::string_view suffix = name.substr(8);
      std::uint32_t* slot = nullptr;
      if (ascii::iequals(suffix, "type")) {
        slot = &p.content_type_field;  // RFC 2045 §5
      } else if (ascii::iequals(suffix, "transfer-encoding")) {
        slot = &p.transfer_encoding_field;  // RFC 2045 §6
      } else if (ascii::iequals(suffix, "disposition")) {
        slot = &p.disposition_field;  // RFC 2183
      } else if (ascii::iequals(suffix, "id")) {
        slot = &p.id_field;  // RFC 2045 §7
      } else if (ascii::iequals(suffix, "description")) {
        slot = &p.description_field;  // RFC 2045 §8
      } else if (ascii::iequals(suffix, "language")) {
        slot = &p.language_field;  // RFC 3282
      } else if (ascii::iequals(suffix, "location")) {
        slot = &p.location_field;  // RFC 2557 §4.2
      } else if (ascii::iequals(suffix, "md5")) {
        slot = &p.md5_field;  // RFC 1864
      }
      if (slot != nullptr && *slot == kNoField) *slot = i;
    }
  }

  std::uint32_t new_part(std::uint32_t parent, std::uint32_t depth) {
    auto index = static_cast<std::uint32_t>(message_.parts_.size());
    Part p;
    p.parent = parent;
    p.depth = depth;
    message_.parts_.push_back(p);
    last_child_.push_back(kNoPart);
    if (parent != kNoPart) {
      Part& up = message_.parts_[parent];
      if (up.first_child == kNoPart) {
        up.first_child = index;
      } else {
        message_.parts_[last_child_[parent]].next_sibling = index;
      }
      last_child_[parent] = index;
      ++up.child_count;
    }
    return index;
  }

  // Parses the part that starts at pos_, and everything inside it; returns where it stopped.
  Stop parse_entity(std::uint32_t parent, std::uint32_t depth, bool in_digest) {
    const std::uint32_t index = new_part(parent, depth);
    const std::size_t start = pos_;
    const auto first_field = static_cast<std::uint32_t>(message_.fields_.size());
    HeaderBlock block = parse_header_block(data_, start, data_.size(), limits_, message_.fields_,
                                           StopLine{&Parser::is_stop_line, this});
    lf_ += static_cast<std::size_t>(
        std::count(data_.begin() + start, data_.begin() + start + block.size, '\n'));
    pos_ = start + block.size;
    const std::size_t lf_at_body = lf_;

    // Everything about this part that does not need its children. `p` is not used after the
    // recursive calls below, which may reallocate parts_.
    bool is_multipart = false;
    bool is_message = false;
    {
      Part& p = message_.parts_[index];
      p.offset = start;
      p.header_size = block.size;
      p.body_offset = pos_;
      p.first_field = first_field;
      p.field_count = static_cast<std::uint32_t>(block.field_count);
      p.defects |= block.defects;
      auto fields = std::span<const HeaderField>(message_.fields_).subspan(first_field);
      classify_fields(p, fields);

      MediaType media;
      if (p.content_type_field != kNoField) {
        media = parse_media_type(fields[p.content_type_field].value);
        // RFC 2045 §5.2: an invalid Content-Type means text/plain; charset=us-ascii.
        if (!media.is_valid()) p.defects |= Defect::kInvalidContentType;
      }
      if (media.is_valid()) {
        p.type = media.type;
        p.subtype = media.subtype;
      } else if (in_digest && p.content_type_field == kNoField) {
        p.type = "message";  // RFC 2046 §5.1.5
        p.subtype = "rfc822";
      } else {
        p.type = "text";  // RFC 2045 §5.2
        p.subtype = "plain";
      }
      if (p.transfer_encoding_field != kNoField) {
        std::string_view token;
        p.encoding = parse_transfer_encoding(fields[p.transfer_encoding_field].value, token);
      }

      bool container_allowed = true;
      if (ascii::iequals(p.type, "multipart")) {
        // RFC 2046 §5.1.1: the boundary parameter is required. Its trailing spaces cannot be part
        // of it (bcharsnospace), so drop them as Python's email does.
        auto params = parse_parameters(media.parameters, limits_);
        const Parameter* b = find_parameter(params, "boundary");
        std::string_view boundary = b == nullptr ? std::string_view() : std::string_view(b->value);
        while (!boundary.empty() && ascii::is_space(boundary.back())) boundary.remove_suffix(1);
        if (boundary.empty()) {
          p.defects |= Defect::kMissingBoundary;
        } else {
          std::string_view raw = media.parameters;
          std::size_t found = raw.find(boundary);
          if (found != std::string_view::npos) {
            p.boundary = raw.substr(found, boundary.size());  // zero-copy when written as is
          } else {
            message_.owned_.push_back(std::make_unique<std::string>(boundary));
            p.boundary = *message_.owned_.back();
          }
          is_multipart = true;
        }
      } else if (ascii::iequals(p.type, "message") &&
                 (ascii::iequals(p.subtype, "rfc822") || ascii::iequals(p.subtype, "global"))) {
        // RFC 2046 §5.2.1: message/rfc822 may only be 7bit, 8bit or binary; an encoded one is
        // kept opaque rather than guessed at (its offsets would not be those of the blob).
        if (p.encoding == TransferEncoding::k7bit || p.encoding == TransferEncoding::k8bit ||
            p.encoding == TransferEncoding::kBinary) {
          is_message = true;
        } else {
          p.defects |= Defect::kEncodedMessage;
        }
      }
      if (is_multipart || is_message) {
        if (depth >= max_depth_) {
          p.defects |= Defect::kTooDeep;
          container_allowed = false;
        } else if (message_.parts_.size() >= max_parts_) {
          p.defects |= Defect::kTooManyParts;
          container_allowed = false;
        }
      }
      if (!container_allowed) is_multipart = is_message = false;
      p.kind = is_multipart ? PartKind::kMultipart
                            : (is_message ? PartKind::kMessage : PartKind::kLeaf);
    }

    if (is_message) {
      // RFC 2046 §5.2.1: the body is a complete message; it ends where this part ends.
      Stop stop = parse_entity(index, depth + 1, false);
      finish(index, lf_at_body, stop);
      return stop;
    }
    if (!is_multipart) {
      Stop stop = scan_lines();
      finish(index, lf_at_body, stop);
      return stop;
    }
    return parse_multipart(index, depth, lf_at_body);
  }

  // RFC 2046 §5.1.1: preamble, then body parts each introduced by a delimiter line, then the close
  // delimiter and an epilogue. Best effort for the broken cases: no delimiter at all, no close
  // delimiter (the last part runs to the end of the enclosing part), and outer boundaries that
  // cut an inner multipart short.
  Stop parse_multipart(std::uint32_t index, std::uint32_t depth, std::size_t lf_at_body) {
    const std::size_t level = stack_.size();
    stack_.push_back(message_.parts_[index].boundary);
    const bool is_digest = ascii::iequals(message_.parts_[index].subtype, "digest");
    Defect defects = Defect::kNone;

    Stop stop = scan_lines();
    {
      std::size_t unused;
      std::size_t body = message_.parts_[index].body_offset;
      message_.parts_[index].preamble_size = content_end(body, stop, unused) - body;
    }
    if (stop.level != level || stop.close) defects |= Defect::kNoParts;
    while (stop.level == level && !stop.close) {
      consume(stop);
      if (message_.parts_.size() >= max_parts_) {
        // Out of parts: the rest of this multipart stays unsplit.
        defects |= Defect::kTooManyParts;
        stop = scan_lines();
        continue;
      }
      stop = parse_entity(index, depth + 1, is_digest);
    }
    stack_.pop_back();
    if (stop.level == level && stop.close) {
      consume(stop);
      std::size_t epilogue = pos_;
      stop = scan_lines();  // up to an enclosing boundary, or the end
      std::size_t unused;
      Part& p = message_.parts_[index];
      p.epilogue_offset = epilogue;
      p.epilogue_size = content_end(epilogue, stop, unused) - epilogue;
    } else if (!has(defects, Defect::kNoParts)) {
      defects |= Defect::kMissingCloseDelimiter;
    }
    message_.parts_[index].defects |= defects;
    finish(index, lf_at_body, stop);
    return stop;
  }

  std::string_view data_;
  const Limits& limits_;
  Message& message_;
  std::size_t max_depth_;
  std::size_t max_parts_;
  std::vector<std::string_view> stack_;   // boundaries of the open multiparts, outermost first
  std::vector<std::uint32_t> last_child_;  // per part, to link siblings in O(1)
  std::size_t pos_ = 0;
  std::size_t lf_ = 0;  // line feeds in data_[0, pos_)
};

Message parse_message(std::string_view data, const Limits& limits) {
  Message message;
  Parser(data, limits, message).run();
  return message;
}

bool is_type(const Part& p, std::string_view type, std::string_view subtype) {
  return ascii::iequals(p.type, type) && (subtype.empty() || ascii::iequals(p.subtype, subtype));
}

std::uint32_t find_section(const Message& message, std::string_view section) {
  // RFC 9051 §6.4.5: part numbers index the parts of the current (possibly encapsulated)
  // message; a non-multipart message has only part 1, its body.
  std::uint32_t current = 0;  // the message whose parts the next number indexes
  std::uint32_t selected = 0;
  while (!section.empty()) {
    std::size_t dot = section.find('.');
    std::string_view number = section.substr(0, dot);
    section = dot == std::string_view::npos ? std::string_view() : section.substr(dot + 1);
    if (number.empty() || number.size() > 9 || number[0] == '0') return kNoPart;
    std::uint32_t n = 0;
    for (char c : number) {
      if (!ascii::is_digit(c)) return kNoPart;
      n = n * 10 + std::uint32_t(c - '0');
    }
    const Part& container = message.part(current);
    if (container.kind == PartKind::kMultipart) {
      std::uint32_t child = container.first_child;
      for (std::uint32_t i = 1; i < n && child != kNoPart; ++i) {
        child = message.part(child).next_sibling;
      }
      if (child == kNoPart) return kNoPart;
      selected = child;
    } else {
      if (n != 1) return kNoPart;
      selected = current;
    }
    if (section.empty()) break;
    const Part& chosen = message.part(selected);
    if (chosen.kind == PartKind::kMessage) {
      current = chosen.first_child;
    } else if (chosen.kind == PartKind::kMultipart && selected != current) {
      current = selected;
    } else {
      return kNoPart;
    }
  }
  return selected;
}

}  // namespace redoubt::mime
