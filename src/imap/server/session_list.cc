// LIST (RFC 9051 §6.3.9 with LIST-EXTENDED RFC 5258, SPECIAL-USE RFC 6154, LIST-STATUS RFC 5819)
// and LSUB (RFC 3501 §6.3.9).

#include <algorithm>
#include <map>
#include <set>

#include "imap/proto/mutf7.h"
#include "imap/server/list_match.h"
#include "imap/server/session.h"

namespace redoubt::imap::server {
namespace {

using proto::Condition;

struct AccountMailboxes {
  std::vector<store::MailboxInfo> mailboxes;
  std::vector<std::string> subscriptions;  // Sorted.
};

}  // namespace

// A reference or pattern in UTF-8. One that does not decode as modified UTF-7 (a wildcard inside
// a base64 run, say) is matched as sent.
std::string Session::pattern_name(std::string_view wire) const {
  if (utf8_names()) return std::string(wire);
  auto decoded = proto::decode_mutf7(wire);
  return decoded ? *decoded : std::string(wire);
}

Task<void> Session::on_list(const proto::Command& command, const proto::List& list) {
  if (list.patterns.size() == 1 && list.patterns.front().empty() && !list.selection.subscribed &&
      !list.selection.special_use) {
    // RFC 9051 §6.3.9: an empty pattern asks for the hierarchy delimiter and the root.
    untagged("LIST (\\Noselect) \"/\" \"\"");
    tagged(command.tag, Condition::kOk, "LIST completed");
    co_return;
  }
  const std::string reference = pattern_name(list.reference);
  std::vector<std::string> patterns;
  for (const std::string& pattern : list.patterns) patterns.push_back(pattern_name(pattern));

  store::Store& store = services_.store;
  const store::AccountId account = account_->id;
  auto load = [&store, account]() -> Result<AccountMailboxes, store::StoreError> {
    auto mailboxes = store.list_mailboxes(account);
    if (!mailboxes) return unexpected(mailboxes.error());
    auto subscriptions = store.list_subscriptions(account);
    if (!subscriptions) return unexpected(subscriptions.error());
    std::sort(subscriptions->begin(), subscriptions->end());
    return AccountMailboxes{std::move(*mailboxes), std::move(*subscriptions)};
  };
  auto loaded = co_await run_blocking(services_.blocking, load);
  if (!loaded) {
    tagged(command.tag, Condition::kNo, "LIST failed, try again", proto::response_code::keyword("UNAVAILABLE"));
    co_return;
  }
  auto find = [&loaded](std::string_view name) -> const store::MailboxInfo* {
    for (const store::MailboxInfo& mailbox : loaded->mailboxes) {
      if (mailbox.name == name) return &mailbox;
    }
    return nullptr;
  };
  auto subscribed = [&loaded](std::string_view name) {
    return std::binary_search(loaded->subscriptions.begin(), loaded->subscriptions.end(), name);
  };

  // RFC 5258 §4: \HasChildren is about the mailboxes that exist, whatever the selection.
  auto has_children = [&loaded](std::string_view name) {
    return std::any_of(loaded->mailboxes.begin(), loaded->mailboxes.end(), [name](const store::MailboxInfo& mailbox) {
      return mailbox.name.size() > name.size() && mailbox.name.starts_with(name) &&
             mailbox.name[name.size()] == kHierarchyDelimiter;
    });
  };
  auto matches = [&reference, &patterns](std::string_view name) {
    return std::any_of(patterns.begin(), patterns.end(), [&](const std::string& pattern) {
      return list_pattern_matches(combine_reference(reference, pattern), name);
    });
  };

  std::vector<ListEntry> entries;
  std::set<std::string> child_info;  // Names sent with ("CHILDINFO" ("SUBSCRIBED")).
  if (list.selection.subscribed) {
    // RFC 5258 §3.1: subscribed names, whether the mailbox exists or not.
    for (const std::string& name : loaded->subscriptions) {
      if (matches(name)) entries.push_back(ListEntry{name, false, has_children(name)});
      if (!list.selection.recursive_match) continue;
      // RFC 5258 §3.5: with RECURSIVEMATCH, the matching names above a subscribed one are
      // returned too, subscribed or not, with CHILDINFO.
      for (std::size_t slash = name.find(kHierarchyDelimiter); slash != std::string::npos;
           slash = name.find(kHierarchyDelimiter, slash + 1)) {
        const std::string parent = name.substr(0, slash);
        if (matches(parent)) child_info.insert(parent);
      }
    }
    for (const std::string& parent : child_info) {
      if (!subscribed(parent)) entries.push_back(ListEntry{parent, false, has_children(parent)});
    }
    std::sort(entries.begin(), entries.end(),
              [](const ListEntry& a, const ListEntry& b) { return a.name < b.name; });
  } else {
    std::vector<std::string> names;
    for (const store::MailboxInfo& mailbox : loaded->mailboxes) names.push_back(mailbox.name);
    entries = list_mailboxes(names, reference, patterns);
  }

  const bool want_subscribed = list.returns.subscribed || list.selection.subscribed;
  for (const ListEntry& entry : entries) {
    const store::MailboxInfo* mailbox = find(entry.name);
    if (list.selection.special_use && (!mailbox || mailbox->special_use.empty())) continue;
    std::string attributes;
    auto add = [&attributes](std::string_view attribute) {
      if (!attributes.empty()) attributes += ' ';
      attributes += attribute;
    };
    if (!mailbox && !entry.is_placeholder) add("\\NonExistent");
    if (entry.is_placeholder) add("\\Noselect");
    if (mailbox || entry.is_placeholder) add(entry.has_children || entry.is_placeholder ? "\\HasChildren" : "\\HasNoChildren");
    if (want_subscribed && subscribed(entry.name)) add("\\Subscribed");
    if (mailbox && !mailbox->special_use.empty()) add(mailbox->special_use);
    std::string line = "LIST (" + attributes + ") \"/\" ";
    const std::string name = wire_name(entry.name);
    proto::append_astring(line, name, string_options());
    if (child_info.count(entry.name) != 0) line += " (\"CHILDINFO\" (\"SUBSCRIBED\"))";
    untagged(line);
    if (list.returns.status && mailbox) {
      // RFC 5819 §2: STATUS right after the mailbox's LIST response.
      auto items = co_await status_items(*mailbox, *list.returns.status);
      if (items) {
        std::string status = "STATUS ";
        proto::append_astring(status, name, string_options());
        untagged(status + " (" + *items + ")");
      }
    }
  }
  tagged(command.tag, Condition::kOk, "LIST completed");
}

Task<void> Session::on_lsub(const proto::Command& command, const proto::Lsub& lsub) {
  store::Store& store = services_.store;
  const store::AccountId account = account_->id;
  auto load = [&store, account] { return store.list_subscriptions(account); };
  auto subscriptions = co_await run_blocking(services_.blocking, load);
  if (!subscriptions) {
    tagged(command.tag, Condition::kNo, "LSUB failed, try again", proto::response_code::keyword("UNAVAILABLE"));
    co_return;
  }
  const std::string pattern = combine_reference(pattern_name(lsub.reference), pattern_name(lsub.pattern));
  std::sort(subscriptions->begin(), subscriptions->end());
  // Name -> \Noselect: RFC 3501 §6.3.9, "%" returns a level above a subscribed name ("foo" for
  // "foo/bar") even when that level is not subscribed itself, flagged \Noselect.
  std::map<std::string, bool> matched;
  for (const std::string& name : *subscriptions) {
    if (list_pattern_matches(pattern, name)) matched[name] = false;
    if (pattern.empty() || pattern.back() != '%') continue;
    for (std::size_t slash = name.find(kHierarchyDelimiter); slash != std::string::npos;
         slash = name.find(kHierarchyDelimiter, slash + 1)) {
      const std::string parent = name.substr(0, slash);
      if (list_pattern_matches(pattern, parent) &&
          !std::binary_search(subscriptions->begin(), subscriptions->end(), parent)) {
        matched.emplace(parent, true);
      }
    }
  }
  for (const auto& [name, noselect] : matched) {
    std::string line = noselect ? "LSUB (\\Noselect) \"/\" " : "LSUB () \"/\" ";
    proto::append_astring(line, wire_name(name), string_options());
    untagged(line);
  }
  tagged(command.tag, Condition::kOk, "LSUB completed");
}

}  // namespace redoubt::imap::server
