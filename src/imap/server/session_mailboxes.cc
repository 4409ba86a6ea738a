// Authenticated-state commands on mailboxes: SELECT/EXAMINE, CREATE, DELETE, RENAME,
// (UN)SUBSCRIBE, NAMESPACE, STATUS, APPEND, GETQUOTA(ROOT), CLOSE/UNSELECT.

#include <algorithm>
#include <climits>
#include <cstdint>
#include <ctime>

#include "base/ascii.h"
#include "base/utf8.h"
#include "imap/proto/mutf7.h"
#include "imap/server/flags.h"
#include "imap/server/session.h"
#include "imap/server/summary.h"
#include "imap/server/vanished.h"

namespace redoubt::imap::server {
namespace {

using proto::Condition;
namespace code = proto::response_code;

// The one wire answer for each store failure (STYLE.md: errors map to replies in one place).
void store_failure(std::string& out, std::string_view tag, store::StoreError error, std::string_view what) {
  using store::StoreError;
  switch (error) {
    case StoreError::kNotFound:
      out += proto::status_response(tag, Condition::kNo, code::keyword("NONEXISTENT"),
                                    std::string(what) + ": no such mailbox");
      return;
    case StoreError::kExists:
      out += proto::status_response(tag, Condition::kNo, code::keyword("ALREADYEXISTS"),
                                    std::string(what) + ": the mailbox already exists");
      return;
    case StoreError::kInvalid:
      out += proto::status_response(tag, Condition::kNo, code::keyword("CANNOT"), std::string(what) + ": not allowed");
      return;
    case StoreError::kOverQuota:
      out += proto::status_response(tag, Condition::kNo, code::keyword("OVERQUOTA"),
                                    std::string(what) + ": over quota");
      return;
    case StoreError::kTooLarge:
      out += proto::status_response(tag, Condition::kNo, code::keyword("TOOBIG"), std::string(what) + ": too large");
      return;
    case StoreError::kInUse:
    case StoreError::kTemporary:
      out += proto::status_response(tag, Condition::kNo, code::keyword("UNAVAILABLE"),
                                    std::string(what) + ": temporary failure, try again");
      return;
  }
}

}  // namespace

std::optional<std::string> Session::mailbox_name(std::string_view wire) const {
  std::string name;
  if (utf8_names()) {
    if (!is_utf8(wire)) return std::nullopt;
    name = wire;
  } else {
    auto decoded = proto::decode_mutf7(wire);
    if (!decoded) return std::nullopt;
    name = std::move(*decoded);
  }
  // RFC 9051 §5.1: INBOX is case-insensitive, and so is it as the first level of a child.
  if (ascii::iequals(name, "INBOX")) return std::string("INBOX");
  if (name.size() > 6 && ascii::iequals(std::string_view(name).substr(0, 6), "INBOX/")) name.replace(0, 5, "INBOX");
  return name;
}

std::string Session::wire_name(std::string_view name) const {
  if (utf8_names()) return std::string(name);
  auto encoded = proto::encode_mutf7(name);
  return encoded ? *encoded : std::string(name);
}

void Session::close_mailbox() {
  if (!selected_) return;
  selected_.reset();
  state_ = State::kAuthenticated;
}

Task<void> Session::on_select(const proto::Command& command, std::string_view wire, const proto::SelectParams& params,
                              bool read_only) {
  const bool was_selected = selected_.has_value();
  close_mailbox();
  // RFC 7162 §3.2.11: a CONDSTORE/QRESYNC client hears that the previous mailbox is closed.
  if (was_selected && condstore_) untagged("OK [CLOSED] Previous mailbox closed");
  if (params.qresync && !qresync_) {
    bad(command.tag, "QRESYNC must be enabled first");
    co_return;
  }
  auto name = mailbox_name(wire);
  if (!name) {
    bad(command.tag, "Invalid mailbox name");
    co_return;
  }
  store::Store& store = services_.store;
  const store::AccountId account = account_->id;
  auto load = [&store, account, &name]() -> Result<store::MailboxChanges, store::StoreError> {
    auto mailbox = store.find_mailbox(account, *name);
    if (!mailbox) return unexpected(mailbox.error());
    return store.changes_since(mailbox->id, store::ModSeq(0));
  };
  auto loaded = co_await run_blocking(services_.blocking, load);
  if (!loaded) {
    store_failure(out_, command.tag, loaded.error(), "SELECT");
    co_return;
  }
  if (params.condstore) condstore_ = true;
  selected_.emplace(Selected{MailboxView(loaded->mailbox, std::move(loaded->changed)), read_only, {}});
  state_ = State::kSelected;
  const MailboxView& view = selected_->view;
  const store::MailboxInfo& info = view.mailbox();

  selected_->keywords = view.keywords_in_use();
  announce_flags(false);
  untagged(std::to_string(view.exists()) + " EXISTS");
  if (!imap4rev2_) untagged("0 RECENT");  // \Recent is not kept (IMAP4rev2 dropped it).
  announce_permanent_flags();
  if (!imap4rev2_) {
    for (std::uint32_t seq = 1; seq <= view.exists(); ++seq) {
      if (!store::has_flags(view.flags_at(seq), store::MessageFlags::kSeen)) {
        tagged("*", Condition::kOk, "First unseen", proto::ResponseCode{"UNSEEN " + std::to_string(seq)});
        break;
      }
    }
  }
  tagged("*", Condition::kOk, "UIDs valid", code::uid_validity(static_cast<std::uint32_t>(info.uid_validity)));
  tagged("*", Condition::kOk, "Predicted next UID", code::uid_next(static_cast<std::uint32_t>(info.uid_next)));
  tagged("*", Condition::kOk, "Highest", code::highest_modseq(static_cast<std::uint64_t>(info.highest_modseq)));
  if (imap4rev2_) {
    // RFC 9051 §6.3.2: IMAP4rev2 servers send the mailbox's LIST response too, and "the list of
    // mailbox attributes MUST be accurate": the ones LIST gives it.
    auto list_all = [&store, account] { return store.list_mailboxes(account); };
    auto all = co_await run_blocking(services_.blocking, list_all);
    std::string attributes;
    if (all) {
      const std::string prefix = info.name + "/";
      const bool children = std::any_of(all->begin(), all->end(), [&prefix](const store::MailboxInfo& mailbox) {
        return mailbox.name.starts_with(prefix);
      });
      attributes = children ? "\\HasChildren" : "\\HasNoChildren";
    }
    if (!info.special_use.empty()) attributes += (attributes.empty() ? "" : " ") + info.special_use;
    std::string list = "LIST (" + attributes + ") \"/\" ";
    proto::append_astring(list, wire_name(info.name), string_options());
    untagged(list);
  }

  if (params.qresync && params.qresync->uid_validity == static_cast<std::uint32_t>(info.uid_validity)) {
    // RFC 7162 §3.2.5.2: what changed since the client's MODSEQ, as VANISHED (EARLIER) + FETCH.
    const auto since = store::ModSeq(params.qresync->modseq);
    const store::MailboxId id = info.id;
    auto changes = [&store, id, since] { return store.changes_since(id, since); };
    auto changed = co_await run_blocking(services_.blocking, changes);
    if (changed && changed->expunges_incomplete) {
      // The expunge log was pruned past the client's MODSEQ: every UID of the client's range
      // (known-uids, or 1:UIDNEXT-1) that this freshly loaded view lacks (RFC 7162 §3.2.5.2).
      const proto::SequenceSet* known = params.qresync->known_uids ? &*params.qresync->known_uids : nullptr;
      const std::string vanished = vanished_outside_view(selected_->view, known);
      if (!vanished.empty()) untagged("VANISHED (EARLIER) " + vanished);
    } else if (changed) {
      std::vector<std::uint32_t> vanished;
      for (store::Uid uid : changed->expunged) {
        const auto u = static_cast<std::uint32_t>(uid);
        if (!params.qresync->known_uids || set_contains(*params.qresync->known_uids, u)) vanished.push_back(u);
      }
      if (!vanished.empty()) untagged("VANISHED (EARLIER) " + proto::format_sequence_set(vanished));
      for (const store::MessageInfo& message : changed->changed) {
        if (auto seq = selected_->view.seq_of(message.uid)) append_flags_fetch(*seq, true);
      }
    }
  }
  tagged(command.tag, Condition::kOk, read_only ? "EXAMINE completed" : "SELECT completed",
         code::keyword(read_only ? "READ-ONLY" : "READ-WRITE"));
}

Task<void> Session::on_create(const proto::Command& command, const proto::Create& create) {
  auto name = mailbox_name(create.mailbox);
  if (!name) {
    bad(command.tag, "Invalid mailbox name");
    co_return;
  }
  // RFC 9051 §6.3.4: a trailing delimiter only says the client means to create children.
  while (name->size() > 1 && name->back() == '/') name->pop_back();
  std::string special_use;
  if (create.special_use) {
    if (create.special_use->size() > 1) {
      tagged(command.tag, Condition::kNo, "One special use per mailbox", code::keyword("USEATTR"));
      co_return;
    }
    if (!create.special_use->empty()) special_use = create.special_use->front();
  }
  store::Store& store = services_.store;
  const store::AccountId account = account_->id;
  auto work = [&store, account, &name, &special_use] {
    // RFC 9051 §6.3.4: the levels above a new name are created too (as Dovecot and Cyrus do),
    // so that every name a client sees has a real parent to select or delete.
    for (std::size_t slash = name->find('/'); slash != std::string::npos; slash = name->find('/', slash + 1)) {
      (void)store.create_mailbox(account, std::string_view(*name).substr(0, slash));
    }
    return store.create_mailbox(account, *name, special_use);
  };
  auto created = co_await run_blocking(services_.blocking, work);
  if (!created) {
    if (created.error() == store::StoreError::kInvalid && !special_use.empty()) {
      tagged(command.tag, Condition::kNo, "Unsupported special use", code::keyword("USEATTR"));
    } else {
      store_failure(out_, command.tag, created.error(), "CREATE");
    }
    co_return;
  }
  tagged(command.tag, Condition::kOk, "CREATE completed");
}

Task<void> Session::on_delete(const proto::Command& command, const proto::Delete& del) {
  auto name = mailbox_name(del.mailbox);
  if (!name) {
    bad(command.tag, "Invalid mailbox name");
    co_return;
  }
  if (selected_ && selected_->view.mailbox().name == *name) close_mailbox();
  store::Store& store = services_.store;
  const store::AccountId account = account_->id;
  auto work = [&store, account, &name] { return store.delete_mailbox(account, *name); };
  auto deleted = co_await run_blocking(services_.blocking, work);
  if (!deleted) {
    store_failure(out_, command.tag, deleted.error(), "DELETE");
    co_return;
  }
  tagged(command.tag, Condition::kOk, "DELETE completed");
}

Task<void> Session::on_rename(const proto::Command& command, const proto::Rename& rename) {
  auto from = mailbox_name(rename.from);
  auto to = mailbox_name(rename.to);
  if (!from || !to) {
    bad(command.tag, "Invalid mailbox name");
    co_return;
  }
  store::Store& store = services_.store;
  const store::AccountId account = account_->id;
  auto work = [&store, account, &from, &to] { return store.rename_mailbox(account, *from, *to); };
  auto renamed = co_await run_blocking(services_.blocking, work);
  if (!renamed) {
    store_failure(out_, command.tag, renamed.error(), "RENAME");
    co_return;
  }
  if (selected_ && selected_->view.mailbox().name == *from && *from != "INBOX") close_mailbox();
  tagged(command.tag, Condition::kOk, "RENAME completed");
}

Task<void> Session::on_subscribe(const proto::Command& command, std::string_view wire, bool subscribe) {
  auto name = mailbox_name(wire);
  if (!name) {
    bad(command.tag, "Invalid mailbox name");
    co_return;
  }
  store::Store& store = services_.store;
  const store::AccountId account = account_->id;
  auto work = [&store, account, &name, subscribe] { return store.set_subscribed(account, *name, subscribe); };
  auto done = co_await run_blocking(services_.blocking, work);
  if (!done) {
    store_failure(out_, command.tag, done.error(), subscribe ? "SUBSCRIBE" : "UNSUBSCRIBE");
    co_return;
  }
  tagged(command.tag, Condition::kOk, subscribe ? "SUBSCRIBE completed" : "UNSUBSCRIBE completed");
}

void Session::on_namespace(const proto::Command& command) {
  // RFC 2342: one personal namespace with "/" as delimiter, no shared or other users' ones.
  untagged("NAMESPACE ((\"\" \"/\")) NIL NIL");
  tagged(command.tag, Condition::kOk, "NAMESPACE completed");
}

Task<std::optional<std::string>> Session::status_items(const store::MailboxInfo& mailbox,
                                                       std::span<const proto::StatusItem> items) {
  store::Store& store = services_.store;
  const store::MailboxId id = mailbox.id;
  auto work = [&store, id] { return store.mailbox_counts(id); };
  auto counts = co_await run_blocking(services_.blocking, work);
  if (!counts) co_return std::nullopt;
  std::string out;
  for (proto::StatusItem item : items) {
    if (!out.empty()) out += ' ';
    switch (item) {
      case proto::StatusItem::kMessages: out += "MESSAGES " + std::to_string(counts->messages); break;
      case proto::StatusItem::kUidNext: out += "UIDNEXT " + std::to_string(static_cast<std::uint32_t>(mailbox.uid_next)); break;
      case proto::StatusItem::kUidValidity:
        out += "UIDVALIDITY " + std::to_string(static_cast<std::uint32_t>(mailbox.uid_validity));
        break;
      case proto::StatusItem::kUnseen: out += "UNSEEN " + std::to_string(counts->unseen); break;
      case proto::StatusItem::kDeleted: out += "DELETED " + std::to_string(counts->deleted); break;
      case proto::StatusItem::kSize: out += "SIZE " + std::to_string(counts->size); break;
      case proto::StatusItem::kRecent: out += "RECENT 0"; break;
      case proto::StatusItem::kHighestModSeq:
        out += "HIGHESTMODSEQ " + std::to_string(static_cast<std::uint64_t>(mailbox.highest_modseq));
        break;
      case proto::StatusItem::kAppendLimit: out += "APPENDLIMIT " + std::to_string(limits_.max_append); break;
    }
  }
  co_return out;
}

Task<void> Session::on_status(const proto::Command& command, const proto::Status& status) {
  auto name = mailbox_name(status.mailbox);
  if (!name) {
    bad(command.tag, "Invalid mailbox name");
    co_return;
  }
  store::Store& store = services_.store;
  const store::AccountId account = account_->id;
  auto find = [&store, account, &name] { return store.find_mailbox(account, *name); };
  auto mailbox = co_await run_blocking(services_.blocking, find);
  if (!mailbox) {
    store_failure(out_, command.tag, mailbox.error(), "STATUS");
    co_return;
  }
  auto items = co_await status_items(*mailbox, status.items);
  if (!items) {
    store_failure(out_, command.tag, store::StoreError::kTemporary, "STATUS");
    co_return;
  }
  std::string line = "STATUS ";
  proto::append_astring(line, wire_name(mailbox->name), string_options());
  line += " (" + *items + ")";
  untagged(line);
  tagged(command.tag, Condition::kOk, "STATUS completed");
}

Task<void> Session::on_append(const proto::Command& command, const proto::Append& append) {
  auto name = mailbox_name(append.mailbox);
  if (!name) {
    bad(command.tag, "Invalid mailbox name");
    co_return;
  }
  // Validate everything before storing anything: MULTIAPPEND is all or nothing (RFC 3502 §6.3.11).
  std::vector<ParsedFlags> flags;
  for (const proto::AppendMessage& message : append.messages) {
    auto parsed = parse_flags(message.flags.value_or(std::vector<std::string>{}));
    if (!parsed) {
      bad(command.tag, parsed.error());
      co_return;
    }
    // A streamed message's octets went to its writer (session.h), not into `message`.
    const std::uint64_t size =
        message.streamed_literal ? streamed_.at(*message.streamed_literal).size : message.message.size();
    if (size == 0) {
      tagged(command.tag, Condition::kNo, "Empty messages are not stored");
      co_return;
    }
    if (size > limits_.max_append) {
      tagged(command.tag, Condition::kNo, "Message over APPENDLIMIT", code::keyword("TOOBIG"));
      co_return;
    }
    flags.push_back(std::move(*parsed));
  }
  store::Store& store = services_.store;
  const store::AccountId account = account_->id;
  const std::int64_t now = std::time(nullptr);
  std::vector<StreamedMessage>& streamed = streamed_;
  auto work = [&store, account, &name, &append, &flags, &streamed,
               now]() -> Result<std::vector<store::AppendedMessage>, store::StoreError> {
    auto mailbox = store.find_mailbox(account, *name);
    if (!mailbox) return unexpected(mailbox.error());
    // Each body is stored (with its summary) before the messages are added, all in one
    // transaction: a crash or a failure leaves none of them in the mailbox.
    const auto body = [&store, &streamed](const proto::AppendMessage& message) -> Result<store::BlobRef, store::StoreError> {
      if (message.streamed_literal) {
        StreamedMessage& streamed_message = streamed.at(*message.streamed_literal);
        if (streamed_message.writer) {
          streamed_message.blob = finish_blob(store, *streamed_message.writer);
          streamed_message.writer.reset();
        }
        return *streamed_message.blob;
      }
      store::BlobWriter writer = store.new_blob();
      if (auto written = writer.append(message.message); !written) return unexpected(written.error());
      auto blob = writer.finish();
      if (blob) blob->summary = summarize(message.message);
      return blob;
    };
    std::vector<store::AppendRequest> requests;
    for (std::size_t i = 0; i < append.messages.size(); ++i) {
      const proto::AppendMessage& message = append.messages[i];
      auto blob = body(message);
      if (!blob) return unexpected(blob.error());
      const std::int64_t date = message.internal_date ? proto::to_unix(*message.internal_date) : now;
      requests.push_back(store::AppendRequest{std::move(*blob), flags[i].system, flags[i].keywords, date});
    }
    return store.append(mailbox->id, requests);
  };
  auto appended = co_await run_blocking(services_.blocking, work);
  if (!appended) {
    if (appended.error() == store::StoreError::kNotFound) {
      // RFC 9051 §6.3.12: [TRYCREATE] tells the client it may create the mailbox and retry.
      tagged(command.tag, Condition::kNo, "APPEND: no such mailbox", code::keyword("TRYCREATE"));
    } else {
      store_failure(out_, command.tag, appended.error(), "APPEND");
    }
    co_return;
  }
  std::vector<std::uint32_t> uids;
  for (const store::AppendedMessage& message : *appended) uids.push_back(static_cast<std::uint32_t>(message.uid));
  if (selected_ && selected_->view.mailbox().name == *name) co_await sync(true);
  tagged(command.tag, Condition::kOk, "APPEND completed",
         code::append_uid(static_cast<std::uint32_t>(appended->front().uid_validity), proto::format_sequence_set(uids)));
}

Task<void> Session::on_getquota(const proto::Command& command, std::string_view root, bool by_mailbox) {
  // One quota root per account, named "", which exists only when the account has a limit
  // (RFC 9208 §5.1's quota-list needs at least one resource).
  auto name = by_mailbox ? mailbox_name(root) : std::optional<std::string>("");
  if (!name) {
    bad(command.tag, "Invalid mailbox name");
    co_return;
  }
  store::Store& store = services_.store;
  const store::AccountId account = account_->id;
  auto work = [&store, account, &name, by_mailbox]() -> Result<store::QuotaUsage, store::StoreError> {
    if (by_mailbox) {
      auto mailbox = store.find_mailbox(account, *name);
      if (!mailbox) return unexpected(mailbox.error());
    }
    return store.quota(account);
  };
  auto usage = co_await run_blocking(services_.blocking, work);
  if (!usage) {
    store_failure(out_, command.tag, usage.error(), by_mailbox ? "GETQUOTAROOT" : "GETQUOTA");
    co_return;
  }
  const bool has_root = usage->limit_bytes > 0;
  if (by_mailbox) {
    std::string line = "QUOTAROOT ";
    proto::append_astring(line, root, string_options());
    untagged(line + (has_root ? " \"\"" : ""));
  } else if (!root.empty() || !has_root) {
    tagged(command.tag, Condition::kNo, "No such quota root", code::keyword("NONEXISTENT"));
    co_return;
  }
  // RFC 9208 §5.1: STORAGE in units of 1024 octets.
  if (has_root) {
    untagged("QUOTA \"\" (STORAGE " + std::to_string((usage->used_bytes + 1023) / 1024) + " " +
             std::to_string(usage->limit_bytes / 1024) + ")");
  }
  tagged(command.tag, Condition::kOk, by_mailbox ? "GETQUOTAROOT completed" : "GETQUOTA completed");
}

}  // namespace redoubt::imap::server
