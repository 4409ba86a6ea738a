#pragma once

// The attachment list of a message (what a mail client shows as files).

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "mime/limits.h"
#include "mime/message.h"

namespace redoubt::mime {

struct Attachment {
  std::uint32_t part = kNoPart;  // index into Message::parts()
  std::string filename;          // UTF-8; empty if the part names none
  std::string media_type;        // "type/subtype", lowercased
  std::string disposition;       // "attachment", "inline" or empty
  std::string content_id;        // Content-ID without the angle brackets; empty if absent
  std::size_t encoded_size = 0;  // body bytes as stored (still transfer-encoded)
  bool is_inline = false;        // an inline image/audio/video shown within the text
};

// The attachments of RFC 8621 §4.1.4 (select_body_parts().attachments), in document order,
// with what a client needs to list them. Encapsulated messages are one attachment each.
std::vector<Attachment> list_attachments(const Message& message, const Limits& limits = {});

}  // namespace redoubt::mime
