#pragma once

// IMAP BODY and BODYSTRUCTURE (RFC 9051 §7.5.2), computed from a parsed Message. Meant to be
// computed once at delivery and cached.

#include <string>

#include "mime/limits.h"
#include "mime/message.h"

namespace redoubt::mime {

// Appends the `body` production (RFC 9051 §9) for `part` and its children. With `extended`
// (BODYSTRUCTURE) every part carries its extension data; without it (BODY) none does.
//   leaf:      ("type" "subtype" body-fld-param body-fld-id body-fld-desc body-fld-enc octets
//               [lines if text/*] [envelope body lines if message/rfc822 or message/global]
//               [md5 dsp lang loc])
//   multipart: (body body ... "subtype" [param dsp lang loc])
// Details as Dovecot does them, where RFC 9051 leaves room:
//   - types, subtypes, parameters and encodings keep the case of the message;
//   - a part without (valid) Content-Type is "text" "plain" ("charset" "us-ascii"), or
//     "message" "rfc822" inside multipart/digest; absent encoding is "7bit";
//   - parameters are RFC 2231-joined; extended ones stay encoded with a "name*" attribute;
//   - a multipart with no parts (or kept as a leaf: no boundary, limits) shows one empty
//     text/plain part, as the grammar needs 1*body;
//   - a message/rfc822 kept opaque (too deep, or encoded) shows an all-NIL envelope and an
//     empty text/plain body;
//   - body-fld-lang is a string for one language tag and a list for several;
//   - strings with 8-bit bytes, CR or LF are sent as literals (see append_imap_string).
// Recursion is bounded by the tree's depth (Limits::max_depth).
void append_body_structure(std::string& out, const Message& message, const Part& part,
                           bool extended, const Limits& limits = {});
std::string body_structure(const Message& message, bool extended = true,
                           const Limits& limits = {});

}  // namespace redoubt::mime
