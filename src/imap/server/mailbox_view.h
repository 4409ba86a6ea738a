#pragma once

// What one IMAP session knows of its selected mailbox: the messages in sequence-number order as
// this client has been told of them (RFC 9051 §2.3.1.2), and how to bring that knowledge up to
// date from the store's change log without ever renumbering behind the client's back.
//
// Other sessions' expunges may only be announced at certain points (RFC 9051 §7.5.1: not during
// FETCH, STORE or SEARCH by sequence number), so the view holds them back until allowed:
// meanwhile the expunged messages keep their sequence numbers.
//
// Every session holds one for as long as it stays selected, idle ones included, so the view is
// what a session costs per message of its mailbox. It therefore keeps messages compactly: 56
// bytes each (a store::MessageInfo takes about 185 with its blob hash and keyword list on the
// heap), with each distinct keyword list stored once per view (most messages share the empty one),
// and builds a store::MessageInfo only when asked for one.
//
// Pure: no I/O. The session feeds it Store::changes_since results. The const members change
// nothing, so the session's blocking-pool work may read the view while the session waits for it.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "imap/proto/sequence_set.h"
#include "store/mailbox_info.h"

namespace redoubt::imap::server {

// Whether `n` is in `set`, with "*" as no upper bound: for UID sets of messages that may be
// gone (QRESYNC known-uids, UID FETCH VANISHED), where no view can say what "*" was.
bool set_contains(const proto::SequenceSet& set, std::uint32_t n);

// What the client must be told after MailboxView::apply, in this order.
struct ViewUpdate {
  // Sequence numbers for "* n EXPUNGE", each valid at the moment it is sent (already adjusted
  // for the ones before it), or, for QRESYNC clients, the UIDs for "* VANISHED".
  std::vector<std::uint32_t> expunged_seqs;
  std::vector<std::uint32_t> vanished_uids;
  // "* n EXISTS" with this count, if it changed.
  std::optional<std::uint32_t> exists;
  // Sequence numbers (after the expunges and arrivals above) whose flags changed: "* n FETCH
  // (FLAGS ...)".
  std::vector<std::uint32_t> flag_changes;
};

class MailboxView {
 public:
  // `messages` in ascending UID order, as Store::changes_since(mailbox, 0) returns them.
  MailboxView(store::MailboxInfo mailbox, std::vector<store::MessageInfo> messages);

  const store::MailboxInfo& mailbox() const { return mailbox_; }
  std::uint32_t exists() const { return static_cast<std::uint32_t>(entries_.size()); }
  // The message numbered `seq`, as the store described it, built anew from the compact form:
  // a value, not a reference into the view. MessageInfo::id is not kept (IMAP has no use for it)
  // and is always 0. REQUIRES (here and in the *_at members): 1 <= seq <= exists().
  store::MessageInfo at(std::uint32_t seq) const;
  // Single fields of at(seq), for loops over many messages: no allocation, except blob_hash_at.
  store::Uid uid_at(std::uint32_t seq) const { return entries_[seq - 1].uid; }
  store::ModSeq modseq_at(std::uint32_t seq) const { return entries_[seq - 1].modseq; }
  store::MessageFlags flags_at(std::uint32_t seq) const { return flags_of(entries_[seq - 1]); }
  // Valid until the view next changes (apply, update, remove).
  const std::vector<std::string>& keywords_at(std::uint32_t seq) const { return keywords_of(entries_[seq - 1]); }
  std::string blob_hash_at(std::uint32_t seq) const;
  // Every keyword some message in the view has, sorted, without duplicates (compared exactly, as
  // the store keeps them).
  std::vector<std::string> keywords_in_use() const;
  // How many keyword lists the view has room for: the most distinct ones (the empty one
  // included) that its messages had at one time.
  std::size_t keyword_set_capacity_for_test() const { return keyword_sets_.size(); }
  // The sequence number of `uid`, or nullopt if it is not in the view.
  std::optional<std::uint32_t> seq_of(store::Uid uid) const;
  // The modseq up to which the view has consumed the store's changes.
  store::ModSeq known_modseq() const { return known_modseq_; }
  // Whether the message is expunged by another session but not yet announced.
  bool is_expunged(std::uint32_t seq) const;

