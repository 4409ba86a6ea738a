// Telling a session's client what other sessions (and deliveries) changed in its mailbox.

#include "imap/server/flags.h"
#include "imap/server/session.h"

namespace redoubt::imap::server {

void Session::on_mailbox_changed(store::MailboxId mailbox) {
  // While a SELECT is loading its mailbox nothing is selected yet, and a change committed after
  // its read must not be lost: then any change of the account counts (a sync that finds nothing
  // new costs one small query).
  if (selected_ && selected_->view.mailbox().id != mailbox) return;
  changes_pending_ = true;
  if (idling_) stream_.interrupt();
}

Task<void> Session::sync(bool allow_expunge) {
  if (!selected_) co_return;
  changes_pending_ = false;
  store::Store& store = services_.store;
  const store::MailboxId id = selected_->view.mailbox().id;
  const store::ModSeq since = selected_->view.known_modseq();
  auto work = [&store, id, since] { return store.changes_since(id, since); };
  auto changes = co_await run_blocking(services_.blocking, work);
  if (!changes) {
    if (changes.error() == store::StoreError::kNotFound) {
      // Another session deleted or renamed the mailbox away: nothing here is valid any more.
      untagged("BYE The selected mailbox no longer exists");
      close_reason_ = "mailbox-gone";
      state_ = State::kLogout;
    }
    co_return;
  }
  send_update(selected_->view.apply(*changes, allow_expunge, qresync_));
}

void Session::send_update(const ViewUpdate& update) {
  for (std::uint32_t seq : update.expunged_seqs) untagged(std::to_string(seq) + " EXPUNGE");
  if (!update.vanished_uids.empty()) untagged("VANISHED " + proto::format_sequence_set(update.vanished_uids));
  if (update.exists) untagged(std::to_string(*update.exists) + " EXISTS");
  for (std::uint32_t seq : update.flag_changes) append_flags_fetch(seq, qresync_);
}

// "* n FETCH (FLAGS (...))", with UID for QRESYNC clients (RFC 7162 §3.2.4 asks for it) and
// MODSEQ for CONDSTORE ones (RFC 7162 §3.1.4.1).
void Session::append_flags_fetch(std::uint32_t seq, bool with_uid) {
  const store::MessageInfo& message = selected_->view.at(seq);
  out_ += "* " + std::to_string(seq) + " FETCH (";
  if (with_uid) out_ += "UID " + std::to_string(static_cast<std::uint32_t>(message.uid)) + " ";
  out_ += "FLAGS ";
  proto::append_flag_list(out_, flag_names(message.flags, message.keywords));
  if (condstore_) out_ += " MODSEQ (" + std::to_string(static_cast<std::uint64_t>(message.modseq)) + ")";
  out_ += ")\r\n";
}

}  // namespace redoubt::imap::server
