#include "imap/server/mailbox_view.h"

#include <algorithm>
#include <cstdint>

namespace redoubt::imap::server {
namespace {

std::uint32_t value(store::Uid uid) { return static_cast<std::uint32_t>(uid); }

bool same_flags(const store::MessageInfo& a, const store::MessageInfo& b) {
  return a.flags == b.flags && a.keywords == b.keywords;
}

}  // namespace

bool set_contains(const proto::SequenceSet& set, std::uint32_t n) {
  auto end = [](std::uint32_t v) { return v == proto::SequenceRange::kStar ? UINT32_MAX : v; };
  for (const proto::SequenceRange& range : set.ranges) {
    const std::uint32_t lo = std::min(end(range.first), end(range.last));
    const std::uint32_t hi = std::max(end(range.first), end(range.last));
    if (n >= lo && n <= hi) return true;
  }
  return false;
}

MailboxView::MailboxView(store::MailboxInfo mailbox, std::vector<store::MessageInfo> messages)
    : mailbox_(std::move(mailbox)), messages_(std::move(messages)), known_modseq_(mailbox_.highest_modseq) {}

std::optional<std::uint32_t> MailboxView::seq_of(store::Uid uid) const {
  auto it = std::lower_bound(messages_.begin(), messages_.end(), uid,
                             [](const store::MessageInfo& m, store::Uid u) { return m.uid < u; });
  if (it == messages_.end() || it->uid != uid) return std::nullopt;
  return static_cast<std::uint32_t>(it - messages_.begin() + 1);
}

bool MailboxView::is_expunged(std::uint32_t seq) const {
  return std::binary_search(held_expunges_.begin(), held_expunges_.end(), at(seq).uid);
}

std::optional<std::vector<std::uint32_t>> MailboxView::resolve(
    const proto::SequenceSet& set, bool uid, std::span<const std::uint32_t> saved_uids) const {
  std::vector<std::uint32_t> seqs;
  if (set.is_saved_result) {
    for (std::uint32_t u : saved_uids) {
      if (auto seq = seq_of(store::Uid(u))) seqs.push_back(*seq);
    }
    return seqs;
  }
  const std::uint32_t count = exists();
  const std::uint32_t max_uid = messages_.empty() ? 0 : value(messages_.back().uid);
  for (const proto::SequenceRange& range : set.ranges) {
    const std::uint32_t star = uid ? max_uid : count;
    std::uint32_t first = range.first == proto::SequenceRange::kStar ? star : range.first;
    std::uint32_t last = range.last == proto::SequenceRange::kStar ? star : range.last;
    if (first > last) std::swap(first, last);
    if (uid) {
      // RFC 9051 §6.4.9: "*" in a UID range stands for the largest UID even if the other end is
      // larger, so "n:*" always names at least the last message when one exists.
      if (first == 0) continue;  // Empty mailbox and "*".
      auto from = std::lower_bound(messages_.begin(), messages_.end(), store::Uid(first),
                                   [](const store::MessageInfo& m, store::Uid u) { return m.uid < u; });
      for (auto it = from; it != messages_.end() && value(it->uid) <= last; ++it) {
        seqs.push_back(static_cast<std::uint32_t>(it - messages_.begin() + 1));
      }
    } else {
      if (first == 0 || last > count) return std::nullopt;
      for (std::uint32_t seq = first; seq <= last; ++seq) seqs.push_back(seq);
    }
  }
  std::sort(seqs.begin(), seqs.end());
  seqs.erase(std::unique(seqs.begin(), seqs.end()), seqs.end());
  return seqs;
}

ViewUpdate MailboxView::apply(const store::MailboxChanges& changes, bool allow_expunge, bool vanished) {
  ViewUpdate update;
  for (store::Uid uid : changes.expunged) {
    if (seq_of(uid)) held_expunges_.push_back(uid);
  }
  std::sort(held_expunges_.begin(), held_expunges_.end());
  held_expunges_.erase(std::unique(held_expunges_.begin(), held_expunges_.end()), held_expunges_.end());
  if (allow_expunge) update = take_expunges(vanished);

  const std::uint32_t before = exists();
  const store::Uid last = messages_.empty() ? store::Uid(0) : messages_.back().uid;
  std::vector<store::Uid> changed_uids;
  for (const store::MessageInfo& message : changes.changed) {
    if (message.uid > last) {
      messages_.push_back(message);  // changes.changed is in ascending UID order.
    } else if (auto seq = seq_of(message.uid)) {
      store::MessageInfo& known = messages_[*seq - 1];
      const bool differs = !same_flags(known, message);
      known = message;
      if (differs) changed_uids.push_back(message.uid);
    }
  }
  if (exists() != before) update.exists = exists();  // `before` counts the expunges just sent.
  for (store::Uid uid : changed_uids) {
    if (auto seq = seq_of(uid)) update.flag_changes.push_back(*seq);
  }
  mailbox_ = changes.mailbox;
  known_modseq_ = std::max(known_modseq_, changes.mailbox.highest_modseq);
  return update;
}

void MailboxView::update(const store::MessageInfo& message) {
  if (auto seq = seq_of(message.uid)) messages_[*seq - 1] = message;
}

ViewUpdate MailboxView::remove(std::span<const store::Uid> uids, bool vanished) {
  for (store::Uid uid : uids) {
    if (seq_of(uid)) held_expunges_.push_back(uid);
  }
  std::sort(held_expunges_.begin(), held_expunges_.end());
  held_expunges_.erase(std::unique(held_expunges_.begin(), held_expunges_.end()), held_expunges_.end());
  return take_expunges(vanished);
}

ViewUpdate MailboxView::take_expunges(bool vanished) {
  ViewUpdate update;
  // Highest first: each EXPUNGE then names a sequence number that the ones before it did not
  // shift, and removal from the vector moves the fewest elements.
  for (auto it = held_expunges_.rbegin(); it != held_expunges_.rend(); ++it) {
    auto seq = seq_of(*it);
    if (!seq) continue;
    if (vanished) {
      update.vanished_uids.push_back(value(*it));
    } else {
      update.expunged_seqs.push_back(*seq);
    }
    messages_.erase(messages_.begin() + (*seq - 1));
  }
  std::reverse(update.vanished_uids.begin(), update.vanished_uids.end());
  held_expunges_.clear();
  return update;
}

}  // namespace redoubt::imap::server
