#pragma once

// The untagged FETCH response (RFC 9051 §7.5.2) of one message, built from what the store knows
// about it (store::MessageInfo), its saved summary (summary.h) and, when an item needs the
// content, its parsed MIME structure.
//
// Pure: no I/O, no store access, no state. Any message bytes and any FetchItem (part numbers up
// to 2^32-1, partial offsets and counts up to 2^64-1) give a well-formed response or a refusal;
// nothing here can crash on peer input.
//
// Choices where the RFCs leave room, as Dovecot makes them unless said otherwise:
// - Body data (BODY[...], RFC822*, BINARY[...]) is always a literal "{n}", never quoted.
// - A section that does not exist (part 9 of a 3-part message, 2.HEADER when part 2 is not a
//   message/rfc822, BINARY of a missing part) is the empty string, written "{0}" CRLF
//   (RFC 9051 §6.4.5 allows NIL or empty). BINARY.SIZE of a missing part is 0.
// - Content holding NUL octets is sent as a literal8 "~{n}" (RFC 3516 §4.2). For BINARY that
//   is what the RFCs say. For BODY[...] and RFC822* it is our choice, and a deviation: RFC 9051
//   §4.3.1 allows unencoded NUL only in a literal8 answering BINARY, and the msg-att grammar
//   has a plain nstring there. We still send the bytes unchanged rather than alter them, so
//   BODY[] stays byte-exact and every partial fetch agrees with RFC822.SIZE. (Dovecot instead
//   replaces each NUL with 0x80 in BODY[]; a client without BINARY support may fail to read
//   "~{n}". Such messages are rare: RFC 5322 §2.3 and MIME forbid NUL outside "binary" parts.)
//   Content without NUL is always a plain literal.
// - HEADER.FIELDS and HEADER.FIELDS.NOT return the matching fields as received, in message
//   order, then CRLF (the blank line; RFC 9051 §6.4.5 includes it in every header fetch).
//   Field names match ignoring ASCII case. Fields beyond mime::Limits::max_headers of a part
//   are not indexed by the parser and never returned by HEADER.FIELDS.
// - The response's section echoes the request: part numbers, the keyword, and the field names
//   as sent (as astrings); BODY.PEEK and BINARY.PEEK are answered as BODY and BINARY.
// - BINARY[] (no part) is the whole message as stored; BINARY of a multipart or of an
//   encapsulated message/rfc822 is its body as stored (nothing to decode); BINARY of any other
//   part is its body with the Content-Transfer-Encoding undone.
// - Items are written in the order asked, except UID, which comes first. Items that would give
//   the same response item name are written once, the first of them: FLAGS FLAGS, BODY[1] and
//   BODY.PEEK[1], even BODY[1]<0.10> and BODY[1]<0.20> (both "BODY[1]<0>", which a client
//   could not tell apart). FLAGS (flags_changed) and MODSEQ (include_modseq) that were not
//   asked for come last.
// - Time is linear in the size of the message and of `items` (HEADER.FIELDS lists are sorted
//   once per item, repeated items found by hashing), so a long FETCH command costs no more per
//   message than its own length.

#include <cstdint>
#include <deque>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "imap/proto/command.h"
#include "imap/proto/response_writer.h"
#include "mime/message.h"
#include "store/mailbox_info.h"

namespace redoubt::imap::server {

struct FetchOptions {
  proto::StringOptions strings;  // Quoting of strings this module writes (section field names).
  // CONDSTORE is enabled: MODSEQ is returned in every FETCH response (RFC 7162 §3.1.4.1,
  // §3.1.10), and with CHANGEDSINCE.
  bool include_modseq = false;
  // UID FETCH: UID is always returned (RFC 9051 §6.4.9).
  bool include_uid = false;
  // The zone INTERNALDATE is shown in, in minutes east of UTC; clamped to -1439..1439.
  int zone_minutes = 0;
};

// What producing `items` needs besides the store's row: nothing (FLAGS, UID, INTERNALDATE,
// RFC822.SIZE, MODSEQ), the message's summary (ENVELOPE, BODY, BODYSTRUCTURE: summary.h), or
// its content (any body section).
enum class FetchNeeds { kRow, kSummary, kContent };
FetchNeeds fetch_needs(std::span<const proto::FetchItem> items);

// Whether any item sets \Seen (RFC 9051 §6.4.5): BODY[...] and BINARY[...] without .PEEK,
// RFC822 and RFC822.TEXT.
bool sets_seen(std::span<const proto::FetchItem> items);

// What a response is built from besides the row. `summary` answers ENVELOPE, BODY and
// BODYSTRUCTURE when its version is kSummaryVersion; otherwise they are computed from
// `message`, the parsed content (its buffer alive until the output is sent).
struct FetchSource {
  const mime::Message* message = nullptr;
  const store::MessageSummary* summary = nullptr;
};

// A FETCH answer as pieces sent in order: text, and large body content that is sent straight
// from the message's buffer (the blob's read-only mapping) instead of being copied, so that
// fetching a 50 MB message does not hold 50 MB of heap. Large decoded content (BINARY) is held
// once, in `owned`, and sent from there.
struct FetchOutput {
  // `bytes` is sent after text[0, offset) and before the rest.
  struct Borrowed {
    std::size_t offset = 0;
    std::string_view bytes;
  };
  std::string text;
  std::vector<Borrowed> borrowed;
  // Large decoded content (BINARY of a base64 part) that `borrowed` points into. A deque, so
  // that adding one never moves the others.
  std::deque<std::string> owned;

  // Octets held in memory (text and owned), not counting what is borrowed from mappings.
  std::size_t held() const;
  // Body data of at least this many octets lying in the message's buffer is borrowed rather
  // than copied; 0 never borrows.
  std::size_t borrow_from = 0;
};

// Appends "* <seq> FETCH (...)" CRLF to `out` for the message `info`.
// `source.message` may be nullptr only when fetch_needs(items) is kRow, or kSummary with a
// current summary (REQUIRES, checked). `flags_changed`: FLAGS is written even if not asked
// for, because this fetch set \Seen (RFC 9051 §6.4.5: "if this causes the flags to change,
// they SHOULD be included"); `info` must then hold the new flags.
// Returns false, and leaves `out` as it was, if an item cannot be served: BINARY or
// BINARY.SIZE of a part whose Content-Transfer-Encoding is unknown. The caller then answers
// NO [UNKNOWN-CTE] (RFC 3516 §4.1).
bool append_fetch_response(FetchOutput& out, std::uint32_t seq, const store::MessageInfo& info,
                           const FetchSource& source, std::span<const proto::FetchItem> items,
                           bool flags_changed, const FetchOptions& options);

// The same, all as text (nothing borrowed).
bool append_fetch_response(std::string& out, std::uint32_t seq, const store::MessageInfo& info,
                           const FetchSource& source, std::span<const proto::FetchItem> items,
                           bool flags_changed, const FetchOptions& options);

}  // namespace redoubt::imap::server
