#pragma once

// Which parts are the message's text and which are attachments, by the algorithm of RFC 8621
// §4.1.4 (JMAP Email textBody / htmlBody / attachments), which IMAP preview and search share.

#include <cstdint>
#include <vector>

#include "mime/limits.h"
#include "mime/message.h"

namespace redoubt::mime {

struct BodyParts {
  std::vector<std::uint32_t> text_body;    // text/plain preferred; text/html where no plain
  std::vector<std::uint32_t> html_body;    // text/html preferred; text/plain where no html
  std::vector<std::uint32_t> attachments;  // everything else, incl. message/rfc822 parts
};

// Runs RFC 8621 §4.1.4 parseStructure over the top-level message. Encapsulated messages are
// attachments; their insides are not walked. Recursion is bounded by the tree's depth.
BodyParts select_body_parts(const Message& message, const Limits& limits = {});

}  // namespace redoubt::mime
