#pragma once

// Bounds that hold whatever the input is. Every parser in src/mime takes a Limits (STYLE.md rule
// 17). The defaults accept every message in the SpamAssassin corpus and everything Dovecot's own
// defaults accept, while keeping the work per message linear and the memory per message small.

#include <cstddef>

namespace redoubt::mime {

struct Limits {
  // Nesting of multipart and message/rfc822 parts below the root (the root has depth 0). A part
  // deeper than this is kept as an opaque leaf. Capped at kMaxDepthCeiling whatever is set here,
  // because the tree walkers recurse once per level.
  std::size_t max_depth = 64;
  // Parts in the whole tree, root included. Past this, bodies stay unsplit (opaque leaves).
  std::size_t max_parts = 4096;
  // Header fields indexed per part. Further fields are still skipped over correctly (the body
  // offset stays exact) but not indexed; the part reports Defect::kTooManyHeaders.
  std::size_t max_headers = 1024;
  // Bytes of one header field, folding included. A longer field keeps its first bytes only and
  // reports Defect::kHeaderTooLong; its neighbours are unaffected.
  std::size_t max_header_line = 64 * 1024;
  // Addresses kept per address-list header (ENVELOPE, JMAP). The rest are dropped.
  std::size_t max_addresses = 1024;
  // Parameters kept per Content-Type / Content-Disposition header.
  std::size_t max_parameters = 64;
};

// Hard ceiling on Limits::max_depth: the walkers of the part tree (BODYSTRUCTURE, JMAP body
// selection) recurse once per level, so depth must stay bounded even if configured carelessly.
inline constexpr std::size_t kMaxDepthCeiling = 256;

}  // namespace redoubt::mime
