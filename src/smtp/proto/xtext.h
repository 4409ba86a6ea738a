#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace redoubt::smtp::proto {

// Decodes xtext (RFC 3461 §4), the encoding of ENVID, ORCPT and AUTH= values:
//   xtext = *( xchar / hexchar ); xchar = %d33-126 except "+" and "="; hexchar = "+" 2HEXDIG
// The RFC writes hex digits in upper case; lower case is accepted too. nullopt if `in` has an
// octet outside xchar or a "+" not followed by two hex digits. The result may hold any octet,
// including NUL: callers check what their parameter allows.
std::optional<std::string> decode_xtext(std::string_view in);

// Encodes any octets as xtext: xchar octets stay, all others become "+HH" (upper-case hex).
// decode_xtext(encode_xtext(s)) == s for every s.
std::string encode_xtext(std::string_view in);

}  // namespace redoubt::smtp::proto
