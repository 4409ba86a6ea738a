#include "smtp/proto/xtext.h"

#include "base/ascii.h"
#include "smtp/proto/grammar.h"

namespace redoubt::smtp::proto {
namespace {

// RFC 3461 §4  xchar = any ASCII CHAR between "!" (33) and "~" (126) inclusive, except "+" and "="
constexpr bool is_xchar(char c) {
  return grammar::octet(c) >= 33 && grammar::octet(c) <= 126 && c != '+' && c != '=';
}

constexpr int hex_value(char c) {
  if (ascii::is_digit(c)) return c - '0';
  const char lower = ascii::to_lower(c);
  if (lower >= 'a' && lower <= 'f') return lower - 'a' + 10;
  return -1;
}

}  // namespace

std::optional<std::string> decode_xtext(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '+') {
      // RFC 3461 §4  hexchar = ASCII "+" immediately followed by two upper case hexadecimal digits
      if (in.size() - i < 3) return std::nullopt;
      const int high = hex_value(in[i + 1]);
      const int low = hex_value(in[i + 2]);
      if (high < 0 || low < 0) return std::nullopt;
      out += static_cast<char>(high * 16 + low);
      i += 2;
    } else if (is_xchar(in[i])) {
      out += in[i];
    } else {
      return std::nullopt;
    }
  }
  return out;
}

std::string encode_xtext(std::string_view in) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(in.size());
  for (char c : in) {
    if (is_xchar(c)) {
      out += c;
    } else {
      out += '+';
      out += kHex[grammar::octet(c) >> 4];
      out += kHex[grammar::octet(c) & 15];
    }
  }
  return out;
}

}  // namespace redoubt::smtp::proto
