#pragma once

// The text of a message, for search indexing and previews.

#include <cstddef>
#include <string>
#include <string_view>

#include "mime/limits.h"
#include "mime/message.h"

namespace redoubt::mime {

// Plain text from HTML: tags dropped, <script>/<style> content dropped, block elements
// (p, div, br, li, tr, h1-h6) become line breaks, the common character references (named ones
// of HTML 4's Latin-1 and special sets that mail uses, and all numeric ones) are decoded.
// Not a browser: good enough to index and preview, never used to render. Linear time.
std::string html_to_text(std::string_view html);

// The text of the message's text body parts (RFC 8621 §4.1.4 textBody), decoded to UTF-8, HTML
// turned into text, parts separated by a blank line. Stops after about `max_bytes`.
std::string message_text(const Message& message, std::size_t max_bytes = 1 << 20,
                         const Limits& limits = {});

// JMAP Email "preview" (RFC 8621 §4.1.4): the start of message_text() with runs of whitespace
// collapsed to one space, cut at a UTF-8 character boundary to at most `max_chars` characters.
std::string preview(const Message& message, std::size_t max_chars = 256,
                    const Limits& limits = {});

}  // namespace redoubt::mime
