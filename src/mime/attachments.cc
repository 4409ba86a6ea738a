#include "mime/attachments.h"

#include "base/ascii.h"
#include "mime/body_parts.h"
#include "mime/body_text.h"
#include "mime/header.h"

namespace redoubt::mime {

std::vector<Attachment> list_attachments(const Message& message, const Limits& limits) {
  BodyParts parts = select_body_parts(message, limits);
  std::vector<Attachment> out;
  out.reserve(parts.attachments.size());
  for (std::uint32_t index : parts.attachments) {
    const Part& p = message.part(index);
    Attachment a;
    a.part = index;
    a.filename = part_filename(message, p, limits);
    a.media_type = ascii::lower(p.type) + "/" + ascii::lower(p.subtype);
    a.disposition = part_disposition(message, p);
    if (const HeaderField* id = message.field(p, p.id_field)) {
      std::string v = unfold(id->value);
      if (v.size() >= 2 && v.front() == '<' && v.back() == '>') v = v.substr(1, v.size() - 2);
      a.content_id = v;
    }
    a.encoded_size = p.body_size;
    a.is_inline = a.disposition != "attachment" &&
                  (ascii::iequals(p.type, "image") || ascii::iequals(p.type, "audio") ||
                   ascii::iequals(p.type, "video"));
    out.push_back(std::move(a));
  }
  return out;
}

}  // namespace redoubt::mime
