#pragma once

// Character classes and small matchers of the SMTP grammar, shared by the parsers and writers of
// smtp/proto. Internal to this module: other modules use the parsers, not these pieces.
//
// All functions take bytes (`char`, `std::string_view`) and never assume UTF-8 or NUL termination.

#include <cstddef>
#include <string_view>

#include "base/ascii.h"

namespace redoubt::smtp::proto::grammar {

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

// Length of the well-formed UTF-8 sequence of one non-ASCII scalar value at the start of `s`, or 0
// if there is none: RFC 3629 §4 UTF8-2 / UTF8-3 / UTF8-4, so overlong forms, surrogates
// (U+D800..U+DFFF), values above U+10FFFF and truncated sequences all give 0.
constexpr std::size_t utf8_non_ascii_length(std::string_view s) {
  if (s.empty()) return 0;
  const unsigned char c0 = octet(s[0]);
  std::size_t length = 0;
  unsigned char low = 0x80;  // Bounds of the second octet; later octets are always 80..BF.
  unsigned char high = 0xBF;
  if (c0 >= 0xC2 && c0 <= 0xDF) {
    length = 2;
  } else if (c0 >= 0xE0 && c0 <= 0xEF) {
    length = 3;
    if (c0 == 0xE0) low = 0xA0;   // Overlong.
    if (c0 == 0xED) high = 0x9F;  // Surrogates.
  } else if (c0 >= 0xF0 && c0 <= 0xF4) {
    length = 4;
    if (c0 == 0xF0) low = 0x90;   // Overlong.
    if (c0 == 0xF4) high = 0x8F;  // Above U+10FFFF.
  } else {
    return 0;  // ASCII, a continuation octet, C0/C1 (overlong) or F5..FF.
  }
  if (s.size() < length) return 0;
  if (octet(s[1]) < low || octet(s[1]) > high) return 0;
  for (std::size_t i = 2; i < length; ++i) {
    if (octet(s[i]) < 0x80 || octet(s[i]) > 0xBF) return 0;
  }
  return length;
}

// True if all of `s` is well-formed UTF-8 (RFC 3629 §4); ASCII is UTF-8.
constexpr bool is_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    if (octet(s[i]) < 0x80) {
      ++i;
      continue;
    }
    const std::size_t n = utf8_non_ascii_length(s.substr(i));
    if (n == 0) return false;
    i += n;
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
