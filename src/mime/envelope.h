#pragma once

// The IMAP ENVELOPE of a message (RFC 9051 §7.5.2), also the basis of JMAP's header views.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mime/address.h"
#include "mime/limits.h"
#include "mime/message.h"

namespace redoubt::mime {

struct Envelope {
  // Field bodies unfolded (RFC 5322 §2.2.3) and trimmed, otherwise raw (encoded words kept, as
  // IMAP requires); nullopt when the field is absent. The first occurrence of a field counts.
  std::optional<std::string> date;
  std::optional<std::string> subject;
  std::optional<std::string> in_reply_to;
  std::optional<std::string> message_id;
  // Address lists; empty when absent or without addresses. Sender and Reply-To are already
  // defaulted to From (RFC 9051 §7.5.2: "If the Sender or Reply-To lines are absent in the
  // [RFC-5322] header, or are present but empty, the server sets the corresponding member of
  // the envelope to be the same value as the from member").
  std::vector<Address> from;
  std::vector<Address> sender;
  std::vector<Address> reply_to;
  std::vector<Address> to;
  std::vector<Address> cc;
  std::vector<Address> bcc;
};

// The envelope of the message whose root is `message_root`: the top-level root, or the
// encapsulated root of a message/rfc822 part.
Envelope make_envelope(const Message& message, const Part& message_root,
                       const Limits& limits = {});

// Appends the RFC 9051 §7.5.2 / §9 `envelope` production:
//   "(" env-date SP env-subject SP env-from SP env-sender SP env-reply-to SP env-to SP env-cc
//       SP env-bcc SP env-in-reply-to SP env-message-id ")"
// Address lists are NIL when empty. A group is a start marker (NIL NIL "name" NIL), its members,
// and an end marker (NIL NIL NIL NIL). A mailbox without domain gets host "MISSING_DOMAIN" and an
// empty local part "MISSING_MAILBOX" (as Dovecot does), since a NIL host would mean a group.
void append_envelope(std::string& out, const Envelope& envelope);
std::string envelope_to_imap(const Envelope& envelope);

}  // namespace redoubt::mime
