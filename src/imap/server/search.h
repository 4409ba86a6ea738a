#pragma once

// IMAP SEARCH (RFC 9051 §6.4.4) evaluated against one message at a time, and the SEARCH and
// ESEARCH responses (RFC 9051 §7.3.4 / RFC 3501 §7.2.5, RFC 4731, RFC 7162 §3.1.5).
//
// Pure: no I/O and no store access. The session reads the messages and hands them in one by one;
// a message's bytes are only parsed when a key needs its header or body (SearchMessage::load).
//
// Notes on what "matches" means here:
// - String keys (FROM, SUBJECT, BODY, HEADER, TEXT ...) are substring matches, caseless for all
//   of Unicode: the key and the text are both compared in mime::fold_for_search form
//   (NFKC_Casefold), so "É" finds "é", "STRASSE" finds "straße", "ΣΊΣΥΦΟΣ" finds "σίσυφος", and a
//   precomposed "é" finds "e" + combining acute. Accents still count: "e" does not find "é".
//   RFC 9051 §6.4.4 asks only for case-insensitive matching. RFC 5051's i;unicode-casemap
//   (Dovecot's comparator) maps to titlecase, then NFKD; full folding with NFKC does the same job
//   and also makes ß equal to ss.
//   search_keys_to_utf8 folds the keys once per command; each header field value and the body
//   text are folded at most once per message.
// - Header keys look at the top-level header only, each field's value unfolded and RFC 2047
//   decoded (mime::decode_unstructured); a field that occurs several times matches if any does.
// - BODY searches the decoded text (transfer encoding and charset undone, HTML turned into text)
//   of every text/* leaf part, encapsulated messages included, up to kMaxSearchBodyBytes.
//   TEXT searches the decoded header fields ("Name: value" lines) and that body text.
// - \Recent is not tracked (IMAP4rev2 dropped it, store/message_flags.h): RECENT and NEW match
//   no message, OLD matches every message.
// - BEFORE/ON/SINCE compare the INTERNALDATE's date in the server's zone; SENTBEFORE/SENTON/
//   SENTSINCE compare the date written in the Date: field, in that field's own zone
//   ("disregarding time and timezone", RFC 9051 §6.4.4). A message without a parseable Date:
//   matches no SENT* key.
// - MODSEQ n matches a MODSEQ >= n (RFC 7162 §3.1.5). Per-flag entry names are ignored: the
//   store keeps one MODSEQ per message, which RFC 7162 §3.1.5 allows for every entry.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "imap/proto/command.h"
#include "mime/message.h"
#include "store/mailbox_info.h"

