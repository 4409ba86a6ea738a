#pragma once

// Content-Type (RFC 2045 §5), Content-Disposition (RFC 2183) and Content-Transfer-Encoding
// (RFC 2045 §6), read from raw field bodies without copying.

#include <string_view>

namespace redoubt::mime {

struct MediaType {
  // Views into the field body, case as written. Empty if the field was unparseable.
  std::string_view type;
  std::string_view subtype;
  // The rest of the field after the subtype (the parameter list, for parse_parameters()).
  std::string_view parameters;
  bool is_valid() const { return !type.empty() && !subtype.empty(); }
};

// RFC 2045 §5.1: type "/" subtype *(";" parameter), with CFWS allowed around the tokens. An
// unparseable value (no '/', empty type or subtype) gives an invalid MediaType; the caller then
// assumes text/plain (RFC 2045 §5.2). Never allocates.
MediaType parse_media_type(std::string_view raw_value);

// RFC 2183 §2: disposition-type *(";" disposition-parm). `type` is a view, case as written;
// empty if absent.
struct Disposition {
  std::string_view type;
  std::string_view parameters;
};
Disposition parse_disposition(std::string_view raw_value);

// RFC 2045 §6.1 mechanisms.
enum class TransferEncoding { k7bit, k8bit, kBinary, kQuotedPrintable, kBase64, kOther };

// The mechanism named by a Content-Transfer-Encoding field body (case-insensitive, CFWS
// allowed); `token` receives the name as written. An absent field means 7bit (RFC 2045 §6.1).
TransferEncoding parse_transfer_encoding(std::string_view raw_value, std::string_view& token);

}  // namespace redoubt::mime
