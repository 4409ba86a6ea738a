#pragma once

#include <span>
#include <string>
#include <string_view>

#include "smtp/proto/data_reader.h"
#include "smtp/proto/syntax_error.h"

namespace redoubt::smtp::proto {

// A fixed SMTP reply: code (RFC 5321 §4.2), enhanced status code (RFC 3463, registry RFC 5248;
// "" for none) and text. All three point to static storage.
struct Reply {
  int code;
  std::string_view enhanced;
  std::string_view text;
  bool operator==(const Reply&) const = default;
};

// One reply line: "250 2.1.0 Ok\r\n", or "250 Ok\r\n" when `enhanced` is empty (RFC 2034 §3 says
// which replies carry one: not the greeting nor EHLO/HELO replies). Control characters in `text`
// (which must never reach the wire: a CR or LF would start a new reply) become "?".
// REQUIRES: 200 <= code <= 599; `enhanced` empty or of the code's class ("2.x.y" for 2yz).
std::string format_reply(int code, std::string_view enhanced, std::string_view text);

// format_reply(reply.code, reply.enhanced, reply.text).
std::string format_reply(const Reply& reply);

// A multi-line reply (RFC 5321 §4.2.1): every line but the last is "code-", the last "code ";
// each carries `enhanced` when it is not empty (RFC 2034 §3). Same sanitising as format_reply().
// REQUIRES: `lines` is not empty; the requirements of format_reply().
std::string format_multiline_reply(int code, std::string_view enhanced,
                                   std::span<const std::string> lines);

// The reply for a command that failed to parse. Its text is generic; a session may send
// SyntaxError::reason as the text instead, which is fixed too and a little more helpful.
const Reply& reply_for(SyntaxError::Kind kind);

// The reply after the end of a DATA body (or the last BDAT chunk) that was refused for `error`.
const Reply& reply_for(DataError error);

}  // namespace redoubt::smtp::proto
