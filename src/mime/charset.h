#pragma once

// Charset conversion to UTF-8 through ICU (Debian libicu-dev). ICU knows the IANA names and
// their common aliases; names it does not know get a lossless fallback (below), never an error.

#include <string>
#include <string_view>

namespace redoubt::mime {

enum class Conversion {
  kExact,     // Every byte was valid in the charset.
  kReplaced,  // Some sequences were invalid or unmapped; each became U+FFFD.
  kFallback,  // The charset is unknown: the bytes were kept as UTF-8 if valid, else read as
              // ISO-8859-1, which maps each byte to one code point and so loses nothing.
};

// Appends `bytes`, encoded in `charset` (an IANA name or alias, any case, as found in a MIME
// parameter or an encoded word), to `out` as UTF-8. An empty charset means US-ASCII
// (RFC 2045 §5.2). A few labels that mail routinely mislabels (gb2312, ks_c_5601-1987, big5)
// are decoded with the superset decoder the WHATWG Encoding Standard assigns them. Names with characters outside [A-Za-z0-9._:+()-] or longer than 64 bytes are
// treated as unknown (ICU would read options after a comma). Thread-safe; no global state of ours
// (ICU caches converter tables internally).
Conversion convert_to_utf8(std::string_view charset, std::string_view bytes, std::string& out);
std::string to_utf8(std::string_view charset, std::string_view bytes);

// True if ICU can convert from `charset`.
bool is_known_charset(std::string_view charset);

// RFC 3629 §4: true if `bytes` is well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF).
bool is_valid_utf8(std::string_view bytes);

// Appends `bytes` to `out`, replacing each ill-formed UTF-8 sequence by U+FFFD.
void append_utf8_lossy(std::string_view bytes, std::string& out);

}  // namespace redoubt::mime
