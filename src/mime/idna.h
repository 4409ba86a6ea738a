#pragma once

// IDNA2008 domain names (RFC 5890-5891) through libidn2 (Debian libidn2-dev), with the UTS #46
// non-transitional mapping browsers and MUAs use.

#include <optional>
#include <string>
#include <string_view>

namespace redoubt::mime {

// The U-label form of `domain` for display ("xn--bcher-kva.example" -> "bücher.example"). A domain
// without "xn--" labels comes back unchanged; one libidn2 rejects comes back unchanged too, since
// a display form must never fail. Domain literals ("[192.0.2.1]") are returned as is.
std::string domain_to_unicode(std::string_view domain);

// The A-label form of `domain` (for SMTP and DNS), or nullopt if it is not a valid IDNA2008 name.
// ASCII input is checked and lowercased the same way.
std::optional<std::string> domain_to_ascii(std::string_view domain);

}  // namespace redoubt::mime
