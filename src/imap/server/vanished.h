#pragma once

// What a QRESYNC client is told has vanished when the store's expunge log no longer reaches back
// to the client's MODSEQ (store::MailboxChanges::expunges_incomplete): RFC 7162 §3.2.5.2 (SELECT
// QRESYNC) and §3.2.6 (UID FETCH VANISHED) then let the server report every UID of the client's
// set that does not exist now, instead of only those expunged since.

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "imap/proto/sequence_set.h"
#include "imap/server/mailbox_view.h"

namespace redoubt::imap::server {

// The UIDs in `set` ("*" meaning no upper bound; every UID if null) below the view's UIDNEXT that
// are not in `view`, as a wire sequence set, or "" if there are none. Works on ranges: a mailbox
// with sparse UIDs and a "1:*" set costs one range per gap, never one number per UID.
inline std::string vanished_outside_view(const MailboxView& view, const proto::SequenceSet* set) {
  const std::uint32_t uid_next = static_cast<std::uint32_t>(view.mailbox().uid_next);
  if (uid_next <= 1) return {};
  // The client's ranges, sorted and merged.
  std::vector<std::pair<std::uint32_t, std::uint32_t>> known;
  if (set == nullptr) {
    known.emplace_back(1, uid_next - 1);
  } else {
    auto end = [](std::uint32_t v) { return v == proto::SequenceRange::kStar ? UINT32_MAX : v; };
    for (const proto::SequenceRange& range : set->ranges) {
      known.emplace_back(std::min(end(range.first), end(range.last)),
                         std::max(end(range.first), end(range.last)));
    }
    std::sort(known.begin(), known.end());
  }
  // The gaps between the view's UIDs (ascending), below UIDNEXT.
  std::vector<std::pair<std::uint32_t, std::uint32_t>> gaps;
  std::uint32_t next = 1;  // Lowest UID not yet covered by a message or a gap.
  for (std::uint32_t seq = 1; seq <= view.exists(); ++seq) {
    const auto uid = static_cast<std::uint32_t>(view.uid_at(seq));
    if (uid > next) gaps.emplace_back(next, uid - 1);
    next = uid + 1;
  }
  if (next < uid_next) gaps.emplace_back(next, uid_next - 1);
  // Their intersection, in ascending order (both lists are sorted; `known` may overlap itself).
  std::vector<std::pair<std::uint32_t, std::uint32_t>> vanished;
  std::size_t k = 0;
  for (const auto& [gap_lo, gap_hi] : gaps) {
    while (k < known.size() && known[k].second < gap_lo) ++k;
    for (std::size_t i = k; i < known.size() && known[i].first <= gap_hi; ++i) {
      const std::uint32_t written = vanished.empty() ? 0 : vanished.back().second;
      const std::uint32_t lo = std::max({gap_lo, known[i].first, written + 1});
      const std::uint32_t hi = std::min(gap_hi, known[i].second);
      if (lo > hi) continue;
      if (!vanished.empty() && lo == written + 1) {
        vanished.back().second = hi;  // Adjacent client ranges: one range on the wire.
      } else {
        vanished.emplace_back(lo, hi);
      }
    }
  }
  std::string out;
  for (const auto& [lo, hi] : vanished) {
    if (!out.empty()) out += ',';
    out += std::to_string(lo);
    if (hi > lo) out += ':' + std::to_string(hi);
  }
  return out;
}

}  // namespace redoubt::imap::server
