#include "mime/envelope.h"

#include "mime/header.h"
#include "mime/imap_string.h"

namespace redoubt::mime {
namespace {

std::optional<std::string> unstructured(const Message& m, const Part& p, std::string_view name) {
  const HeaderField* f = m.find(p, name);
  if (f == nullptr) return std::nullopt;
  return unfold(f->value);
}

std::vector<Address> addresses(const Message& m, const Part& p, std::string_view name,
                               const Limits& limits) {
  const HeaderField* f = m.find(p, name);
  if (f == nullptr) return {};
  return parse_address_list(f->value, limits);
}

void append_address_list(std::string& out, const std::vector<Address>& list) {
  if (list.empty()) {
    out += "NIL";
    return;
  }
  out.push_back('(');
  for (const Address& a : list) {
    // RFC 9051 §9: address = "(" addr-name SP addr-adl SP addr-mailbox SP addr-host ")"
    switch (a.kind) {
      case Address::Kind::kGroupStart:
        out += "(NIL NIL ";
        append_imap_string(out, a.name);
        out += " NIL)";
        break;
      case Address::Kind::kGroupEnd:
        out += "(NIL NIL NIL NIL)";
        break;
      case Address::Kind::kMailbox:
        out.push_back('(');
        append_imap_nstring(out, a.name.empty() ? std::nullopt
                                                : std::optional<std::string_view>(a.name));
        out.push_back(' ');
        append_imap_nstring(out, a.route.empty() ? std::nullopt
                                                 : std::optional<std::string_view>(a.route));
        out.push_back(' ');
        append_imap_string(out, a.mailbox.empty() ? std::string_view("MISSING_MAILBOX")
                                                  : std::string_view(a.mailbox));
        out.push_back(' ');
        append_imap_string(out, a.domain.empty() ? std::string_view("MISSING_DOMAIN")
                                                 : std::string_view(a.domain));
        out.push_back(')');
        break;
    }
  }
  out.push_back(')');
}

std::optional<std::string_view> view(const std::optional<std::string>& s) {
  if (!s) return std::nullopt;
  return std::string_view(*s);
}

}  // namespace

Envelope make_envelope(const Message& m, const Part& p, const Limits& limits) {
  Envelope e;
  e.date = unstructured(m, p, "Date");
  e.subject = unstructured(m, p, "Subject");
  e.in_reply_to = unstructured(m, p, "In-Reply-To");
  e.message_id = unstructured(m, p, "Message-ID");
  e.from = addresses(m, p, "From", limits);
  e.sender = addresses(m, p, "Sender", limits);
  e.reply_to = addresses(m, p, "Reply-To", limits);
  e.to = addresses(m, p, "To", limits);
  e.cc = addresses(m, p, "Cc", limits);
  e.bcc = addresses(m, p, "Bcc", limits);
  if (e.sender.empty()) e.sender = e.from;      // RFC 9051 §7.5.2
  if (e.reply_to.empty()) e.reply_to = e.from;  // RFC 9051 §7.5.2
  return e;
}

void append_envelope(std::string& out, const Envelope& e) {
  out.push_back('(');
  append_imap_nstring(out, view(e.date));
  out.push_back(' ');
  append_imap_nstring(out, view(e.subject));
  for (const auto* list : {&e.from, &e.sender, &e.reply_to, &e.to, &e.cc, &e.bcc}) {
    out.push_back(' ');
    append_address_list(out, *list);
  }
  out.push_back(' ');
  append_imap_nstring(out, view(e.in_reply_to));
  out.push_back(' ');
  append_imap_nstring(out, view(e.message_id));
  out.push_back(')');
}

std::string envelope_to_imap(const Envelope& envelope) {
  std::string out;
  append_envelope(out, envelope);
  return out;
}

}  // namespace redoubt::mime
