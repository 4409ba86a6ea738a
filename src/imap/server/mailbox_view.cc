#include "imap/server/mailbox_view.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string_view>
#include <utility>

#include "base/check.h"
#include "base/hex.h"

namespace redoubt::imap::server {
namespace {

std::uint32_t value(store::Uid uid) { return static_cast<std::uint32_t>(uid); }

bool fits_in_32_bits(std::int64_t n) { return n >= 0 && n <= std::numeric_limits<std::uint32_t>::max(); }
bool fits_in_32_bits(std::uint64_t n) { return n <= std::numeric_limits<std::uint32_t>::max(); }

// The first of `messages` (ascending UID) whose UID is not below `uid`.
template <class Messages>
auto uid_below(Messages& messages, store::Uid uid) {
  return std::lower_bound(messages.begin(), messages.end(), uid,
                          [](const auto& m, store::Uid u) { return m.uid < u; });
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
    : mailbox_(std::move(mailbox)), keyword_sets_(1), known_modseq_(mailbox_.highest_modseq) {
  entries_.reserve(messages.size());
  for (const store::MessageInfo& message : messages) entries_.push_back(compact(message));
}

store::MessageInfo MailboxView::at(std::uint32_t seq) const {
  const Entry& entry = entries_[seq - 1];
  if (entry.keyword_set == kWide) return wide(entry.uid);
  store::MessageInfo message{};
  message.uid = entry.uid;
  message.modseq = entry.modseq;
  message.flags = store::MessageFlags(entry.flags);
  message.internal_date = entry.internal_date;
  message.size = entry.size;
  message.blob_hash = to_hex(std::string_view(entry.blob_hash.data(), entry.blob_hash.size()));
  message.keywords = keyword_sets_[entry.keyword_set].keywords;
  return message;
}

std::string MailboxView::blob_hash_at(std::uint32_t seq) const {
  const Entry& entry = entries_[seq - 1];
  if (entry.keyword_set == kWide) return wide(entry.uid).blob_hash;
  return to_hex(std::string_view(entry.blob_hash.data(), entry.blob_hash.size()));
}

std::vector<std::string> MailboxView::keywords_in_use() const {
  std::vector<std::string> keywords;
  for (std::uint32_t set : keyword_set_order_) {
    const std::vector<std::string>& in_set = keyword_sets_[set].keywords;
    keywords.insert(keywords.end(), in_set.begin(), in_set.end());
  }
  for (const store::MessageInfo& message : wide_) {
    keywords.insert(keywords.end(), message.keywords.begin(), message.keywords.end());
  }
  std::sort(keywords.begin(), keywords.end());
  keywords.erase(std::unique(keywords.begin(), keywords.end()), keywords.end());
  return keywords;
}

std::optional<std::uint32_t> MailboxView::seq_of(store::Uid uid) const {
  auto it = uid_below(entries_, uid);
  if (it == entries_.end() || it->uid != uid) return std::nullopt;
  return static_cast<std::uint32_t>(it - entries_.begin() + 1);
}

bool MailboxView::is_expunged(std::uint32_t seq) const {
  return std::binary_search(held_expunges_.begin(), held_expunges_.end(), uid_at(seq));
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
  const std::uint32_t max_uid = entries_.empty() ? 0 : value(entries_.back().uid);
  for (const proto::SequenceRange& range : set.ranges) {
    const std::uint32_t star = uid ? max_uid : count;
    std::uint32_t first = range.first == proto::SequenceRange::kStar ? star : range.first;
    std::uint32_t last = range.last == proto::SequenceRange::kStar ? star : range.last;
    if (first > last) std::swap(first, last);
    if (uid) {
      // RFC 9051 §6.4.9: "*" in a UID range stands for the largest UID even if the other end is
      // larger, so "n:*" always names at least the last message when one exists.
      if (first == 0) continue;  // Empty mailbox and "*".
      for (auto it = uid_below(entries_, store::Uid(first)); it != entries_.end() && value(it->uid) <= last; ++it) {
        seqs.push_back(static_cast<std::uint32_t>(it - entries_.begin() + 1));
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
  const store::Uid last = entries_.empty() ? store::Uid(0) : entries_.back().uid;
  std::vector<store::Uid> changed_uids;
  for (const store::MessageInfo& message : changes.changed) {
    if (message.uid > last) {
      entries_.push_back(compact(message));  // changes.changed is in ascending UID order.
    } else if (auto seq = seq_of(message.uid)) {
      const Entry& known = entries_[*seq - 1];
      const bool differs = flags_of(known) != message.flags || keywords_of(known) != message.keywords;
      replace(*seq - 1, message);
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
  if (auto seq = seq_of(message.uid)) replace(*seq - 1, message);
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
    forget(entries_[*seq - 1]);
    entries_.erase(entries_.begin() + (*seq - 1));
  }
  std::reverse(update.vanished_uids.begin(), update.vanished_uids.end());
  held_expunges_.clear();
  return update;
}

store::MessageFlags MailboxView::flags_of(const Entry& entry) const {
  return entry.keyword_set == kWide ? wide(entry.uid).flags : store::MessageFlags(entry.flags);
}

const std::vector<std::string>& MailboxView::keywords_of(const Entry& entry) const {
  return entry.keyword_set == kWide ? wide(entry.uid).keywords : keyword_sets_[entry.keyword_set].keywords;
}

const store::MessageInfo& MailboxView::wide(store::Uid uid) const {
  auto it = uid_below(wide_, uid);
  REDOUBT_ASSERT(it != wide_.end() && it->uid == uid);
  return *it;
}

MailboxView::Entry MailboxView::compact(const store::MessageInfo& message) {
  Entry entry{};
  entry.uid = message.uid;
  entry.modseq = message.modseq;
  const auto flags = static_cast<std::uint32_t>(message.flags);
  const bool fits = flags <= 0xFF && fits_in_32_bits(message.internal_date) && fits_in_32_bits(message.size) &&
                    from_hex(message.blob_hash, entry.blob_hash);
  entry.keyword_set = fits ? intern(message.keywords) : kWide;
  if (entry.keyword_set != kWide) {
    entry.flags = flags;
    entry.internal_date = static_cast<std::uint32_t>(message.internal_date);
    entry.size = static_cast<std::uint32_t>(message.size);
    return entry;
  }
  entry.blob_hash = {};
  auto it = uid_below(wide_, message.uid);
  if (it == wide_.end() || it->uid != message.uid) it = wide_.insert(it, store::MessageInfo{});
  *it = message;
  it->id = {};  // As at() promises for every message.
  return entry;
}

void MailboxView::replace(std::size_t index, const store::MessageInfo& message) {
  const Entry old = entries_[index];
  // The new entry first, so that a keyword set both share is not freed and made again. If both
  // are wide, compact() has already overwritten the old record.
  entries_[index] = compact(message);
  if (old.keyword_set != kWide || entries_[index].keyword_set != kWide) forget(old);
}

void MailboxView::forget(const Entry& entry) {
  if (entry.keyword_set != kWide) {
    release(entry.keyword_set);
    return;
  }
  auto it = uid_below(wide_, entry.uid);
  REDOUBT_ASSERT(it != wide_.end() && it->uid == entry.uid);
  wide_.erase(it);
}

std::vector<std::uint32_t>::iterator MailboxView::keyword_set_position(const std::vector<std::string>& keywords) {
  return std::lower_bound(keyword_set_order_.begin(), keyword_set_order_.end(), keywords,
                          [this](std::uint32_t set, const std::vector<std::string>& k) {
                            return keyword_sets_[set].keywords < k;
                          });
}

std::uint32_t MailboxView::intern(const std::vector<std::string>& keywords) {
  if (keywords.empty()) return 0;
  auto position = keyword_set_position(keywords);
  if (position != keyword_set_order_.end() && keyword_sets_[*position].keywords == keywords) {
    ++keyword_sets_[*position].uses;
    return *position;
  }
  std::uint32_t set;
  if (!free_keyword_sets_.empty()) {
    set = free_keyword_sets_.back();
    free_keyword_sets_.pop_back();
  } else if (keyword_sets_.size() < kWide) {
    set = static_cast<std::uint32_t>(keyword_sets_.size());
    keyword_sets_.emplace_back();
  } else {
    return kWide;
  }
  keyword_sets_[set] = KeywordSet{keywords, 1};
  keyword_set_order_.insert(position, set);
  return set;
}

void MailboxView::release(std::uint32_t keyword_set) {
  if (keyword_set == 0 || --keyword_sets_[keyword_set].uses > 0) return;
  auto position = keyword_set_position(keyword_sets_[keyword_set].keywords);
  REDOUBT_ASSERT(position != keyword_set_order_.end() && *position == keyword_set);
  keyword_set_order_.erase(position);
  keyword_sets_[keyword_set] = KeywordSet{};  // Frees the strings.
  free_keyword_sets_.push_back(keyword_set);
}

}  // namespace redoubt::imap::server
