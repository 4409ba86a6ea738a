#pragma once

// MIME parameters (RFC 2045 §5.1) with RFC 2231 continuations, charsets and languages.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "mime/limits.h"

namespace redoubt::mime {

struct Parameter {
  // Attribute, lowercased, without RFC 2231 markers: "filename*0*" gives "filename".
  std::string name;
  // The value as UTF-8: quotes removed, continuations joined in order (RFC 2231 §3), extended
  // segments percent-decoded and converted from their charset (RFC 2231 §4), and RFC 2047
  // encoded words inside plain values decoded (not allowed by RFC 2047 §5, sent by many
  // mailers, decoded by Python's email, Thunderbird and Dovecot alike).
  std::string value;
  // The form IMAP BODYSTRUCTURE carries (as Dovecot sends it): continuations joined, quotes
  // removed, but extended values left in RFC 2231 form (charset'language'%XX) with `name*` as
  // attribute, so clients that know RFC 2231 can decode them.
  std::string wire_name;
  std::string wire_value;
  // RFC 2231 §5 language tag of an extended value, if any.
  std::string language;
};

// Parses the parameter list that follows a media type or disposition type: `text` starts at or
// before the first ';'. Lenient where real mail is broken: a missing ';' before a parameter,
// unquoted values with spaces (taken up to the next ';'), unterminated quotes (to the end),
// and unknown charsets (lossless fallback, see convert_to_utf8) are accepted. The first of two
// parameters with the same name wins. At most limits.max_parameters are kept.
std::vector<Parameter> parse_parameters(std::string_view text, const Limits& limits = {});

// The value of the parameter `name` (lowercase), or nullptr.
const Parameter* find_parameter(const std::vector<Parameter>& params, std::string_view name);

}  // namespace redoubt::mime
