#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

namespace redoubt {

inline std::string to_hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(bytes.size() * 2, '\0');
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    const auto c = static_cast<unsigned char>(bytes[i]);
    out[2 * i] = kDigits[c >> 4];
    out[2 * i + 1] = kDigits[c & 15];
  }
  return out;
}

// The inverse of to_hex: decodes `hex` into `out`, which it must fill exactly. Returns false,
// leaving `out` unspecified, unless `hex` is 2 * out.size() digits 0-9a-f. Uppercase digits are
// refused, so that whenever this succeeds to_hex(out) gives back `hex` itself.
inline bool from_hex(std::string_view hex, std::span<char> out) {
  auto digit = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  if (hex.size() != 2 * out.size()) return false;
  for (std::size_t i = 0; i < out.size(); ++i) {
    const int high = digit(hex[2 * i]);
    const int low = digit(hex[2 * i + 1]);
    if (high < 0 || low < 0) return false;
    out[i] = static_cast<char>(high << 4 | low);
  }
  return true;
}

}  // namespace redoubt
