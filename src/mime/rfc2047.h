#pragma once

// RFC 2047 encoded words ("=?charset?B|Q?text?=") in header fields, decoded to UTF-8.

#include <string>
#include <string_view>

namespace redoubt::mime {

// Appends `text` to `out` as UTF-8 with every well-formed encoded word decoded:
//   B and Q encodings (RFC 2047 §4), any charset ICU knows (others: see convert_to_utf8);
//   an RFC 2231 §5 language suffix ("=?utf-8*en?Q?...?=") is accepted and dropped;
//   whitespace between two adjacent encoded words is dropped (RFC 2047 §6.2);
//   adjacent words in the same charset are joined before conversion, so a multi-byte character
//   split across two words (which RFC 2047 §5 forbids but mailers do) survives;
//   a word touching other text is decoded too (lenient, like Python's email and Dovecot);
//   malformed words are left as they are.
// Bytes outside encoded words are kept if they are UTF-8 (RFC 6532) and read as ISO-8859-1
// otherwise (lossless). Line breaks are kept: unfold first if `text` is a raw field body.
// Linear time.
void decode_encoded_words(std::string_view text, std::string& out);
std::string decode_encoded_words(std::string_view text);

// The decoded form of an unstructured field body (RFC 5322 §3.2.5, e.g. Subject): unfolded
// (RFC 5322 §2.2.3), then decode_encoded_words().
std::string decode_unstructured(std::string_view raw_value);

}  // namespace redoubt::mime
