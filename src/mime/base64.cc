#include "mime/base64.h"

#include <array>
#include <cstdint>

namespace redoubt::mime {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::uint8_t kInvalid = 0xff;
constexpr std::uint8_t kPad = 0xfe;
constexpr std::uint8_t kBreak = 0xfd;

constexpr std::array<std::uint8_t, 256> make_table() {
  std::array<std::uint8_t, 256> t{};
  for (auto& v : t) v = kInvalid;
  for (int i = 0; i < 64; ++i) t[static_cast<unsigned char>(kAlphabet[i])] = std::uint8_t(i);
  t['='] = kPad;
  t['\r'] = kBreak;
  t['\n'] = kBreak;
  return t;
}
constexpr std::array<std::uint8_t, 256> kTable = make_table();

}  // namespace

bool decode_base64(std::string_view encoded, std::string& out) {
  bool clean = true;
  std::uint32_t quantum = 0;
  int count = 0;  // sextets in `quantum`
  std::size_t i = 0;
  const std::size_t n = encoded.size();
  out.reserve(out.size() + n / 4 * 3 + 3);
  for (; i < n; ++i) {
    std::uint8_t v = kTable[static_cast<unsigned char>(encoded[i])];
    if (v < 64) {
      quantum = (quantum << 6) | v;
      if (++count == 4) {
        out.push_back(char(quantum >> 16));
        out.push_back(char((quantum >> 8) & 0xff));
        out.push_back(char(quantum & 0xff));
        quantum = 0;
        count = 0;
      }
      continue;
    }
    if (v == kBreak) continue;
    if (v == kPad) {
      // RFC 2045 §6.8: "=" can only end the data. A pad where no data is pending is noise.
      if (count >= 2) break;
      clean = false;
      continue;
    }
    clean = false;  // RFC 2045 §6.8: other characters are ignored.
  }
  // A final partial quantum: 2 sextets hold one byte, 3 hold two (RFC 4648 §4 padding rules).
  if (count == 2) {
    out.push_back(char(quantum >> 4));
  } else if (count == 3) {
    out.push_back(char(quantum >> 10));
    out.push_back(char((quantum >> 2) & 0xff));
  } else if (count == 1) {
    clean = false;
  }
  if (i < n) {
    // Stopped at padding: the rest must be padding and line breaks only.
    for (++i; i < n; ++i) {
      std::uint8_t v = kTable[static_cast<unsigned char>(encoded[i])];
      if (v != kPad && v != kBreak && encoded[i] != ' ' && encoded[i] != '\t') clean = false;
    }
  }
  return clean;
}

std::string decode_base64(std::string_view encoded) {
  std::string out;
  decode_base64(encoded, out);
  return out;
}

std::string encode_base64(std::string_view bytes, std::size_t line_length) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4 + (line_length ? bytes.size() / line_length * 2 : 0));
  std::size_t column = 0;
  auto put = [&](char c) {
    if (line_length > 0 && column == line_length) {
      out += "\r\n";
      column = 0;
    }
    out.push_back(c);
    ++column;
  };
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    std::uint32_t q = (std::uint32_t(std::uint8_t(bytes[i])) << 16) |
                      (std::uint32_t(std::uint8_t(bytes[i + 1])) << 8) | std::uint8_t(bytes[i + 2]);
    put(kAlphabet[q >> 18]);
    put(kAlphabet[(q >> 12) & 63]);
    put(kAlphabet[(q >> 6) & 63]);
    put(kAlphabet[q & 63]);
  }
  if (std::size_t left = bytes.size() - i; left > 0) {
    std::uint32_t q = std::uint32_t(std::uint8_t(bytes[i])) << 16;
    if (left == 2) q |= std::uint32_t(std::uint8_t(bytes[i + 1])) << 8;
    put(kAlphabet[q >> 18]);
    put(kAlphabet[(q >> 12) & 63]);
    put(left == 2 ? kAlphabet[(q >> 6) & 63] : '=');
    put('=');
  }
  return out;
}

}  // namespace redoubt::mime
