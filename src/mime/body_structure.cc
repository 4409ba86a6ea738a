#include "mime/body_structure.h"

#include <optional>
#include <string_view>

#include "base/ascii.h"
#include "mime/content_type.h"
#include "mime/envelope.h"
#include "mime/header.h"
#include "mime/imap_string.h"
#include "mime/lexer.h"
#include "mime/parameters.h"

namespace redoubt::mime {
namespace {

constexpr std::string_view kEmptyBody =
    R"(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 0 0))";
constexpr std::string_view kEmptyEnvelope = "(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)";

// RFC 9051 §9 body-fld-param = "(" string SP string *(SP string SP string) ")" / nil
void append_params(std::string& out, std::string_view raw, const Limits& limits) {
  std::vector<Parameter> params = parse_parameters(raw, limits);
  if (params.empty()) {
    out += "NIL";
    return;
  }
  out.push_back('(');
  bool first = true;
  for (const Parameter& p : params) {
    if (!first) out.push_back(' ');
    first = false;
    append_imap_string(out, p.wire_name);
    out.push_back(' ');
    append_imap_string(out, p.wire_value);
  }
  out.push_back(')');
}

std::optional<std::string> field_value(const Message& m, const Part& p, std::uint32_t index) {
  const HeaderField* f = m.field(p, index);
  if (f == nullptr) return std::nullopt;
  return unfold(f->value);
}

void append_field(std::string& out, const Message& m, const Part& p, std::uint32_t index) {
  std::optional<std::string> v = field_value(m, p, index);
  append_imap_nstring(out, v ? std::optional<std::string_view>(*v) : std::nullopt);
}

// body-fld-dsp = "(" string SP body-fld-param ")" / nil   (RFC 2183)
void append_disposition(std::string& out, const Message& m, const Part& p, const Limits& limits) {
  const HeaderField* f = m.field(p, p.disposition_field);
  Disposition d = f == nullptr ? Disposition{} : parse_disposition(f->value);
  if (d.type.empty()) {
    out += "NIL";
    return;
  }
  out.push_back('(');
  append_imap_string(out, d.type);
  out.push_back(' ');
  append_params(out, d.parameters, limits);
  out.push_back(')');
}

// body-fld-lang = nstring / "(" string *(SP string) ")"   (RFC 3282 Content-Language)
void append_language(std::string& out, const Message& m, const Part& p) {
  std::optional<std::string> v = field_value(m, p, p.language_field);
  std::vector<std::string> tags;
  if (v) {
    std::string_view rest = *v;
    while (!rest.empty()) {
      std::size_t comma = rest.find(',');
      std::string_view tag = ascii::trim(rest.substr(0, comma));
      // Drop comments, which RFC 3282 allows around tags.
      if (std::size_t paren = tag.find('('); paren != std::string_view::npos) {
        tag = ascii::trim(tag.substr(0, paren));
      }
      if (!tag.empty()) tags.emplace_back(tag);
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    }
  }
  if (tags.empty()) {
    out += "NIL";
  } else if (tags.size() == 1) {
    append_imap_string(out, tags[0]);
  } else {
    out.push_back('(');
    for (std::size_t i = 0; i < tags.size(); ++i) {
      if (i > 0) out.push_back(' ');
      append_imap_string(out, tags[i]);
    }
    out.push_back(')');
  }
}

// body-fld-loc = nstring (RFC 2557 Content-Location; folding whitespace is not part of a URI,
// RFC 2557 §4.4.1).
void append_location(std::string& out, const Message& m, const Part& p) {
  const HeaderField* f = m.field(p, p.location_field);
  if (f == nullptr) {
    out += "NIL";
    return;
  }
  std::string v;
  for (char c : f->value) {
    if (!is_wsp_or_break(c)) v.push_back(c);
  }
  append_imap_string(out, v);
}

void append_extension_tail(std::string& out, const Message& m, const Part& p,
                           const Limits& limits) {
  out.push_back(' ');
  append_disposition(out, m, p, limits);
  out.push_back(' ');
  append_language(out, m, p);
  out.push_back(' ');
  append_location(out, m, p);
}

std::string_view media_parameters(const Message& m, const Part& p) {
  const HeaderField* f = m.field(p, p.content_type_field);
  if (f == nullptr) return {};
  MediaType media = parse_media_type(f->value);
  return media.is_valid() ? media.parameters : std::string_view();
}

void append_body(std::string& out, const Message& m, const Part& p, bool extended,
                 const Limits& limits) {
  out.push_back('(');
  // A multipart kept as a leaf (no boundary, or past a limit) still gets the multipart form,
  // with the one empty part a childless multipart shows, so clients see the type they expect.
  if (p.kind == PartKind::kMultipart || ascii::iequals(p.type, "multipart")) {
    // RFC 9051 §9 body-type-mpart = 1*body SP media-subtype [SP body-ext-mpart]
    if (p.first_child == kNoPart) out += kEmptyBody;
    for (std::uint32_t c = p.first_child; c != kNoPart; c = m.part(c).next_sibling) {
      append_body(out, m, m.part(c), extended, limits);
    }
    out.push_back(' ');
    append_imap_string(out, p.subtype);
    if (extended) {
      // body-ext-mpart = body-fld-param [SP body-fld-dsp [SP body-fld-lang [SP body-fld-loc]]]
      out.push_back(' ');
      append_params(out, media_parameters(m, p), limits);
      append_extension_tail(out, m, p, limits);
    }
    out.push_back(')');
    return;
  }

  // body-type-1part: body-fields = body-fld-param SP body-fld-id SP body-fld-desc SP
  //                                body-fld-enc SP body-fld-octets
  append_imap_string(out, p.type);
  out.push_back(' ');
  append_imap_string(out, p.subtype);
  out.push_back(' ');
  if (p.content_type_field == kNoField || !parse_media_type(m.field(p, p.content_type_field)->value)
                                                .is_valid()) {
    if (ascii::iequals(p.type, "text")) {
      out += R"(("charset" "us-ascii"))";  // RFC 2045 §5.2 default
    } else {
      out += "NIL";
    }
  } else {
    append_params(out, media_parameters(m, p), limits);
  }
  out.push_back(' ');
  append_field(out, m, p, p.id_field);
  out.push_back(' ');
  append_field(out, m, p, p.description_field);
  out.push_back(' ');
  {
    const HeaderField* f = m.field(p, p.transfer_encoding_field);
    std::string_view token;
    if (f != nullptr) parse_transfer_encoding(f->value, token);
    append_imap_string(out, token.empty() ? std::string_view("7bit") : token);
  }
  out.push_back(' ');
  out += std::to_string(p.body_size);

  bool is_message_type = ascii::iequals(p.type, "message") &&
                         (ascii::iequals(p.subtype, "rfc822") || ascii::iequals(p.subtype, "global"));
  if (is_message_type) {
    // body-type-msg = media-message SP body-fields SP envelope SP body SP body-fld-lines
    out.push_back(' ');
    if (const Part* inner = m.encapsulated(p)) {
      append_envelope(out, make_envelope(m, *inner, limits));
      out.push_back(' ');
      append_body(out, m, *inner, extended, limits);
    } else {
      out += kEmptyEnvelope;
      out.push_back(' ');
      out += kEmptyBody;
    }
    out.push_back(' ');
    out += std::to_string(p.body_lines);
  } else if (ascii::iequals(p.type, "text")) {
    // body-type-text = media-text SP body-fields SP body-fld-lines
    out.push_back(' ');
    out += std::to_string(p.body_lines);
  }
  if (extended) {
    // body-ext-1part = body-fld-md5 [SP body-fld-dsp [SP body-fld-lang [SP body-fld-loc]]]
    out.push_back(' ');
    append_field(out, m, p, p.md5_field);
    append_extension_tail(out, m, p, limits);
  }
  out.push_back(')');
}

}  // namespace

void append_body_structure(std::string& out, const Message& message, const Part& part,
                           bool extended, const Limits& limits) {
  append_body(out, message, part, extended, limits);
}

std::string body_structure(const Message& message, bool extended, const Limits& limits) {
  std::string out;
  append_body(out, message, message.root(), extended, limits);
  return out;
}

}  // namespace redoubt::mime
