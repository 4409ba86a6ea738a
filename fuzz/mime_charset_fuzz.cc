// fuzz-deps: redoubt_mime
// Charset conversion through ICU: the first byte picks a charset (or the first line names one),
// the rest is converted. The output is always valid UTF-8, whatever the name and bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "mime/charset.h"

namespace {

constexpr std::string_view kCharsets[] = {
    "us-ascii", "utf-8",      "iso-8859-1",  "iso-8859-2",   "windows-1252", "windows-1251",
    "koi8-r",   "shift_jis",  "euc-jp",      "iso-2022-jp",  "gb2312",       "gb18030",
    "big5",     "euc-kr",     "utf-16",      "utf-16le",     "utf-32",       "utf-7",
    "hz-gb-2312", "iso-2022-kr", "tis-620",  "x-unknown",    "",             "UTF-16,swaporder",
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string_view charset;
  std::string_view bytes;
  if (input[0] == '!') {
    // "!name\nbytes": an arbitrary charset name.
    std::size_t lf = input.find('\n');
    charset = input.substr(1, lf == std::string_view::npos ? std::string_view::npos : lf - 1);
    bytes = lf == std::string_view::npos ? std::string_view() : input.substr(lf + 1);
  } else {
    charset = kCharsets[static_cast<unsigned char>(input[0]) % std::size(kCharsets)];
    bytes = input.substr(1);
  }
  std::string out;
  redoubt::mime::convert_to_utf8(charset, bytes, out);
  if (!redoubt::mime::is_valid_utf8(out)) std::abort();
  return 0;
}
