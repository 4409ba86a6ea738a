#pragma once

// The IMAP summary of a message (store::MessageSummary): its FETCH ENVELOPE, BODY and
// BODYSTRUCTURE values, computed when the message is stored (SMTP delivery, APPEND) so that
// FETCH answers them from one row read instead of mapping and parsing the body. Dovecot caches
// the same fields in its index for the same reason: a client opening a folder asks for them for
// every message.
//
// Pure: no I/O.

#include <cstdint>
#include <string_view>

#include "mime/message.h"
#include "store/mailbox_info.h"

namespace redoubt::imap::server {

// The version the summaries this code writes carry. Bump it whenever ENVELOPE or BODYSTRUCTURE
// output changes (mime/envelope.h, mime/body_structure.h): rows of other versions are ignored and
// those messages are parsed at FETCH time, as if they had no summary.
inline constexpr std::uint32_t kSummaryVersion = 1;

store::MessageSummary summarize(const mime::Message& message);
store::MessageSummary summarize(std::string_view message);

}  // namespace redoubt::imap::server
