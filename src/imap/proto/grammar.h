#pragma once

// Character classes of the IMAP grammar (RFC 9051 §9), shared by the parser and the writers of
// imap/proto. Internal to this module: other modules use the parsers and writers, not these.
//
// All functions take bytes (`char`, `std::string_view`) and never assume UTF-8 or NUL termination.

#include <cstddef>
#include <string_view>

#include "base/utf8.h"

#include "base/ascii.h"

namespace redoubt::imap::proto::grammar {

using redoubt::is_utf8;  // base/utf8.h
using redoubt::utf8_non_ascii_length;

constexpr unsigned char octet(char c) { return static_cast<unsigned char>(c); }

// RFC 9051 §9  CTL = %x00-1F / %x7F (RFC 5234 B.1)
constexpr bool is_ctl(char c) { return octet(c) < 0x20 || octet(c) == 0x7f; }

// RFC 9051 §9  CHAR = %x01-7F
constexpr bool is_char(char c) { return octet(c) >= 0x01 && octet(c) <= 0x7f; }

// RFC 9051 §9  list-wildcards = "%" / "*"
constexpr bool is_list_wildcard(char c) { return c == '%' || c == '*'; }

// RFC 9051 §9  quoted-specials = DQUOTE / "\"
constexpr bool is_quoted_special(char c) { return c == '"' || c == '\\'; }

// RFC 9051 §9  resp-specials = "]"
constexpr bool is_resp_special(char c) { return c == ']'; }

// RFC 9051 §9  ATOM-CHAR = <any CHAR except atom-specials>
//              atom-specials = "(" / ")" / "{" / SP / CTL / list-wildcards / quoted-specials /
//                              resp-specials
constexpr bool is_atom_char(char c) {
  return is_char(c) && !is_ctl(c) && c != '(' && c != ')' && c != '{' && c != ' ' &&
         !is_list_wildcard(c) && !is_quoted_special(c) && !is_resp_special(c);
}

// RFC 9051 §9  ASTRING-CHAR = ATOM-CHAR / resp-specials
constexpr bool is_astring_char(char c) { return is_atom_char(c) || is_resp_special(c); }

// RFC 9051 §9  tag = 1*<any ASTRING-CHAR except "+">
constexpr bool is_tag_char(char c) { return is_astring_char(c) && c != '+'; }

// RFC 9051 §9  list-char = ATOM-CHAR / list-wildcards / resp-specials
constexpr bool is_list_char(char c) {
  return is_atom_char(c) || is_list_wildcard(c) || is_resp_special(c);
}

// RFC 9051 §9  TEXT-CHAR = <any CHAR except CR and LF>
constexpr bool is_text_char(char c) { return is_char(c) && c != '\r' && c != '\n'; }

// Whether every octet of non-empty `s` satisfies `pred`.
template <class Pred>
constexpr bool all_of(std::string_view s, Pred pred) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!pred(c)) return false;
  }
  return true;
}

constexpr bool is_atom(std::string_view s) { return all_of(s, is_atom_char); }
constexpr bool is_astring_atom(std::string_view s) { return all_of(s, is_astring_char); }

// RFC 9051 §9  QUOTED-CHAR = <any TEXT-CHAR except quoted-specials> / "\" quoted-specials /
//                            UTF8-2 / UTF8-3 / UTF8-4
// Whether `s` can be written as a quoted string: no NUL, CR or LF, and any 8-bit octets form
// well-formed UTF-8.
constexpr bool is_quotable(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    if (octet(s[i]) >= 0x80) {
      const std::size_t n = utf8_non_ascii_length(s.substr(i));
      if (n == 0) return false;
      i += n;
    } else {
      if (!is_text_char(s[i])) return false;
      ++i;
    }
  }
  return true;
}

}  // namespace redoubt::imap::proto::grammar
