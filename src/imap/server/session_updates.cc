// Telling a session's client what other sessions (and deliveries) changed in its mailbox.

#include <algorithm>

#include "base/ascii.h"
#include "imap/server/flags.h"
#include "imap/server/session.h"

namespace redoubt::imap::server {

namespace {

store::Uid uid_of(store::Uid uid) { return uid; }
store::Uid uid_of(const store::MessageInfo& message) { return message.uid; }

}  // namespace

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
  const MailboxView& view = selected_->view;  // Read only while this coroutine waits.
  auto work = [&store, &view, id, since]() -> Result<store::MailboxChanges, store::StoreError> {
    auto changes = store.changes_since(id, since);
    if (!changes || !changes->expunges_incomplete) return changes;
    // The expunge log was pruned past what this session knows (only a session left selected
    // longer than the retention period gets here): its expunges are the view's UIDs missing from
    // the mailbox now. The whole mailbox, read once, also gives the other changes.
    auto all = store.changes_since(id, store::ModSeq(0));
    if (!all) return all;
    store::MailboxChanges rebuilt{.mailbox = std::move(all->mailbox)};
    for (std::uint32_t seq = 1; seq <= view.exists(); ++seq) {
      const store::Uid uid = view.uid_at(seq);
      const bool exists = std::binary_search(
          all->changed.begin(), all->changed.end(), uid,
          [](const auto& a, const auto& b) { return uid_of(a) < uid_of(b); });
      if (!exists) rebuilt.expunged.push_back(uid);
    }
    for (store::MessageInfo& message : all->changed) {
      if (message.modseq > since) rebuilt.changed.push_back(std::move(message));
    }
    return rebuilt;
  };
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

void Session::announce_flags(bool with_permanent) {
  const std::vector<std::string> flags = mailbox_flags(selected_->keywords);
  std::string line = "FLAGS ";
  proto::append_flag_list(line, flags);
  untagged(line);
  if (with_permanent) announce_permanent_flags();
}

void Session::announce_permanent_flags() {
  std::vector<std::string> permanent;
  if (!selected_->read_only) permanent = permanent_flags(selected_->keywords);
  tagged("*", proto::Condition::kOk, "Flags permitted", proto::response_code::permanent_flags(permanent));
}

bool Session::Selected::learn(const std::vector<std::string>& seen) {
  bool added = false;
  for (const std::string& keyword : seen) {
    const bool is_known = std::any_of(keywords.begin(), keywords.end(),
                                      [&](const std::string& k) { return ascii::iequals(k, keyword); });
    if (!is_known) {
      keywords.push_back(keyword);
      added = true;
    }
  }
  if (added) std::sort(keywords.begin(), keywords.end());
  return added;
}

void Session::learn_keywords(const store::MessageInfo& message) {
  if (selected_->learn(message.keywords)) announce_flags(true);
}

void Session::send_update(const ViewUpdate& update) {
  for (std::uint32_t seq : update.expunged_seqs) untagged(std::to_string(seq) + " EXPUNGE");
  if (!update.vanished_uids.empty()) untagged("VANISHED " + proto::format_sequence_set(update.vanished_uids));
  // New messages (APPEND with flags, COPY) and flag changes may bring keywords: tell of them
  // first. The view's list of keywords in use costs a few distinct lists, not a pass over every
  // message.
  if ((update.exists || !update.flag_changes.empty()) && selected_->learn(selected_->view.keywords_in_use())) {
    announce_flags(true);
  }
  if (update.exists) untagged(std::to_string(*update.exists) + " EXISTS");
  for (std::uint32_t seq : update.flag_changes) append_flags_fetch(seq, qresync_);
}

// "* n FETCH (FLAGS (...))", with UID for QRESYNC clients (RFC 7162 §3.2.4 asks for it) and
// MODSEQ for CONDSTORE ones (RFC 7162 §3.1.4.1).
void Session::append_flags_fetch(std::uint32_t seq, bool with_uid) {
  const MailboxView& view = selected_->view;
  out_ += "* " + std::to_string(seq) + " FETCH (";
  if (with_uid) out_ += "UID " + std::to_string(static_cast<std::uint32_t>(view.uid_at(seq))) + " ";
  out_ += "FLAGS ";
  proto::append_flag_list(out_, flag_names(view.flags_at(seq), view.keywords_at(seq)));
  if (condstore_) out_ += " MODSEQ (" + std::to_string(static_cast<std::uint64_t>(view.modseq_at(seq))) + ")";
  out_ += ")\r\n";
}

}  // namespace redoubt::imap::server
