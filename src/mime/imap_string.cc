#include "mime/imap_string.h"

namespace redoubt::mime {

void append_imap_string(std::string& out, std::string_view s) {
  bool quotable = true;
  bool has_nul = false;
  for (char c : s) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u == 0) has_nul = true;
    if (u == 0 || u >= 0x80 || c == '\r' || c == '\n') quotable = false;
  }
  if (quotable) {
    out.push_back('"');
    for (char c : s) {
      if (c == '"' || c == '\\') out.push_back('\\');  // RFC 9051 §9 quoted-specials
      out.push_back(c);
    }
    out.push_back('"');
    return;
  }
  std::string cleaned;
  if (has_nul) {
    for (char c : s) {
      if (c == '\0') {
        cleaned += "\xef\xbf\xbd";
      } else {
        cleaned.push_back(c);
      }
    }
    s = cleaned;
  }
  // RFC 9051 §4.3 literal = "{" number64 "}" CRLF *CHAR8
  out.push_back('{');
  out += std::to_string(s.size());
  out += "}\r\n";
  out.append(s);
}

void append_imap_nstring(std::string& out, std::optional<std::string_view> s) {
  if (!s) {
    out += "NIL";
  } else {
    append_imap_string(out, *s);
  }
}

}  // namespace redoubt::mime
