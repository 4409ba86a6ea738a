#pragma once

// What one IMAP session knows of its selected mailbox: the messages in sequence-number order as
// this client has been told of them (RFC 9051 §2.3.1.2), and how to bring that knowledge up to
// date from the store's change log without ever renumbering behind the client's back.
//
// Other sessions' expunges may only be announced at certain points (RFC 9051 §7.5.1: not during
// FETCH, STORE or SEARCH by sequence number), so the view holds them back until allowed:
// meanwhile the expunged messages keep their sequence numbers.
//
// Pure: no I/O. The session feeds it Store::changes_since results.

#include <cstdint>
#include <optional>
#include <span>
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
  std::uint32_t exists() const { return static_cast<std::uint32_t>(messages_.size()); }
  // REQUIRES: 1 <= seq <= exists().
  const store::MessageInfo& at(std::uint32_t seq) const { return messages_[seq - 1]; }
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
  ViewUpdate take_expunges(bool vanished);

  store::MailboxInfo mailbox_;
  std::vector<store::MessageInfo> messages_;  // Ascending UID; index = sequence number - 1.
  std::vector<store::Uid> held_expunges_;     // Ascending; all still in messages_.
  store::ModSeq known_modseq_;
};

}  // namespace redoubt::imap::server
