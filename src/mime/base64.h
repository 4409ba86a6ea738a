#pragma once

// RFC 2045 §6.8 base64, as a receiver must read it.

#include <string>
#include <string_view>

namespace redoubt::mime {

// Appends the bytes `encoded` holds to `out`. Lenient, as RFC 2045 §6.8 asks of receivers:
// characters outside the alphabet (line breaks, spaces, junk) are ignored; "=" padding ends the
// data and anything after it is ignored; a final quantum without padding still yields the whole
// bytes it holds (2 or 3 characters), and a lone final character is dropped. Returns false if
// anything was ignored or dropped other than line breaks, so callers can flag the part.
// Linear time; `out` grows by at most 3/4 of encoded.size().
bool decode_base64(std::string_view encoded, std::string& out);
std::string decode_base64(std::string_view encoded);

// Encodes `bytes` (used for tests and round trips). With line_length > 0, inserts CRLF every
// line_length output characters (RFC 2045 §6.8: at most 76).
std::string encode_base64(std::string_view bytes, std::size_t line_length = 0);

}  // namespace redoubt::mime
