// fuzz-deps: redoubt_mime
// Base64 (RFC 2045 §6.8): decoding any bytes stays within 3/4 of the input, and decoding what we
// encode gives back the bytes, with or without line breaks.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "mime/base64.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string out;
  redoubt::mime::decode_base64(input, out);
  if (out.size() > size / 4 * 3 + 3) std::abort();
  for (std::size_t line : {0, 76}) {
    std::string encoded = redoubt::mime::encode_base64(input, line);
    std::string back;
    if (!redoubt::mime::decode_base64(encoded, back) || back != input) std::abort();
  }
  return 0;
}
