// fuzz-deps: redoubt_mime
// RFC 2047 encoded words, RFC 2231 parameters and RFC 5322 address lists over arbitrary field
// bodies: the decoded forms are always valid UTF-8, and the parsers respect their limits.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "mime/address.h"
#include "mime/charset.h"
#include "mime/content_type.h"
#include "mime/parameters.h"
#include "mime/rfc2047.h"

using namespace redoubt::mime;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  if (!is_valid_utf8(decode_unstructured(input))) std::abort();
  if (!is_valid_utf8(decode_encoded_words(input))) std::abort();

  Limits limits;
  limits.max_parameters = 8;
  limits.max_addresses = 16;
  MediaType media = parse_media_type(input);
  for (const Parameter& p : parse_parameters(media.is_valid() ? media.parameters : input, limits)) {
    if (!is_valid_utf8(p.value)) std::abort();
  }
  if (parse_parameters(input, limits).size() > limits.max_parameters) std::abort();
  auto addresses = parse_address_list(input, limits);
  if (addresses.size() > limits.max_addresses) std::abort();
  for (const Address& a : addresses) {
    if (!is_valid_utf8(decoded_name(a))) std::abort();
    addr_spec(a);
  }
  return 0;
}
