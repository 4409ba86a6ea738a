#include "imap/proto/mutf7.h"

#include <cstdint>
#include <vector>

#include "imap/proto/grammar.h"

namespace redoubt::imap::proto {
namespace {

// RFC 3501 §5.1.3: modified BASE64 uses "," instead of "/".
constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == ',') return 63;
  return -1;
}

constexpr bool is_printable(std::uint32_t c) { return c >= 0x20 && c <= 0x7e; }

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// Decodes one base64 run (between "&" and "-") of UTF-16BE into `out`.
Result<void, Mutf7Error> decode_run(std::string_view run, std::string& out) {
  std::uint32_t bits = 0;
  int bit_count = 0;
  std::uint32_t high_surrogate = 0;
  for (char c : run) {
    const int v = base64_value(c);
    if (v < 0) return unexpected(Mutf7Error::kInvalidBase64);
    bits = (bits << 6) | static_cast<std::uint32_t>(v);
    bit_count += 6;
    if (bit_count < 16) continue;
    bit_count -= 16;
    const std::uint32_t unit = (bits >> bit_count) & 0xFFFF;
    bits &= (1u << bit_count) - 1;
    if (high_surrogate != 0) {
      if (unit < 0xDC00 || unit > 0xDFFF) return unexpected(Mutf7Error::kInvalidUtf16);
      append_utf8(out, 0x10000 + ((high_surrogate - 0xD800) << 10) + (unit - 0xDC00));
      high_surrogate = 0;
    } else if (unit >= 0xD800 && unit <= 0xDBFF) {
      high_surrogate = unit;
    } else if (unit >= 0xDC00 && unit <= 0xDFFF) {
      return unexpected(Mutf7Error::kInvalidUtf16);
    } else if (unit == 0) {
      return unexpected(Mutf7Error::kInvalidUtf16);
    } else if (is_printable(unit)) {
      return unexpected(Mutf7Error::kNotShortest);  // Must represent itself.
    } else {
      append_utf8(out, unit);
    }
  }
  if (high_surrogate != 0) return unexpected(Mutf7Error::kInvalidUtf16);
  // Leftover bits must be fewer than one base64 character and zero.
  if (bit_count >= 6 || bits != 0) return unexpected(Mutf7Error::kInvalidBase64);
  return {};
}

void encode_run(const std::vector<std::uint16_t>& units, std::string& out) {
  out.push_back('&');
  std::uint32_t bits = 0;
  int bit_count = 0;
  for (std::uint16_t unit : units) {
    bits = (bits << 16) | unit;
    bit_count += 16;
    while (bit_count >= 6) {
      bit_count -= 6;
      out.push_back(kAlphabet[(bits >> bit_count) & 0x3F]);
    }
    bits &= (1u << bit_count) - 1;
  }
  if (bit_count > 0) out.push_back(kAlphabet[(bits << (6 - bit_count)) & 0x3F]);
  out.push_back('-');
}

}  // namespace

// RFC 3501 §5.1.3
Result<std::string, Mutf7Error> decode_mutf7(std::string_view name) {
  std::string out;
  std::size_t i = 0;
  bool after_run = false;  // The previous octets closed a base64 run ("-").
  while (i < name.size()) {
    const char c = name[i];
    if (!is_printable(grammar::octet(c))) return unexpected(Mutf7Error::kInvalidCharacter);
    if (c != '&') {
      out.push_back(c);
      ++i;
      after_run = false;
      continue;
    }
    const std::size_t end = name.find('-', i + 1);
    if (end == std::string_view::npos) return unexpected(Mutf7Error::kInvalidBase64);
    if (end == i + 1) {  // "&-" is "&"
      out.push_back('&');
      i = end + 1;
      after_run = false;
      continue;
    }
    if (after_run) return unexpected(Mutf7Error::kNotShortest);  // Null shift "-&".
    if (auto r = decode_run(name.substr(i + 1, end - i - 1), out); !r) {
      return unexpected(r.error());
    }
    i = end + 1;
    after_run = true;
  }
  return out;
}

Result<std::string, Mutf7Error> encode_mutf7(std::string_view utf8) {
  std::string out;
  std::vector<std::uint16_t> run;
  for (std::size_t i = 0; i < utf8.size();) {
    const unsigned char c = grammar::octet(utf8[i]);
    if (is_printable(c)) {
      if (!run.empty()) {
        encode_run(run, out);
        run.clear();
      }
      out += c == '&' ? std::string_view("&-") : std::string_view(&utf8[i], 1);
      ++i;
      continue;
    }
    std::uint32_t cp = 0;
    if (c < 0x80) {
      if (c == 0) return unexpected(Mutf7Error::kInvalidUtf16);
      cp = c;  // A control character: base64-encoded like any non-printable.
      ++i;
    } else {
      const std::size_t n = grammar::utf8_non_ascii_length(utf8.substr(i));
      if (n == 0) return unexpected(Mutf7Error::kInvalidCharacter);
      cp = c & (n == 2 ? 0x1F : n == 3 ? 0x0F : 0x07);
      for (std::size_t k = 1; k < n; ++k) cp = (cp << 6) | (grammar::octet(utf8[i + k]) & 0x3F);
      i += n;
    }
    if (cp >= 0x10000) {
      cp -= 0x10000;
      run.push_back(static_cast<std::uint16_t>(0xD800 + (cp >> 10)));
      run.push_back(static_cast<std::uint16_t>(0xDC00 + (cp & 0x3FF)));
    } else {
      run.push_back(static_cast<std::uint16_t>(cp));
    }
  }
  if (!run.empty()) encode_run(run, out);
  return out;
}

}  // namespace redoubt::imap::proto
