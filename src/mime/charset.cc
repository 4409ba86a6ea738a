#include "mime/charset.h"

#include <unicode/ucnv.h>
#include <unicode/ucnv_cb.h>

#include <cstdint>
#include <memory>

#include "base/ascii.h"

namespace redoubt::mime {
namespace {

// Length of the well-formed UTF-8 sequence at bytes[i], or 0 (RFC 3629 §4 table).
std::size_t utf8_sequence(std::string_view bytes, std::size_t i) {
  auto at = [&](std::size_t k) { return static_cast<unsigned char>(bytes[k]); };
  unsigned char c = at(i);
  std::size_t n = bytes.size() - i;
  if (c < 0x80) return 1;
  auto cont = [&](std::size_t k) { return (at(i + k) & 0xc0) == 0x80; };
  if (c >= 0xc2 && c <= 0xdf) return n >= 2 && cont(1) ? 2 : 0;
  if (c >= 0xe0 && c <= 0xef) {
    if (n < 3 || !cont(1) || !cont(2)) return 0;
    if (c == 0xe0 && at(i + 1) < 0xa0) return 0;   // overlong
    if (c == 0xed && at(i + 1) > 0x9f) return 0;   // surrogate
    return 3;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    if (n < 4 || !cont(1) || !cont(2) || !cont(3)) return 0;
    if (c == 0xf0 && at(i + 1) < 0x90) return 0;   // overlong
    if (c == 0xf4 && at(i + 1) > 0x8f) return 0;   // > U+10FFFF
    return 4;
  }
  return 0;
}

bool is_ascii(std::string_view bytes) {
  for (char c : bytes) {
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  }
  return true;
}

void append_latin1(std::string_view bytes, std::string& out) {
  for (char c : bytes) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x80) {
      out.push_back(c);
    } else {
      out.push_back(char(0xc0 | (u >> 6)));
      out.push_back(char(0x80 | (u & 0x3f)));
    }
  }
}

bool is_safe_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    if (!ascii::is_alnum(c) && c != '-' && c != '_' && c != '.' && c != ':' && c != '+' &&
        c != '(' && c != ')') {
      return false;
    }
  }
  return true;
}

enum class Fast { kNone, kAscii, kUtf8, kLatin1 };

Fast fast_path(std::string_view name) {
  if (name.empty() || ascii::iequals(name, "us-ascii") || ascii::iequals(name, "ascii")) {
    return Fast::kAscii;
  }
  if (ascii::iequals(name, "utf-8") || ascii::iequals(name, "utf8")) return Fast::kUtf8;
  if (ascii::iequals(name, "iso-8859-1") || ascii::iequals(name, "latin1") ||
      ascii::iequals(name, "iso_8859-1")) {
    return Fast::kLatin1;
  }
  return Fast::kNone;
}

// Labels that mail mislabels in practice, mapped to the superset decoders the WHATWG Encoding
// Standard (§4.2, "Names and labels") maps them to, as browsers and Thunderbird do: text labelled
// gb2312 is routinely GBK, ks_c_5601-1987 routinely windows-949, big5 routinely Big5-HKSCS. A
// superset decodes every valid text the same way, so nothing valid changes.
std::string_view superset_of(std::string_view name) {
  struct Alias {
    std::string_view label;
    std::string_view decoder;
  };
  static constexpr Alias kAliases[] = {
      {"gb2312", "GB18030"},        {"gb_2312-80", "GB18030"},   {"csgb2312", "GB18030"},
      {"euc-cn", "GB18030"},        {"x-euc-cn", "GB18030"},     {"gbk", "GB18030"},
      {"x-gbk", "GB18030"},         {"cn-gb", "GB18030"},        {"chinese", "GB18030"},
      {"ks_c_5601-1987", "windows-949"}, {"euc-kr", "windows-949"}, {"korean", "windows-949"},
      {"csksc56011987", "windows-949"},  {"ks_c_5601-1989", "windows-949"},
      {"big5", "Big5-HKSCS"},       {"x-x-big5", "Big5-HKSCS"},  {"cn-big5", "Big5-HKSCS"},
      {"csbig5", "Big5-HKSCS"},
  };
  for (const Alias& a : kAliases) {
    if (ascii::iequals(name, a.label)) return a.decoder;
  }
  return name;
}

struct CloseConverter {
  void operator()(UConverter* c) const { ucnv_close(c); }
};
using ConverterPtr = std::unique_ptr<UConverter, CloseConverter>;

