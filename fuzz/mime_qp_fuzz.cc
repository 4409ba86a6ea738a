// fuzz-deps: redoubt_mime
// Quoted-printable (RFC 2045 §6.7) and RFC 2047 "Q": decoding never grows the input, and
// decoding what we encode gives back the bytes with lines of at most 76 characters.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "mime/quoted_printable.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string out;
  redoubt::mime::decode_quoted_printable(input, out);
  if (out.size() > size) std::abort();
  std::string q;
  redoubt::mime::decode_q(input, q);
  if (q.size() > size) std::abort();
  std::string encoded = redoubt::mime::encode_quoted_printable(input);
  std::size_t line_start = 0;
  for (std::size_t i = 0; i < encoded.size(); ++i) {
    if (encoded[i] == '\n') {
      if (i - line_start > 77) std::abort();  // 76 characters plus CR
      line_start = i + 1;
    }
  }
  if (redoubt::mime::decode_quoted_printable(encoded) != input) std::abort();
  return 0;
}