namespace redoubt::imap::server {

// Most decoded body text BODY and TEXT look at per message; text past it is not searched.
inline constexpr std::size_t kMaxSearchBodyBytes = 8 << 20;

// One message as SEARCH sees it. `info` must stay valid during the call that receives it.
// `load` is called at most once per matches() call, and only if a key needs the header or body;
// it returns the parsed message (valid until matches() returns), or nullptr if the body cannot be
// read, in which case header, body, text and SENT* keys do not match.
struct SearchMessage {
  std::uint32_t seq = 0;
  const store::MessageInfo* info = nullptr;
  std::function<const mime::Message*()> load;
};

// What the keys need to know about the mailbox and the session.
struct SearchContext {
  std::uint32_t max_seq = 0;  // "*" in a sequence set: the number of messages.
  std::uint32_t max_uid = 0;  // "*" in a UID set: the largest UID in the mailbox.
  // "$" (RFC 5182 §2.1): the UIDs of the last saved result, ascending. Used for both sequence and
  // UID sets, since "$" names messages, not numbers. Must outlive the matches() calls.
  std::span<const std::uint32_t> saved_uids;
  // The server's zone for BEFORE/ON/SINCE, minutes east of UTC (-1439..1439).
  int zone_minutes = 0;
};

// Why the search strings cannot be used: answered "NO [BADCHARSET (...)]" (RFC 9051 §6.4.4),
// listing kSearchCharsets.
enum class SearchError { kBadCharset };

// The charsets the BADCHARSET response code advertises. Every charset mime::is_known_charset()
// accepts works too; these are the ones clients should prefer.
inline constexpr std::string_view kSearchCharsets[] = {"UTF-8", "US-ASCII"};

// Returns `keys` with their search strings in the form matches() compares: converted from
// `charset` to UTF-8, then folded by mime::fold_for_search. nullopt (no CHARSET), "UTF-8" and
// "US-ASCII" (any case) take the strings as UTF-8 (ill-formed bytes become U+FFFD when folded);
// any other charset mime::is_known_charset() accepts is converted (invalid sequences become
// U+FFFD); an unknown one is kBadCharset. Keywords and header field names are atoms and are never
// converted or folded. Recursion is bounded by the parser's nesting limit
// (proto::ParseLimits::max_depth).
Result<std::vector<proto::SearchKey>, SearchError> search_keys_to_utf8(
    std::optional<std::string_view> charset, std::span<const proto::SearchKey> keys);

// True if `message` matches every key of `keys` (RFC 9051 §6.4.4). Keys nested deeper than 64
// levels (the parser allows 16) never match.
// REQUIRES: `keys` as search_keys_to_utf8 returns them (a search string not folded, e.g. "Bob",
// finds nothing but its folded form); message.info != nullptr; message.load callable if
// needs_body(keys).
bool matches(std::span<const proto::SearchKey> keys, const SearchMessage& message,
             const SearchContext& context);

// True if any key needs the message's header or body: BCC, BODY, CC, FROM, HEADER, SENTBEFORE,
// SENTON, SENTSINCE, SUBJECT, TEXT, TO (at any depth, under NOT and OR too).
bool needs_body(std::span<const proto::SearchKey> keys);

// True if any key is MODSEQ: the SEARCH/SORT response then ends with "(MODSEQ n)" (RFC 7162
// §3.1.5), n being the highest MODSEQ of the messages returned.
bool uses_modseq(std::span<const proto::SearchKey> keys);

// "* <name> n n n" with " (MODSEQ n)" when `highest_modseq` is set and `numbers` is not empty,
// and its CRLF: the shape SEARCH and SORT responses share.
std::string format_number_list_response(std::string_view name, std::span<const std::uint32_t> numbers,
                                        std::optional<std::uint64_t> highest_modseq);

// The RFC 9051 §7.3.4 (RFC 3501 §7.2.5) response with its CRLF: "* SEARCH 2 5 7\r\n", with
// " (MODSEQ n)" before the CRLF when `highest_modseq` is set and `numbers` is not empty
// (RFC 7162 §3.1.5). `numbers` in the order given (sequence numbers or UIDs).
std::string format_search_response(std::span<const std::uint32_t> numbers,
                                   std::optional<std::uint64_t> highest_modseq = std::nullopt);

// The RFC 4731 §3.1 ESEARCH response with its CRLF for a SEARCH with RETURN (...):
//   * ESEARCH (TAG "a1") UID MIN 2 MAX 7 COUNT 3 ALL 2,5,7 MODSEQ 917162500
// "UID" when `uid`; items in the order MIN MAX COUNT ALL; RETURN () means ALL. With no match, MIN,
// MAX, ALL and MODSEQ are left out (COUNT 0 stays). MODSEQ (RFC 7162 §3.1.5) when
// `highest_modseq` is set. Empty string when `returns` asks only for SAVE: RFC 5182 §2.1 then
// sends no ESEARCH response. `tag` is the command's tag.
// REQUIRES: `numbers` strictly increasing, no zero.
std::string format_esearch_response(std::string_view tag, bool uid,
                                    const proto::SearchReturn& returns,
                                    std::span<const std::uint32_t> numbers,
                                    std::optional<std::uint64_t> highest_modseq = std::nullopt);

// The part of a result that RETURN (SAVE ...) stores as "$" (RFC 5182 §2.1): only the minimum
// and/or maximum when MIN and/or MAX are asked for without ALL or COUNT, else all of `numbers`.
// REQUIRES: `numbers` strictly increasing.
std::vector<std::uint32_t> saved_search_result(const proto::SearchReturn& returns,
                                               std::span<const std::uint32_t> numbers);

}  // namespace redoubt::imap::server
