#include "mime/quoted_printable.h"

#include <cstring>

namespace redoubt::mime {
namespace {

constexpr int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// Decodes one line's text (no line break, trailing padding already removed). Returns true if
// the line ends with a soft line break.
bool decode_line(std::string_view line, std::string& out, bool& clean) {
  std::size_t i = 0;
  while (i < line.size()) {
    const char* eq = static_cast<const char*>(std::memchr(line.data() + i, '=', line.size() - i));
    std::size_t stop = eq == nullptr ? line.size() : std::size_t(eq - line.data());
    out.append(line.data() + i, stop - i);
    if (eq == nullptr) return false;
    i = stop;
    if (i + 1 == line.size()) return true;  // RFC 2045 §6.7 rule (5): soft line break.
    int hi = i + 2 < line.size() ? hex_value(line[i + 1]) : -1;
    int lo = i + 2 < line.size() ? hex_value(line[i + 2]) : -1;
    if (hi >= 0 && lo >= 0) {
      out.push_back(char(hi * 16 + lo));  // RFC 2045 §6.7 rule (1)
      i += 3;
    } else {
      out.push_back('=');  // Malformed: keep as is (RFC 2045 §6.7, note on robustness).
      clean = false;
      ++i;
    }
  }
  return false;
}

}  // namespace

bool decode_quoted_printable(std::string_view encoded, std::string& out) {
  bool clean = true;
  out.reserve(out.size() + encoded.size());
  std::size_t pos = 0;
  while (pos < encoded.size()) {
    const char* lf =
        static_cast<const char*>(std::memchr(encoded.data() + pos, '\n', encoded.size() - pos));
    std::size_t end = lf == nullptr ? encoded.size() : std::size_t(lf - encoded.data());
    std::size_t text_end = end;
    bool crlf = lf != nullptr && end > pos && encoded[end - 1] == '\r';
    if (crlf) --text_end;
    // RFC 2045 §6.7 rule (3): trailing whitespace is padding added in transport; delete it.
    while (text_end > pos && (encoded[text_end - 1] == ' ' || encoded[text_end - 1] == '\t')) {
      --text_end;
    }
    bool soft = decode_line(encoded.substr(pos, text_end - pos), out, clean);
    if (lf == nullptr) break;
    if (!soft) out.append(crlf ? "\r\n" : "\n");
    pos = end + 1;
  }
  return clean;
}

std::string decode_quoted_printable(std::string_view encoded) {
  std::string out;
  decode_quoted_printable(encoded, out);
  return out;
}

bool decode_q(std::string_view encoded, std::string& out) {
  bool clean = true;
  for (std::size_t i = 0; i < encoded.size(); ++i) {
    char c = encoded[i];
    if (c == '_') {
      out.push_back(' ');  // RFC 2047 §4.2 (2)
    } else if (c == '=' && i + 2 < encoded.size() && hex_value(encoded[i + 1]) >= 0 &&
               hex_value(encoded[i + 2]) >= 0) {
      out.push_back(char(hex_value(encoded[i + 1]) * 16 + hex_value(encoded[i + 2])));
      i += 2;
    } else {
      if (c == '=') clean = false;
      out.push_back(c);
    }
  }
  return clean;
}

std::string encode_quoted_printable(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(bytes.size() * 3 / 2 + 8);
  std::size_t column = 0;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    unsigned char u = static_cast<unsigned char>(bytes[i]);
    bool literal = (u >= 33 && u <= 126 && u != '=') ||
                   (u == ' ' && i + 1 < bytes.size());  // trailing SP would be lost (rule 3)
    std::size_t width = literal ? 1 : 3;
    if (column + width > 75) {  // leave room for the "=" of the soft break (rule 5)
      out += "=\r\n";
      column = 0;
    }
    if (literal) {
      out.push_back(char(u));
    } else {
      out.push_back('=');
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 15]);
    }
    column += width;
  }
  return out;
}

}  // namespace redoubt::mime
