#pragma once

// The IMAP system flags of a message (RFC 9051 §2.3.2) as a bitmask. The bit values are part of
// the on-disk format (messages.flags): never renumber them. \Recent is not stored: IMAP4rev2
// dropped it, and for IMAP4rev1 it is session state.

#include <cstdint>

namespace redoubt::store {

enum class MessageFlags : std::uint32_t {
  kNone = 0,
  kSeen = 1 << 0,
  kAnswered = 1 << 1,
  kFlagged = 1 << 2,
  kDeleted = 1 << 3,
  kDraft = 1 << 4,
};

constexpr MessageFlags operator|(MessageFlags a, MessageFlags b) {
  return MessageFlags(static_cast<std::uint32_t>(a) | static_cast<std::uint32_t>(b));
}

constexpr MessageFlags operator&(MessageFlags a, MessageFlags b) {
  return MessageFlags(static_cast<std::uint32_t>(a) & static_cast<std::uint32_t>(b));
}

constexpr MessageFlags operator~(MessageFlags a) {
  return MessageFlags(~static_cast<std::uint32_t>(a));
}

// Every flag defined above.
inline constexpr MessageFlags kAllMessageFlags = MessageFlags::kSeen | MessageFlags::kAnswered |
                                                 MessageFlags::kFlagged | MessageFlags::kDeleted |
                                                 MessageFlags::kDraft;

// True if every flag in `wanted` is set in `flags`.
constexpr bool has_flags(MessageFlags flags, MessageFlags wanted) {
  return (flags & wanted) == wanted;
}

}  // namespace redoubt::store
