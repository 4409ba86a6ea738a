#pragma once

// Sequence sets (RFC 9051 §9 sequence-set), as typed values: the argument of FETCH, STORE,
// COPY, MOVE, SEARCH, UID EXPUNGE and of several response codes. The same type carries message
// sequence numbers or UIDs; which one is decided by the command (UID prefix), so the server
// converts it to typed Uid / sequence-number ranges once it knows.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace redoubt::imap::proto {

// One seq-number / seq-range of a set. kStar stands for "*", the largest number in use
// (RFC 9051 §9 seq-number); 0 is otherwise never a valid value, so it is free for "*".
// Ranges are kept as sent: `first` may be larger than `last` ("4:2" means "2:4", RFC 9051 §9).
struct SequenceRange {
  static constexpr std::uint32_t kStar = 0;
  std::uint32_t first = 0;
  std::uint32_t last = 0;  // Equal to `first` for a single number.
  bool operator==(const SequenceRange&) const = default;
};

// RFC 9051 §9 sequence-set, or "$" (RFC 5182 §2.1 seq-last-command: the result saved by the
// last SEARCH RETURN (SAVE)). "$" is accepted only as the whole set, as Dovecot and Stalwart do.
struct SequenceSet {
  bool is_saved_result = false;        // "$"; `ranges` is then empty.
  std::vector<SequenceRange> ranges;  // In the order sent; never empty unless "$".
  bool operator==(const SequenceSet&) const = default;
};

// Bounds on a sequence set read from the wire.
struct SequenceSetLimits {
  // Most ranges in one set. A 64 KiB line cannot hold more than 32 Ki of them; real clients
  // (UID sets after a resync) send a few thousand.
  std::size_t max_ranges = 16384;
  // Whether "$" is accepted (RFC 5182). Response codes and QRESYNC known-uids never take it.
  bool allow_saved_result = true;
};

// Parses a complete sequence set, e.g. "1:4,7,9:*" or "$". Numbers are nz-number (1 to
// 4294967295, RFC 9051 §9); zero, overflow, empty elements, spaces and more than
// limits.max_ranges ranges are refused with nullopt. Pure; `text` is bytes, not NUL-terminated.
std::optional<SequenceSet> parse_sequence_set(std::string_view text,
                                              const SequenceSetLimits& limits = {});

// Writes `set` in wire form ("1:4,7,9:*" or "$"), ranges in their order and direction.
// REQUIRES: `set` is valid: "$" with no ranges, or at least one range with no zero ends other
// than kStar.
std::string to_string(const SequenceSet& set);

// Writes the sorted, duplicate-free numbers of `numbers` as a compact set: consecutive runs
// become ranges ("1:3,5,8:9"). Used for ESEARCH ALL, APPENDUID/COPYUID and VANISHED responses.
// REQUIRES: `numbers` is strictly increasing, non-empty, and holds no zero.
std::string format_sequence_set(std::span<const std::uint32_t> numbers);

}  // namespace redoubt::imap::proto
