#include "imap/proto/sequence_set.h"

#include "base/ascii.h"
#include "base/check.h"

namespace redoubt::imap::proto {
namespace {

// RFC 9051 §9  seq-number = nz-number / "*"; nz-number = digit-nz *DIGIT, at most 2^32-1.
std::optional<std::uint32_t> parse_seq_number(std::string_view s) {
  if (s == "*") return SequenceRange::kStar;
  if (s.empty() || s.size() > 10 || s[0] == '0') return std::nullopt;
  std::uint64_t value = 0;
  for (char c : s) {
    if (!ascii::is_digit(c)) return std::nullopt;
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (value > UINT32_MAX) return std::nullopt;
  return static_cast<std::uint32_t>(value);
}

void append_number(std::string& out, std::uint32_t n) {
  if (n == SequenceRange::kStar) {
    out.push_back('*');
  } else {
    out += std::to_string(n);
  }
}

}  // namespace

std::optional<SequenceSet> parse_sequence_set(std::string_view text,
                                              const SequenceSetLimits& limits) {
  SequenceSet set;
  if (text == "$") {  // RFC 5182 §2.1
    if (!limits.allow_saved_result) return std::nullopt;
    set.is_saved_result = true;
    return set;
  }
  // RFC 9051 §9  sequence-set = (seq-number / seq-range) ["," sequence-set]
  //              seq-range = seq-number ":" seq-number
  while (true) {
    const std::size_t comma = text.find(',');
    const std::string_view element = text.substr(0, comma);
    const std::size_t colon = element.find(':');
    const auto first = parse_seq_number(element.substr(0, colon));
    const auto last =
        colon == std::string_view::npos ? first : parse_seq_number(element.substr(colon + 1));
    if (!first || !last) return std::nullopt;
    if (set.ranges.size() >= limits.max_ranges) return std::nullopt;
    set.ranges.push_back({*first, *last});
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return set;
}

std::string to_string(const SequenceSet& set) {
  if (set.is_saved_result) return "$";
  REDOUBT_ASSERT(!set.ranges.empty());
  std::string out;
  for (const SequenceRange& range : set.ranges) {
    if (!out.empty()) out.push_back(',');
    append_number(out, range.first);
    if (range.last != range.first) {
      out.push_back(':');
      append_number(out, range.last);
    }
  }
  return out;
}

std::string format_sequence_set(std::span<const std::uint32_t> numbers) {
  REDOUBT_ASSERT(!numbers.empty());
  std::string out;
  std::size_t i = 0;
  while (i < numbers.size()) {
    REDOUBT_ASSERT(numbers[i] != 0);
    std::size_t j = i;
    while (j + 1 < numbers.size() && numbers[j + 1] == numbers[j] + 1) ++j;
    if (!out.empty()) out.push_back(',');
    out += std::to_string(numbers[i]);
    if (j > i) {
      out.push_back(':');
      out += std::to_string(numbers[j]);
    }
    i = j + 1;
  }
  return out;
}

}  // namespace redoubt::imap::proto
