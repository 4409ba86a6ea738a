#include "mime/body_text.h"

#include "base/ascii.h"
#include "mime/base64.h"
#include "mime/content_type.h"
#include "mime/lexer.h"
#include "mime/parameters.h"
#include "mime/quoted_printable.h"

namespace redoubt::mime {
namespace {

std::vector<Parameter> field_parameters(const Message& m, const Part& p, std::uint32_t index,
                                        bool is_content_type, const Limits& limits) {
  const HeaderField* f = m.field(p, index);
  if (f == nullptr) return {};
  if (is_content_type) {
    MediaType media = parse_media_type(f->value);
    if (!media.is_valid()) return {};
    return parse_parameters(media.parameters, limits);
  }
  return parse_parameters(parse_disposition(f->value).parameters, limits);
}

}  // namespace

std::string decode_body(const Message& message, const Part& part) {
  std::string_view body = message.body_bytes(part);
  std::string out;
  switch (part.encoding) {
    case TransferEncoding::kBase64:
      decode_base64(body, out);
      break;
    case TransferEncoding::kQuotedPrintable:
      decode_quoted_printable(body, out);
      break;
    default:
      out.assign(body);
      break;
  }
  return out;
}

std::string part_charset(const Message& message, const Part& part, const Limits& limits) {
  auto params = field_parameters(message, part, part.content_type_field, true, limits);
  const Parameter* charset = find_parameter(params, "charset");
  if (charset == nullptr) return {};
  return ascii::lower(ascii::trim(charset->value));
}

std::string part_text(const Message& message, const Part& part, Conversion* conversion,
                      const Limits& limits) {
  std::string bytes = decode_body(message, part);
  std::string charset = part_charset(message, part, limits);
  std::string out;
  out.reserve(bytes.size());
  Conversion c = convert_to_utf8(charset.empty() ? "us-ascii" : charset, bytes, out);
  if (conversion != nullptr) *conversion = c;
  return out;
}

std::string part_filename(const Message& message, const Part& part, const Limits& limits) {
  auto params = field_parameters(message, part, part.disposition_field, false, limits);
  const Parameter* name = find_parameter(params, "filename");
  if (name == nullptr) {
    params = field_parameters(message, part, part.content_type_field, true, limits);
    name = find_parameter(params, "name");
  }
  if (name == nullptr) return {};
  std::string_view v = name->value;
  while (!v.empty() && is_wsp_or_break(v.front())) v.remove_prefix(1);
  while (!v.empty() && is_wsp_or_break(v.back())) v.remove_suffix(1);
  return std::string(v);
}

std::string part_disposition(const Message& message, const Part& part) {
  const HeaderField* f = message.field(part, part.disposition_field);
  if (f == nullptr) return {};
  return ascii::lower(parse_disposition(f->value).type);
}

}  // namespace redoubt::mime
