#include "imap/server/summary.h"

#include "mime/body_structure.h"
#include "mime/envelope.h"

namespace redoubt::imap::server {

store::MessageSummary summarize(const mime::Message& message) {
  store::MessageSummary summary{.version = kSummaryVersion};
  mime::append_envelope(summary.envelope, mime::make_envelope(message, message.root()));
  mime::append_body_structure(summary.body, message, message.root(), false);
  mime::append_body_structure(summary.body_structure, message, message.root(), true);
  return summary;
}

store::MessageSummary summarize(std::string_view message) {
  return summarize(mime::parse_message(message));
}

}  // namespace redoubt::imap::server
