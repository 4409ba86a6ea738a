#include "mime/content_type.h"

#include "base/ascii.h"
#include "mime/lexer.h"

namespace redoubt::mime {

MediaType parse_media_type(std::string_view raw_value) {
  MediaType m;
  Lexer in(raw_value);
  std::string_view type = in.take_token();
  if (type.empty() || !in.consume('/')) return m;
  std::string_view subtype = in.take_token();
  if (subtype.empty()) return m;
  m.type = type;
  m.subtype = subtype;
  m.parameters = in.rest();
  return m;
}

Disposition parse_disposition(std::string_view raw_value) {
  Disposition d;
  Lexer in(raw_value);
  d.type = in.take_token();
  d.parameters = in.rest();
  return d;
}

TransferEncoding parse_transfer_encoding(std::string_view raw_value, std::string_view& token) {
  Lexer in(raw_value);
  token = in.take_token();
  if (ascii::iequals(token, "7bit")) return TransferEncoding::k7bit;
  if (ascii::iequals(token, "8bit")) return TransferEncoding::k8bit;
  if (ascii::iequals(token, "binary")) return TransferEncoding::kBinary;
  if (ascii::iequals(token, "quoted-printable")) return TransferEncoding::kQuotedPrintable;
  if (ascii::iequals(token, "base64")) return TransferEncoding::kBase64;
  if (token.empty()) return TransferEncoding::k7bit;
  return TransferEncoding::kOther;
}

}  // namespace redoubt::mime
