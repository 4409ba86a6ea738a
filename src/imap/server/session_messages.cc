// Selected-state commands on messages: FETCH, STORE, COPY/MOVE, EXPUNGE, CLOSE/UNSELECT, IDLE.

#include <algorithm>

#include "base/ascii.h"
#include "imap/server/fetch_response.h"
#include "imap/server/flags.h"
#include "imap/server/session.h"
#include "imap/server/summary.h"
#include "imap/server/vanished.h"
#include "mime/message.h"

namespace redoubt::imap::server {
namespace {

using namespace std::chrono_literals;
using proto::Condition;
namespace code = proto::response_code;

// Output is written to the client once this much is pending, so a FETCH of a whole mailbox
// never holds more than about this much of its answer in memory.
constexpr std::size_t kFlushThreshold = 256 * 1024;
// Most messages parsed per trip to the blocking pool during one FETCH.
constexpr std::size_t kBatchMessages = 64;
// Body data at least this long is sent straight from the blob's mapping, not copied.
constexpr std::size_t kBorrowFrom = 64 * 1024;

std::uint32_t value(store::Uid uid) { return static_cast<std::uint32_t>(uid); }

}  // namespace

std::optional<std::vector<std::uint32_t>> Session::resolve(const proto::Command& command,
                                                           const proto::SequenceSet& set, bool uid) {
  auto seqs = selected_->view.resolve(set, uid, selected_->saved_uids);
  if (!seqs) bad(command.tag, "Invalid message sequence number");
  return seqs;
}

Task<void> Session::on_fetch(const proto::Command& command, const proto::Fetch& fetch) {
  if (fetch.vanished && !qresync_) {
    bad(command.tag, "VANISHED needs QRESYNC enabled");
    co_return;
  }
  auto seqs = resolve(command, fetch.set, fetch.uid);
  if (!seqs) co_return;
  if (fetch.changed_since) condstore_ = true;  // RFC 7162 §3.1: CHANGEDSINCE enables CONDSTORE.
  MailboxView& view = selected_->view;
  store::Store& store = services_.store;

  if (fetch.vanished) {
    // RFC 7162 §3.2.6: the UIDs of the set expunged since CHANGEDSINCE, as VANISHED (EARLIER).
    const store::MailboxId id = view.mailbox().id;
    const auto since = store::ModSeq(*fetch.changed_since);
    auto work = [&store, id, since] { return store.changes_since(id, since); };
    auto changes = co_await run_blocking(services_.blocking, work);
    if (changes && changes->expunges_incomplete) {
      // The expunge log was pruned past CHANGEDSINCE: every UID of the set that the client's view
      // lacks (below its UIDNEXT), as RFC 7162 §3.2.6 allows when the server cannot tell.
      const std::string vanished = vanished_outside_view(view, &fetch.set);
      if (!vanished.empty()) untagged("VANISHED (EARLIER) " + vanished);
    } else if (changes) {
      std::vector<std::uint32_t> vanished;
      for (store::Uid uid : changes->expunged) {
        if (set_contains(fetch.set, value(uid))) vanished.push_back(value(uid));
      }
      if (!vanished.empty()) untagged("VANISHED (EARLIER) " + proto::format_sequence_set(vanished));
    }
  }

  // Messages this FETCH marks \Seen (RFC 9051 §6.4.5), in one store call before answering.
  std::vector<bool> seen_now(seqs->size(), false);
  if (sets_seen(fetch.items) && !selected_->read_only) {
    std::vector<store::Uid> unseen;
    for (std::uint32_t seq : *seqs) {
      if (!store::has_flags(view.flags_at(seq), store::MessageFlags::kSeen)) unseen.push_back(view.uid_at(seq));
    }
    if (!unseen.empty()) {
      const store::MailboxId id = view.mailbox().id;
      store::FlagUpdate update{.mode = store::FlagUpdate::Mode::kAdd, .flags = store::MessageFlags::kSeen};
      auto work = [&store, id, &unseen, &update] { return store.store_flags(id, unseen, update); };
      auto stored = co_await run_blocking(services_.blocking, work);
      if (stored) {
        for (const store::MessageInfo& message : stored->changed) view.update(message);
        for (std::size_t i = 0; i < seqs->size(); ++i) {
          seen_now[i] = std::binary_search(unseen.begin(), unseen.end(), view.uid_at((*seqs)[i]));
        }
      }
    }
  }

  FetchOptions options{.strings = string_options(), .include_modseq = condstore_ && fetch.changed_since.has_value(),
                       .include_uid = fetch.uid};
  const FetchNeeds needs = fetch_needs(fetch.items);
  auto wanted = [&](std::size_t i) {
    return !fetch.changed_since || static_cast<std::uint64_t>(view.modseq_at((*seqs)[i])) > *fetch.changed_since;
  };
  // Summaries are read, and messages mapped and parsed, off the I/O thread, several per trip
  // (a batch ends at kFlushThreshold octets of answer held in memory or kBatchMessages messages).
  struct Batch {
    FetchOutput out{.borrow_from = kBorrowFrom};
    std::vector<store::MappedBlob> mappings;  // What `out` borrows from.
    std::size_t next = 0;
    bool unknown_cte = false;
    std::vector<std::string> missing;  // Blob hashes that could not be read.
  };
  bool unknown_cte = false;
  for (std::size_t i = 0; i < seqs->size();) {
    if (needs == FetchNeeds::kRow) {
      if (wanted(i)) append_fetch_response(out_, (*seqs)[i], view.at((*seqs)[i]), {}, fetch.items, seen_now[i], options);
      ++i;
    } else {
      auto work = [&store, &view, &seqs, &seen_now, &fetch, &options, &wanted, needs, i] {
        Batch batch;
        const std::size_t end = std::min(seqs->size(), i + kBatchMessages);
        std::vector<store::MessageInfo> infos;
        for (std::size_t j = i; j < end; ++j) infos.push_back(view.at((*seqs)[j]));
        // The batch's saved summaries in one read; without them (or on error) messages are parsed.
        std::vector<std::optional<store::MessageSummary>> summaries(infos.size());
        if (needs == FetchNeeds::kSummary) {
          std::vector<std::string> hashes;
          for (const store::MessageInfo& info : infos) hashes.push_back(info.blob_hash);
          if (auto read = store.summaries(hashes, kSummaryVersion)) summaries = std::move(*read);
        }
        std::size_t j = i;
        for (; j < end && batch.out.held() < kFlushThreshold; ++j) {
          if (!wanted(j)) continue;
          const store::MessageInfo& info = infos[j - i];
          const store::MessageSummary* summary = summaries[j - i] ? &*summaries[j - i] : nullptr;
          bool answered = true;
          if (summary != nullptr) {
            answered = append_fetch_response(batch.out, (*seqs)[j], info, FetchSource{nullptr, summary}, fetch.items,
                                             seen_now[j], options);
          } else if (auto blob = store.map_blob(info.blob_hash)) {
            const mime::Message message = mime::parse_message(blob->bytes());
            const std::size_t borrowed = batch.out.borrowed.size();
            answered = append_fetch_response(batch.out, (*seqs)[j], info, FetchSource{&message}, fetch.items,
                                             seen_now[j], options);
            if (batch.out.borrowed.size() > borrowed) batch.mappings.push_back(std::move(*blob));
          } else {
            batch.missing.push_back(info.blob_hash);
          }
          batch.unknown_cte = batch.unknown_cte || !answered;
        }
        batch.next = j;
        return batch;
      };
      Batch batch = co_await run_blocking(services_.blocking, work);
      // A body that cannot be read (disk damage; blobs are never deleted under a live message)
      // is left out of the answer rather than invented.
      for (const std::string& hash : batch.missing) {
        services_.log.error("imap session={} event=missing-body hash={}", id_, hash);
      }
      const bool written = co_await write_fetch_output(batch.out);
      if (!written) co_return;
      unknown_cte = unknown_cte || batch.unknown_cte;
      i = batch.next;
    }
    if (out_.size() > kFlushThreshold) {
      const bool written = co_await flush();
      if (!written) co_return;
    }
  }
  if (unknown_cte) {
    tagged(command.tag, Condition::kNo, "Unknown Content-Transfer-Encoding", code::keyword("UNKNOWN-CTE"));
    co_return;
  }
  tagged(command.tag, Condition::kOk, "FETCH completed");
}

Task<void> Session::on_store(const proto::Command& command, const proto::Store& request) {
  auto seqs = resolve(command, request.set, request.uid);
  if (!seqs) co_return;
  auto flags = parse_flags(request.flags);
  if (!flags) {
    bad(command.tag, flags.error());
    co_return;
  }
  if (selected_->read_only) {
    tagged(command.tag, Condition::kNo, "The mailbox is read-only", code::keyword("READ-ONLY"));
    co_return;
  }
  if (request.unchanged_since) condstore_ = true;
  MailboxView& view = selected_->view;
  std::vector<store::Uid> uids;
  for (std::uint32_t seq : *seqs) uids.push_back(view.uid_at(seq));
  store::FlagUpdate update;
  update.mode = request.mode == proto::Store::Mode::kAdd      ? store::FlagUpdate::Mode::kAdd
                : request.mode == proto::Store::Mode::kRemove ? store::FlagUpdate::Mode::kRemove
                                                              : store::FlagUpdate::Mode::kReplace;
  update.flags = flags->system;
  update.keywords = flags->keywords;
  if (request.unchanged_since) update.unchanged_since = store::ModSeq(*request.unchanged_since);
  store::Store& store = services_.store;
  const store::MailboxId id = view.mailbox().id;
  auto work = [&store, id, &uids, &update] { return store.store_flags(id, uids, update); };
  auto stored = co_await run_blocking(services_.blocking, work);
  if (!stored) {
    tagged(command.tag, Condition::kNo, "STORE failed, try again", code::keyword("UNAVAILABLE"));
    co_return;
  }
  std::vector<store::Uid> changed, refused(stored->modified.begin(), stored->modified.end());
  for (const store::MessageInfo& message : stored->changed) {
    view.update(message);
    learn_keywords(message);
    changed.push_back(message.uid);
  }
  std::sort(changed.begin(), changed.end());
  std::sort(refused.begin(), refused.end());
  // In sequence order, every message of the set but those a conditional STORE refused ([MODIFIED]
  // names them) and those another session expunged: RFC 9051 §6.4.6, "the new value of the flags
  // is returned as if a FETCH of those flags was done", also when they were already as asked.
  for (std::uint32_t seq : *seqs) {
    const store::Uid uid = view.uid_at(seq);
    if (std::binary_search(refused.begin(), refused.end(), uid) || view.is_expunged(seq)) continue;
    if (!request.silent) {
      append_flags_fetch(seq, request.uid);
    } else if (request.unchanged_since && std::binary_search(changed.begin(), changed.end(), uid)) {
      // RFC 7162 §3.1.3: with UNCHANGEDSINCE the new MODSEQ is reported even for .SILENT.
      out_ += "* " + std::to_string(seq) + " FETCH (" +
              (request.uid ? "UID " + std::to_string(value(uid)) + " " : std::string()) + "MODSEQ (" +
              std::to_string(static_cast<std::uint64_t>(view.modseq_at(seq))) + "))\r\n";
    }
  }
  if (!stored->modified.empty()) {
    std::vector<std::uint32_t> failed;
    for (store::Uid uid : stored->modified) {
      if (request.uid) {
        failed.push_back(value(uid));
      } else if (auto seq = view.seq_of(uid)) {
        failed.push_back(*seq);
      }
    }
    std::sort(failed.begin(), failed.end());
    tagged(command.tag, Condition::kOk, "Conditional STORE failed for some messages",
           code::modified(proto::format_sequence_set(failed)));
    co_return;
  }
  tagged(command.tag, Condition::kOk, "STORE completed");
}

Task<void> Session::on_copy(const proto::Command& command, bool uid, const proto::SequenceSet& set,
                            std::string_view wire, bool move) {
  auto seqs = resolve(command, set, uid);
  if (!seqs) co_return;
  auto name = mailbox_name(wire);
  if (!name) {
    bad(command.tag, "Invalid mailbox name");
    co_return;
  }
  if (move && selected_->read_only) {
    tagged(command.tag, Condition::kNo, "The mailbox is read-only", code::keyword("READ-ONLY"));
    co_return;
  }
  const std::string_view verb = move ? "MOVE" : "COPY";
  MailboxView& view = selected_->view;
  std::vector<store::Uid> uids;
  for (std::uint32_t seq : *seqs) {
    if (view.is_expunged(seq)) {
      // Another session expunged it and this client has not been told yet: copying the rest
      // would silently lose one (RFC 9051 §7.1 EXPUNGEISSUED).
      tagged(command.tag, Condition::kNo, "Some of the messages no longer exist", code::keyword("EXPUNGEISSUED"));
      co_return;
    }
    uids.push_back(view.uid_at(seq));
  }
  if (uids.empty()) {
    // RFC 9051 §6.4.9: a UID set naming no message is not an error.
    tagged(command.tag, Condition::kOk, std::string(verb) + " completed");
    co_return;
  }
  store::Store& store = services_.store;
  const store::AccountId account = account_->id;
  const store::MailboxId from = view.mailbox().id;
  auto work = [&store, account, from, &name, &uids, move]() -> Result<store::CopiedMessages, store::StoreError> {
    auto target = store.find_mailbox(account, *name);
    if (!target) return unexpected(target.error());
    return store.copy_messages(from, uids, target->id, move);
  };
  auto copied = co_await run_blocking(services_.blocking, work);
  if (!copied) {
    if (copied.error() == store::StoreError::kNotFound) {
      tagged(command.tag, Condition::kNo, "No such mailbox", code::keyword("TRYCREATE"));
    } else if (copied.error() == store::StoreError::kOverQuota) {
      tagged(command.tag, Condition::kNo, "Over quota", code::keyword("OVERQUOTA"));
    } else {
      tagged(command.tag, Condition::kNo, std::string(verb) + " failed, try again", code::keyword("UNAVAILABLE"));
    }
    co_return;
  }
  std::optional<proto::ResponseCode> copy_uid;
  std::vector<store::Uid> moved;
  if (!copied->uids.empty()) {
    std::vector<std::uint32_t> source, destination;
    for (const auto& [old_uid, new_uid] : copied->uids) {
      source.push_back(value(old_uid));
      destination.push_back(value(new_uid));
      moved.push_back(old_uid);
    }
    copy_uid = code::copy_uid(static_cast<std::uint32_t>(copied->uid_validity), proto::format_sequence_set(source),
                              proto::format_sequence_set(destination));
  }
  if (!move) {
    tagged(command.tag, Condition::kOk, "COPY completed", copy_uid);
    co_return;
  }
  // RFC 6851 §4.3: COPYUID in an untagged OK before the expunges.
  if (copy_uid) tagged("*", Condition::kOk, "Moved", copy_uid);
  std::sort(moved.begin(), moved.end());
  send_update(view.remove(moved, qresync_));
  tagged(command.tag, Condition::kOk, "MOVE completed");
}

Task<void> Session::on_expunge(const proto::Command& command, const proto::SequenceSet* uid_set) {
  if (selected_->read_only) {
    tagged(command.tag, Condition::kNo, "The mailbox is read-only", code::keyword("READ-ONLY"));
    co_return;
  }
  MailboxView& view = selected_->view;
  std::optional<std::vector<std::uint32_t>> limit;
  if (uid_set) {
    limit = resolve(command, *uid_set, true);
    if (!limit) co_return;
  }
  std::vector<store::Uid> deleted;
  for (std::uint32_t seq = 1; seq <= view.exists(); ++seq) {
    if (!store::has_flags(view.flags_at(seq), store::MessageFlags::kDeleted)) continue;
    if (limit && !std::binary_search(limit->begin(), limit->end(), seq)) continue;
    deleted.push_back(view.uid_at(seq));
  }
  if (!deleted.empty()) {
    store::Store& store = services_.store;
    const store::MailboxId id = view.mailbox().id;
    auto work = [&store, id, &deleted] { return store.expunge(id, deleted); };
    auto expunged = co_await run_blocking(services_.blocking, work);
    if (!expunged) {
      tagged(command.tag, Condition::kNo, "EXPUNGE failed, try again", code::keyword("UNAVAILABLE"));
      co_return;
    }
    send_update(view.remove(*expunged, qresync_));
  }
  co_await sync(true);
  tagged(command.tag, Condition::kOk, "EXPUNGE completed");
}

Task<void> Session::on_close(const proto::Command& command, bool expunge) {
  if (expunge && !selected_->read_only) {
    // RFC 9051 §6.4.1: CLOSE expunges silently.
    MailboxView& view = selected_->view;
    std::vector<store::Uid> deleted;
    for (std::uint32_t seq = 1; seq <= view.exists(); ++seq) {
      if (store::has_flags(view.flags_at(seq), store::MessageFlags::kDeleted)) deleted.push_back(view.uid_at(seq));
    }
    if (!deleted.empty()) {
      store::Store& store = services_.store;
      const store::MailboxId id = view.mailbox().id;
      auto work = [&store, id, &deleted] { return store.expunge(id, deleted); };
      (void)co_await run_blocking(services_.blocking, work);
    }
  }
  close_mailbox();
  tagged(command.tag, Condition::kOk, expunge ? "CLOSE completed" : "UNSELECT completed");
}

Task<Session::Flow> Session::on_idle(const proto::Command& command) {
  out_ += proto::continuation_request("idling");
  idling_ = true;
  std::optional<std::string> done;
  bool open = true;
  while (open && !done) {
    if (changes_pending_ && selected_) co_await sync(true);
    const bool written = co_await flush();
    if (!written || state_ == State::kLogout) {
      open = false;
      break;
    }
    proto::FrameResult event = framer_.next();
    if (auto* frame = std::get_if<proto::Frame>(&event)) {
      done = std::move(frame->bytes);
      break;
    }
    if (!std::holds_alternative<proto::NeedMore>(event)) {
      open = false;  // A literal or an over-long line instead of DONE: nothing sane to do.
      break;
    }
    if (stop_requested_) {
      untagged("BYE Server shutting down");
      close_reason_ = "shutdown";
      open = false;
      break;
    }
    const net::ReadStatus status = co_await stream_.wait_readable(limits_.idle_timeout);
    if (status == net::ReadStatus::kInterrupted) continue;
    if (status == net::ReadStatus::kOk) {
      open = co_await read_more(limits_.idle_timeout);
    } else if (status == net::ReadStatus::kTimeout) {
      untagged("BYE Autologout; idle for too long");
      close_reason_ = "timeout";
      open = false;
    } else {
      if (stop_requested_) untagged("BYE Server shutting down");
      close_reason_ = stop_requested_ ? "shutdown" : "client-closed";
      open = false;
    }
  }
  idling_ = false;
  if (!open) co_return Flow::kClose;
  if (!ascii::iequals(*done, "DONE")) {
    bad(command.tag, "Expected DONE");
    co_return Flow::kContinue;
  }
  tagged(command.tag, Condition::kOk, "IDLE terminated");
  co_return Flow::kContinue;
}

}  // namespace redoubt::imap::server
