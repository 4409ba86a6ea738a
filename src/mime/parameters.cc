#include "mime/parameters.h"

#include <algorithm>

#include "base/ascii.h"
#include "mime/charset.h"
#include "mime/lexer.h"
#include "mime/rfc2047.h"

namespace redoubt::mime {
namespace {

// One "attribute[*N][*]=value" as read, before continuations are joined.
struct Segment {
  std::string_view base;  // attribute without markers, as written
  int index = -1;         // RFC 2231 §3 section number; -1 if none
  bool extended = false;  // RFC 2231 §4 trailing '*'
  std::string value;      // unquoted
};

constexpr int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// RFC 2231 §7 attribute-char: token characters except '*', "'" and '%'.
bool is_attribute_char(char c) {
  unsigned char u = static_cast<unsigned char>(c);
  return u > 32 && u < 127 && !is_tspecial(c) && c != '*' && c != '\'' && c != '%';
}

void percent_decode(std::string_view s, std::string& out) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 &&
        hex_value(s[i + 2]) >= 0) {
      out.push_back(char(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
}

void percent_encode(std::string_view s, std::string& out) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (char c : s) {
    if (is_attribute_char(c)) {
      out.push_back(c);
    } else {
      unsigned char u = static_cast<unsigned char>(c);
      out.push_back('%');
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 15]);
    }
  }
}

// Splits "name*2*" into its parts (RFC 2231 §3, §4).
void split_attribute(std::string_view attribute, Segment& seg) {
  seg.base = attribute;
  if (!attribute.empty() && attribute.back() == '*') {
    seg.extended = true;
    attribute.remove_suffix(1);
    seg.base = attribute;
  }
  std::size_t star = attribute.rfind('*');
  if (star == std::string_view::npos) return;
  std::string_view digits = attribute.substr(star + 1);
  if (digits.empty() || digits.size() > 3) return;
  int n = 0;
  for (char c : digits) {
    if (!ascii::is_digit(c)) return;
    n = n * 10 + (c - '0');
  }
  if (digits.size() > 1 && digits[0] == '0') return;  // RFC 2231 §3: no leading zeros
  seg.index = n;
  seg.base = attribute.substr(0, star);
}

// Reads one parameter at the lexer's position (just after a ';' or where one was missing).
bool read_segment(Lexer& in, Segment& seg) {
  std::string_view attribute = in.take_token();
  if (attribute.empty()) return false;
  if (!in.consume('=')) return false;
  in.skip_cfws();
  if (in.at_end()) {
    split_attribute(attribute, seg);
    return true;
  }
  if (in.peek() == '"') {
    std::string_view raw = in.take_quoted();
    if (needs_unquoting(raw)) {
      append_unquoted(raw, seg.value);
    } else {
      seg.value.assign(raw);
    }
  } else {
    // RFC 2045 §5.1 value = token. Real mail also has unquoted values with spaces or tspecials
    // ("name=My File.pdf"); take everything up to the next ';', as Python's email does.
    std::string_view rest = in.rest();
    std::size_t stop = rest.find(';');
    std::string_view value = rest.substr(0, stop);
    std::size_t comment = value.find('(');
    if (comment != std::string_view::npos && comment > 0) value = value.substr(0, comment);
    while (!value.empty() && is_wsp_or_break(value.back())) value.remove_suffix(1);
    seg.value.assign(value);
    in.advance(value.size());
  }
  split_attribute(attribute, seg);
  return true;
}

}  // namespace

std::vector<Parameter> parse_parameters(std::string_view text, const Limits& limits) {
  std::vector<Segment> segments;
  Lexer in(text);
  while (!in.at_end()) {
    in.skip_cfws();
    if (in.at_end()) break;
    if (in.peek() == ';') {
      in.advance();
      continue;
    }
    Segment seg;
    std::size_t before = in.position();
    if (read_segment(in, seg)) {
      if (segments.size() < limits.max_parameters * 4) segments.push_back(std::move(seg));
    }
    // Skip junk up to the next ';' (also guarantees progress).
    if (in.position() == before) in.advance();
    while (!in.at_end() && in.peek() != ';') {
      if (in.peek() == '"') {
        in.take_quoted();
      } else {
        in.advance();
      }
    }
  }

  std::vector<Parameter> params;
  std::vector<bool> used(segments.size(), false);
  for (std::size_t i = 0; i < segments.size() && params.size() < limits.max_parameters; ++i) {
    if (used[i]) continue;
    const Segment& first = segments[i];
    std::string name = ascii::lower(first.base);
    bool duplicate = false;
    for (const Parameter& p : params) duplicate = duplicate || p.name == name;
    // Gather this attribute's sections (RFC 2231 §3), in section order; a plain "name=" and
    // "name*=" count as section 0.
    std::vector<const Segment*> parts;
    for (std::size_t j = i; j < segments.size(); ++j) {
      if (!used[j] && ascii::iequals(segments[j].base, first.base) &&
          (segments[j].index >= 0) == (first.index >= 0)) {
        if (first.index < 0 && j != i) continue;  // a repeated plain parameter: not joined
        used[j] = true;
        parts.push_back(&segments[j]);
      }
    }
    if (duplicate) continue;
    std::stable_sort(parts.begin(), parts.end(),
                     [](const Segment* a, const Segment* b) { return a->index < b->index; });
    bool any_extended = false;
    for (const Segment* s : parts) any_extended = any_extended || s->extended;

    Parameter p;
    p.name = name;
    p.wire_name = std::string(first.base);
    if (!any_extended) {
      for (const Segment* s : parts) p.wire_value += s->value;
      // Encoded words in a plain value (see parameters.h).
      if (p.wire_value.find("=?") != std::string::npos) {
        p.value = decode_encoded_words(p.wire_value);
      } else if (is_valid_utf8(p.wire_value)) {
        p.value = p.wire_value;  // RFC 6532: UTF-8 values
      } else {
        convert_to_utf8("ISO-8859-1", p.wire_value, p.value);
      }
      params.push_back(std::move(p));
      continue;
    }
    // RFC 2231 §4: the first extended section holds charset'language'; later extended sections
    // are percent-encoded in the same charset; plain sections are literal.
    p.wire_name += '*';
    std::string_view charset;
    std::string bytes;
    bool first_extended = true;
    for (const Segment* s : parts) {
      std::string_view v = s->value;
      if (!s->extended) {
        bytes += v;
        percent_encode(v, p.wire_value);
        continue;
      }
      if (first_extended) {
        first_extended = false;
        std::size_t q1 = v.find('\'');
        std::size_t q2 = q1 == std::string_view::npos ? q1 : v.find('\'', q1 + 1);
        if (q2 != std::string_view::npos) {
          charset = v.substr(0, q1);
          p.language.assign(v.substr(q1 + 1, q2 - q1 - 1));
          if (p.wire_value.empty()) {
            p.wire_value.assign(v);
          } else {  // a plain section came first: move the charset prefix to the front
            p.wire_value.insert(0, v.substr(0, q2 + 1));
            p.wire_value.append(v.substr(q2 + 1));
          }
          v = v.substr(q2 + 1);
          percent_decode(v, bytes);
          continue;
        }
      }
      p.wire_value += v;
      percent_decode(v, bytes);
    }
    convert_to_utf8(charset.empty() ? std::string_view("us-ascii") : charset, bytes, p.value);
    params.push_back(std::move(p));
  }
  return params;
}

const Parameter* find_parameter(const std::vector<Parameter>& params, std::string_view name) {
  for (const Parameter& p : params) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

}  // namespace redoubt::mime
