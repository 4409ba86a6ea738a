#include "smtp/server/trace_headers.h"

#include "base/date.h"

namespace redoubt::smtp::server {
namespace {

// Keeps printable ASCII other than the characters that would end a comment or a header.
std::string sanitise(std::string_view text) {
  std::string out;
  for (char c : text.substr(0, 255)) {
    out.push_back((c > ' ' && c < 127 && c != '(' && c != ')' && c != '\\' && c != ';') ? c : '_');
  }
  return out.empty() ? "unknown" : out;
}

}  // namespace

std::string trace_headers(const TraceInfo& info) {
  std::string out;
  out.reserve(320);
  // RFC 5321 §4.4: the final delivery inserts Return-Path with the MAIL FROM reverse-path.
  out += "Return-Path: <";
  out += info.reverse_path;
  out += ">\r\nReceived: from ";
  out += sanitise(info.helo);
  out += " ([";
  out += info.remote_ip;
  out += "])\r\n\tby ";
  out += info.hostname;
  out += " (Redoubt) with ";
  out += info.protocol;
  if (!info.tls.empty()) {
    out += "\r\n\t(";
    out += info.tls;
    out += ')';
  }
  out += "\r\n\tid ";
  out += info.id;
  if (!info.for_recipient.empty()) {
    out += "\r\n\tfor <";
    out += info.for_recipient;
    out += '>';
  }
  out += "; ";
  out += rfc5322_date(info.when);
  out += "\r\n";
  return out;
}

}  // namespace redoubt::smtp::server
