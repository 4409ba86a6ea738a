#pragma once

// Character classes and small matchers of the SMTP grammar, shared by the parsers and writers of
// smtp/proto. Internal to this module: other modules use the parsers, not these pieces.
//
// All functions take bytes (`char`, `std::string_view`) and never assume UTF-8 or NUL termination.

#include <cstddef>
#include <string_view>

#include "base/utf8.h"

#include "base/ascii.h"

namespace redoubt::smtp::proto::grammar {

using redoubt::is_utf8;  // base/utf8.h
using redoubt::utf8_non_ascii_length;

constexpr unsigned char octet(char c) { return static_cast<unsigned char>(c); }

// RFC 5322 §3.2.3 atext, which RFC 5321 §4.1.2 uses for Atom.
constexpr bool is_atext(char c) {
  constexpr std::string_view kSymbols = "!#$%&'*+-/=?^_`{|}~";
  return ascii::is_alnum(c) || kSymbols.find(c) != std::string_view::npos;
}

// RFC 5321 §4.1.2 qtextSMTP = %d32-33 / %d35-91 / %d93-126
constexpr bool is_qtext_smtp(char c) {
  return octet(c) >= 32 && octet(c) <= 126 && c != '"' && c != '\\';
}

// RFC 5321 §4.1.2 quoted-pairSMTP = %d92 %d32-126: the octet after the backslash.
constexpr bool is_quotable(char c) { return octet(c) >= 32 && octet(c) <= 126; }

// RFC 5321 §4.1.2 esmtp-keyword = (ALPHA / DIGIT) *(ALPHA / DIGIT / "-")
constexpr bool is_esmtp_keyword(std::string_view s) {
  if (s.empty() || !ascii::is_alnum(s[0])) return false;
  for (char c : s) {
    if (!ascii::is_alnum(c) && c != '-') return false;
  }
  return true;
}

// RFC 5321 §4.1.2 esmtp-value = 1*(%d33-60 / %d62-126)
constexpr bool is_esmtp_value(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (octet(c) < 33 || octet(c) > 126 || c == '=') return false;
  }
  return true;
}

// Printable US-ASCII: graphic characters and SP (%d32-126).
constexpr bool is_printable_ascii(std::string_view s) {
  for (char c : s) {
    if (octet(c) < 32 || octet(c) > 126) return false;
  }
  return true;
}

// Octets at the start of `s` that form one Atom (RFC 5321 §4.1.2), 0 if none. With `allow_utf8`,
// atext also includes UTF8-non-ascii (RFC 6531 §3.3).
constexpr std::size_t match_atom(std::string_view s, bool allow_utf8) {
  std::size_t i = 0;
  while (i < s.size()) {
    if (is_atext(s[i])) {
      ++i;
    } else if (std::size_t n = allow_utf8 ? utf8_non_ascii_length(s.substr(i)) : 0; n != 0) {
      i += n;
    } else {
      break;
    }
  }
  return i;
}

// Octets at the start of `s` that form one Dot-string = Atom *("." Atom) (RFC 5321 §4.1.2), 0 if
// none. A trailing "." is not part of the match.
constexpr std::size_t match_dot_string(std::string_view s, bool allow_utf8) {
  std::size_t end = match_atom(s, allow_utf8);
  if (end == 0) return 0;
  while (end < s.size() && s[end] == '.') {
    const std::size_t n = match_atom(s.substr(end + 1), allow_utf8);
    if (n == 0) break;
    end += 1 + n;
  }
  return end;
}

// True if all of `s` is a Dot-string.
constexpr bool is_dot_string(std::string_view s, bool allow_utf8) {
  return !s.empty() && match_dot_string(s, allow_utf8) == s.size();
}

// True if `s` contains an octet outside US-ASCII.
constexpr bool has_non_ascii(std::string_view s) {
  for (char c : s) {
    if (octet(c) >= 0x80) return true;
  }
  return false;
}

}  // namespace redoubt::smtp::proto::grammar
