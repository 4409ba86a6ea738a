#include "mime/body_parts.h"

#include "base/ascii.h"
#include "mime/body_text.h"

namespace redoubt::mime {
namespace {

// RFC 8621 §4.1.4 isInlineMediaType: image/*, audio/*, video/*.
bool is_inline_media(const Part& p) {
  return ascii::iequals(p.type, "image") || ascii::iequals(p.type, "audio") ||
         ascii::iequals(p.type, "video");
}

struct Walker {
  const Message& message;
  const Limits& limits;
  BodyParts& out;

  // parseStructure(parts, multipartType, inAlternative, htmlBody, textBody, attachments). A
  // null list of the pseudo-code is `use_text` / `use_html` false.
  void walk(std::uint32_t first, std::string_view multipart_type, bool in_alternative,
            bool use_html, bool use_text) {
    std::size_t text_length = use_text ? out.text_body.size() : std::size_t(-1);
    std::size_t html_length = use_html ? out.html_body.size() : std::size_t(-1);
    const bool alternative = ascii::iequals(multipart_type, "alternative");
    std::size_t i = 0;
    for (std::uint32_t c = first; c != kNoPart; c = message.part(c).next_sibling, ++i) {
      const Part& part = message.part(c);
      bool is_multipart = part.kind == PartKind::kMultipart;
      bool is_plain = is_type(part, "text", "plain");
      bool is_html = is_type(part, "text", "html");
      bool is_inline =
          part_disposition(message, part) != "attachment" &&
          (is_plain || is_html || is_inline_media(part)) &&
          (i == 0 || (!ascii::iequals(multipart_type, "related") &&
                      (is_inline_media(part) || part_filename(message, part, limits).empty())));
      if (is_multipart) {
        walk(part.first_child, part.subtype,
             in_alternative || ascii::iequals(part.subtype, "alternative"), use_html, use_text);
      } else if (is_inline) {
        if (alternative) {
          if (is_plain) {
            out.text_body.push_back(c);
          } else if (is_html) {
            out.html_body.push_back(c);
          } else {
            out.attachments.push_back(c);
          }
          continue;
        }
        // As in the pseudo-code, dropping a list lasts for the rest of this multipart.
        if (in_alternative) {
          if (is_plain) use_html = false;
          if (is_html) use_text = false;
        }
        if (use_text) out.text_body.push_back(c);
        if (use_html) out.html_body.push_back(c);
        if ((!use_text || !use_html) && is_inline_media(part)) out.attachments.push_back(c);
      } else {
        out.attachments.push_back(c);
      }
    }
    if (alternative && use_text && use_html) {
      // Found HTML part only: it serves as text too; and the converse.
      if (text_length == out.text_body.size() && html_length != out.html_body.size()) {
        for (std::size_t k = html_length; k < out.html_body.size(); ++k) {
          out.text_body.push_back(out.html_body[k]);
        }
      }
      if (html_length == out.html_body.size() && text_length != out.text_body.size()) {
        for (std::size_t k = text_length; k < out.text_body.size(); ++k) {
          out.html_body.push_back(out.text_body[k]);
        }
      }
    }
  }
};

}  // namespace

BodyParts select_body_parts(const Message& message, const Limits& limits) {
  BodyParts out;
  Walker walker{message, limits, out};
  // parseStructure([bodyStructure], 'mixed', false, htmlBody, textBody, attachments)
  walker.walk(0, "mixed", false, true, true);
  return out;
}

}  // namespace redoubt::mime
