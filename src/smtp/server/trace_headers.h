#pragma once

// The trace fields a final delivery adds on top of a message (RFC 5321 §4.4, RFC 5322 §3.6.7).

#include <ctime>
#include <string>
#include <string_view>

namespace redoubt::smtp::server {

struct TraceInfo {
  std::string_view reverse_path;  // "" for the null sender "<>".
  std::string_view helo;          // As the client gave it.
  std::string_view remote_ip;
  std::string_view hostname;      // Ours.
  std::string_view protocol;      // RFC 3848 / RFC 6531 "with" keyword: SMTP, ESMTP, ESMTPS, UTF8SMTPS...
  std::string_view tls;           // "TLSv1.3 with cipher ..." or "".
  std::string_view id;            // Our id for this message, also in the 250 reply and the log.
  std::string_view for_recipient; // Named only when the message has exactly one recipient.
  std::time_t when;
};

// "Return-Path: <...>\r\nReceived: ...\r\n". The client-supplied HELO is sanitised so it cannot
// break out of its comment or inject header lines.
std::string trace_headers(const TraceInfo& info);

}  // namespace redoubt::smtp::server