ConverterPtr open_converter(std::string_view name) {
  if (!is_safe_name(name)) return nullptr;
  char buffer[65];
  name.copy(buffer, name.size());
  buffer[name.size()] = '\0';
  UErrorCode status = U_ZERO_ERROR;
  ConverterPtr cnv(ucnv_open(buffer, &status));
  if (U_FAILURE(status)) return nullptr;
  return cnv;
}

// Replaces every invalid, illegal or unassigned input sequence with U+FFFD (ICU would use U+001A
// for unassigned bytes of some single-byte charsets) and remembers that it did.
void substitute_callback(const void* context, UConverterToUnicodeArgs* args, const char*,
                         int32_t, UConverterCallbackReason reason, UErrorCode* error) {
  if (reason > UCNV_IRREGULAR) return;  // reset/close/clone: nothing to do
  *static_cast<bool*>(const_cast<void*>(context)) = true;
  static const UChar kReplacement = 0xfffd;
  *error = U_ZERO_ERROR;
  ucnv_cbToUWriteUChars(args, &kReplacement, 1, 0, error);
}

}  // namespace

bool is_valid_utf8(std::string_view bytes) {
  for (std::size_t i = 0; i < bytes.size();) {
    std::size_t n = utf8_sequence(bytes, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

void append_utf8_lossy(std::string_view bytes, std::string& out) {
  for (std::size_t i = 0; i < bytes.size();) {
    std::size_t n = utf8_sequence(bytes, i);
    if (n == 0) {
      out += "\xef\xbf\xbd";
      ++i;
    } else {
      out.append(bytes.data() + i, n);
      i += n;
    }
  }
}

bool is_known_charset(std::string_view charset) {
  charset = ascii::trim(charset);
  return fast_path(charset) != Fast::kNone || open_converter(charset) != nullptr;
}

Conversion convert_to_utf8(std::string_view charset, std::string_view bytes, std::string& out) {
  charset = ascii::trim(charset);
  switch (fast_path(charset)) {
    case Fast::kAscii:
      if (is_ascii(bytes)) {
        out.append(bytes);
        return Conversion::kExact;
      }
      break;  // ICU's US-ASCII turns each 8-bit byte into U+FFFD.
    case Fast::kUtf8:
      if (is_valid_utf8(bytes)) {
        out.append(bytes);
        return Conversion::kExact;
      }
      break;
    case Fast::kLatin1:
      append_latin1(bytes, out);  // ISO-8859-1 is the first 256 code points (RFC 1345).
      return Conversion::kExact;
    case Fast::kNone:
      break;
  }
  ConverterPtr source =
      open_converter(charset.empty() ? std::string_view("US-ASCII") : superset_of(charset));
  if (source == nullptr) {
    if (is_valid_utf8(bytes)) {
      out.append(bytes);
    } else {
      append_latin1(bytes, out);
    }
    return Conversion::kFallback;
  }
  bool replaced = false;
  UErrorCode status = U_ZERO_ERROR;
  ucnv_setToUCallBack(source.get(), substitute_callback, &replaced, nullptr, nullptr, &status);
  ConverterPtr utf8 = open_converter("UTF-8");
  if (U_FAILURE(status) || utf8 == nullptr) {
    append_utf8_lossy(bytes, out);
    return Conversion::kReplaced;
  }
  const char* src = bytes.data();
  const char* src_end = bytes.data() + bytes.size();
  UChar pivot[1024];
  UChar* pivot_source = pivot;
  UChar* pivot_target = pivot;
  char chunk[4096];
  bool first = true;
  for (;;) {
    char* target = chunk;
    status = U_ZERO_ERROR;
    ucnv_convertEx(utf8.get(), source.get(), &target, chunk + sizeof chunk, &src, src_end, pivot,
                   &pivot_source, &pivot_target, pivot + 1024, first, true, &status);
    first = false;
    out.append(chunk, target - chunk);
    if (status != U_BUFFER_OVERFLOW_ERROR) break;
  }
  if (U_FAILURE(status)) replaced = true;
  return replaced ? Conversion::kReplaced : Conversion::kExact;
}

std::string to_utf8(std::string_view charset, std::string_view bytes) {
  std::string out;
  convert_to_utf8(charset, bytes, out);
  return out;
}

}  // namespace redoubt::mime
