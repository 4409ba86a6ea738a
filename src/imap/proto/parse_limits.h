#pragma once

#include <cstddef>

namespace redoubt::imap::proto {

// Bounds parse_command() applies on top of the grammar, so that no input can make it recurse
// deeply or build large values. The defaults accept every command real clients send; the frame
// size itself is bounded earlier by CommandFramer (FramerLimits).
struct ParseLimits {
  // Deepest nesting of parentheses, and of NOT / OR search keys (each counts one level).
  std::size_t max_depth = 16;
  // Most elements in any one list: flags, FETCH items, search keys of one group, patterns,
  // STATUS items, header fields, MULTIAPPEND messages, ENABLE capabilities, ...
  std::size_t max_list_items = 1024;
  // Most ranges in one sequence set (SequenceSetLimits::max_ranges).
  std::size_t max_sequence_ranges = 16384;
  // Most parts in one section-part ("1.2.3.4"); RFC 9051 sets no bound, MIME trees are shallow.
  std::size_t max_section_parts = 32;
};

}  // namespace redoubt::imap::proto
