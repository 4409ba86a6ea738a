#pragma once

// IMAP SORT (RFC 5256 §3 SORT), the base subject (RFC 5256 §2.1) and the sent date (RFC 5256
// §2.2) that SORT and THREAD share.
//
// Pure: no I/O and no store access. Strings compare with i;ascii-casemap (RFC 4790 §9.2: ASCII
// letters folded to upper case, then octet by octet), the collation RFC 5256 §2.4 names; full
// I18NLEVEL=1 collation (i;unicode-casemap) is not implemented, so SORT should not advertise it.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "imap/proto/command.h"
#include "mime/message.h"

namespace redoubt::imap::server {

// One message as SORT and THREAD see it. `load` returns the parsed message, or nullptr when it
// cannot be read (then its header keys are empty strings and its sent date is the internal
// date). Each input's `load` is called at most once per sort_messages() / thread_messages()
// call, and the returned pointer need only stay valid until the next `load` call of any input,
// so the caller may keep just one message in memory.
struct SortInput {
  std::uint32_t seq = 0;           // Ties are broken by this (RFC 5256 §3).
  std::uint32_t uid = 0;
  std::uint64_t size = 0;          // RFC822.SIZE
  std::int64_t internal_date = 0;  // INTERNALDATE, Unix seconds
  std::function<const mime::Message*()> load;
};

// The RFC 5256 §2.1 base subject of a Subject: field, and whether extracting it showed the
// message to be a reply or forward (RFC 5256 §2.1 steps 2, 3 and 6 removed a "(fwd)" trailer,
// a "Re:"/"Fw:"/"Fwd:" leader or a "[fwd: ...]" wrapper), which THREAD=REFERENCES uses.
struct BaseSubject {
  std::string text;  // UTF-8, case as written; compare with i;ascii-casemap.
  bool is_reply_or_forward = false;
  bool operator==(const BaseSubject&) const = default;
};

// RFC 5256 §2.1 steps 1-7 on a raw Subject: field body (as received, folded or not):
// RFC 2047 words decoded, whitespace runs (tabs and folding too) made one space, trailing
// "(fwd)" and whitespace removed, leading "Re:", "Fw:", "Fwd:" (any case, with optional
// "[blob]"s before them and one after "re"/"fw"/"fwd") and whitespace removed, a leading
// "[blob]" removed unless nothing would be left, and a "[fwd: ...]" wrapper unwrapped, repeated
// until nothing changes. Linear time.
BaseSubject base_subject(std::string_view raw_subject);

// RFC 5256 §2.2 sent date: the Date: field as Unix seconds (its zone applied), or
// `internal_date` when the message, the field or its parse is missing.
std::int64_t sent_date(const mime::Message* message, std::int64_t internal_date);

// RFC 5256 §3 SORT: the indices of `messages` in the order `criteria` gives. Keys:
//   ARRIVAL  the internal date;
//   CC, FROM, TO  the addr-mailbox (local part) of the first address in that field, "" if none;
//   DATE     the sent date (above);
//   SIZE     the size;
//   SUBJECT  the base subject (above);
// strings by i;ascii-casemap. REVERSE reverses its own key only; messages equal on every key
// keep sequence-number order (never reversed). Loads a message only if a key needs its header.
// O(n log n) comparisons, each at most the criteria's length.
std::vector<std::size_t> sort_messages(std::span<const SortInput> messages,
                                       std::span<const proto::SortCriterion> criteria);

// The RFC 5256 §4 response with its CRLF: "* SORT 2 3 6\r\n", with " (MODSEQ n)" before the
// CRLF when `highest_modseq` is set and `numbers` is not empty (RFC 7162 §3.1.5).
std::string format_sort_response(std::span<const std::uint32_t> numbers,
                                 std::optional<std::uint64_t> highest_modseq = std::nullopt);

}  // namespace redoubt::imap::server
