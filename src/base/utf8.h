#pragma once

// Strict UTF-8 validation over bytes (RFC 3629 §4), shared by every parser that must accept
// UTF-8 only where an RFC allows it (SMTPUTF8 addresses, IMAP quoted strings, MIME headers).

#include <cstddef>
#include <string_view>

namespace redoubt {

// Length of the well-formed UTF-8 sequence of one non-ASCII scalar value at the start of `s`, or
// 0 if there is none (RFC 3629 §4 UTF8-2 / UTF8-3 / UTF8-4): overlong forms, surrogates
// (U+D800..U+DFFF), values above U+10FFFF and truncated sequences all give 0.
constexpr std::size_t utf8_non_ascii_length(std::string_view s) {
  auto octet = [](char c) { return static_cast<unsigned char>(c); };
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

// True if all of `s` is well-formed UTF-8; ASCII is UTF-8.
constexpr bool is_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    if (static_cast<unsigned char>(s[i]) < 0x80) {
      ++i;
      continue;
    }
    const std::size_t n = utf8_non_ascii_length(s.substr(i));
    if (n == 0) return false;
    i += n;
  }
  return true;
}

static_assert(is_utf8("plain") && is_utf8("\xC3\xA9") && !is_utf8("\xC0\xAF") && !is_utf8("\xED\xA0\x80"));

}  // namespace redoubt