  // The sequence numbers `set` names, ascending, without duplicates. With `uid`, `set` holds
  // UIDs: "*" is the largest UID, and UIDs not in the view are skipped (RFC 9051 §6.4.9);
  // otherwise "*" is exists() and a number past exists() makes the whole set invalid (nullopt,
  // the client gets BAD). "$" uses `saved_uids` (RFC 5182, ascending UIDs).
  std::optional<std::vector<std::uint32_t>> resolve(const proto::SequenceSet& set, bool uid,
                                                    std::span<const std::uint32_t> saved_uids) const;

  // Takes in the store's changes since known_modseq(). With `allow_expunge`, expunges (new
  // ones and those held back) are applied and reported (as VANISHED when `vanished`),
  // otherwise held back. New messages are appended; flag changes reported.
  ViewUpdate apply(const store::MailboxChanges& changes, bool allow_expunge, bool vanished);

  // Records a message state this session caused (its own STORE), so that it is not reported
  // back as someone else's change. Ignored if the UID is not in the view.
  void update(const store::MessageInfo& message);

  // Removes messages this session expunged itself (EXPUNGE, UID EXPUNGE, MOVE), which it then
  // reports at once. Returns the ViewUpdate to send (expunged_seqs / vanished_uids), computed as
  // in apply().
  ViewUpdate remove(std::span<const store::Uid> uids, bool vanished);

 private:
  // Entry::keyword_set of a message kept whole in wide_.
  static constexpr std::uint32_t kWide = (1u << 24) - 1;

  // One message. The fields narrower than MessageInfo's hold what real mail has (sizes under
  // 4 GiB, where the default limits are tens of MiB; dates from 1970 to 2106; the five system
  // flags). A message with a value that does not fit, a blob hash that is not the store's 64
  // lowercase hex digits, or a new keyword list when the table is full (kWide lists) is kept
  // whole in wide_ instead, so that at() always gives back exactly what the store said.
  struct Entry {
    std::array<char, 32> blob_hash;  // The SHA-256 whose lowercase hex is the store's key.
    store::ModSeq modseq;
    store::Uid uid;
    std::uint32_t internal_date;     // Unix seconds, 1970 to 2106.
    std::uint32_t size;
    std::uint32_t flags : 8;         // store::MessageFlags
    std::uint32_t keyword_set : 24;  // Index into keyword_sets_, or kWide.
  };
  static_assert(sizeof(Entry) == 56);

  // One distinct keyword list, shared by the `uses` entries that have it.
  struct KeywordSet {
    std::vector<std::string> keywords;
    std::uint32_t uses = 0;
  };

  store::MessageFlags flags_of(const Entry& entry) const;
  const std::vector<std::string>& keywords_of(const Entry& entry) const;
  const store::MessageInfo& wide(store::Uid uid) const;
  // The entry for `message`, taking a use of its keyword set or, when it does not fit, storing it
  // in wide_ (replacing a record of the same UID).
  Entry compact(const store::MessageInfo& message);
  // Replaces the message at `index` with `message`, which has the same UID.
  void replace(std::size_t index, const store::MessageInfo& message);
  // Gives up what `entry` holds outside entries_ (a keyword set use, or its wide_ record).
  void forget(const Entry& entry);
  // The index of the keyword set equal to `keywords`, with one more use; kWide if that needs a
  // new set and the table is full.
  std::uint32_t intern(const std::vector<std::string>& keywords);
  void release(std::uint32_t keyword_set);
  // Where a set with `keywords` is, or would go, in keyword_set_order_.
  std::vector<std::uint32_t>::iterator keyword_set_position(const std::vector<std::string>& keywords);
  ViewUpdate take_expunges(bool vanished);

  store::MailboxInfo mailbox_;
  std::vector<Entry> entries_;             // Ascending UID; index = sequence number - 1.
  std::vector<store::MessageInfo> wide_;   // Ascending UID: the messages whose entry is kWide.
  // [0] is the empty list, used by most messages and never freed. A set whose last use goes
  // away is cleared and its index reused, so flag changes over a long session do not make the
  // table grow past the most sets in use at one time.
  std::vector<KeywordSet> keyword_sets_;
  std::vector<std::uint32_t> free_keyword_sets_;
  std::vector<std::uint32_t> keyword_set_order_;  // The non-empty sets' indexes, by their keywords.
  std::vector<store::Uid> held_expunges_;  // Ascending; all still in entries_.
  store::ModSeq known_modseq_;
};

}  // namespace redoubt::imap::server
