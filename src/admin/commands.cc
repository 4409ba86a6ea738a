#include "admin/commands.h"

#include <charconv>

#include "auth/password.h"
#include "auth/scram.h"
#include "store/address.h"

namespace redoubt::admin {
namespace {

std::string failure(std::string_view what, std::string_view subject, store::StoreError error) {
  return std::string(what) + " " + std::string(subject) + ": " + std::string(store::describe(error));
}

// "none", or a whole number of bytes (0 also means none).
Result<std::uint64_t, std::string> parse_limit(std::string_view text) {
  if (text == "none") return std::uint64_t{0};
  std::uint64_t bytes = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), bytes);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) {
    return unexpected("quota: \"" + std::string(text) + "\" is neither a number of bytes nor \"none\"");
  }
  return bytes;
}

std::string describe_usage(std::string_view address, const store::QuotaUsage& usage) {
  std::string out = std::string(address) + ": " + std::to_string(usage.used_bytes) + " bytes in " +
                    std::to_string(usage.messages) + " messages; ";
  if (usage.limit_bytes == 0) return out + "no limit\n";
  // Rounded down: "100%" only once the account is full.
  const auto percent = static_cast<unsigned long long>(static_cast<long double>(usage.used_bytes) * 100 /
                                                       static_cast<long double>(usage.limit_bytes));
  return out + "limit " + std::to_string(usage.limit_bytes) + " bytes (" + std::to_string(percent) + "% used)\n";
}

// What the store keeps of one password: the Argon2id hash (LOGIN, AUTHENTICATE PLAIN) and the
// SCRAM-SHA-256 credentials (AUTHENTICATE SCRAM-SHA-256), made together so both always match.
struct Secrets {
  std::string hash;
  std::string scram;
};

Result<Secrets, std::string> hash(std::string_view password) {
  // SCRAM first: it may refuse the password (SASLprep) and takes milliseconds, Argon2id a second.
  auto scram = auth::make_scram_credentials(password);
  if (!scram) {
    switch (scram.error()) {
      case auth::ScramError::kEmptyPassword: return unexpected(std::string("the password is empty"));
      case auth::ScramError::kTooLong: return unexpected(std::string("the password is longer than 1024 bytes"));
      case auth::ScramError::kProhibited:
        return unexpected(std::string(
            "the password has characters SASLprep (RFC 4013) refuses: control characters, invalid UTF-8, or "
            "characters Unicode 3.2 lacks (such as most emoji); choose another"));
      default: return unexpected(std::string("cannot hash the password"));
    }
  }
  auto hashed = auth::hash_password(password);
  if (hashed) return Secrets{std::move(*hashed), auth::format_scram_credentials(*scram)};
  switch (hashed.error()) {
    case auth::PasswordError::kEmpty: return unexpected(std::string("the password is empty"));
    case auth::PasswordError::kTooLong: return unexpected(std::string("the password is longer than 1024 bytes"));
    case auth::PasswordError::kInternal: break;
  }
  return unexpected(std::string("cannot hash the password"));
}

}  // namespace

Outcome domain_add(store::Store& store, std::string_view name) {
  if (auto r = store.add_domain(name); !r) return unexpected(failure("domain", name, r.error()));
  return "domain " + std::string(name) + " added\n";
}

Outcome domain_remove(store::Store& store, std::string_view name) {
  if (auto r = store.remove_domain(name); !r) {
    if (r.error() == store::StoreError::kInUse) {
      return unexpected("domain " + std::string(name) + ": still has accounts or aliases; remove them first");
    }
    return unexpected(failure("domain", name, r.error()));
  }
  return "domain " + std::string(name) + " removed\n";
}

Outcome domain_list(store::Store& store) {
  auto domains = store.list_domains();
  if (!domains) return unexpected(failure("domain", "list", domains.error()));
  std::string out;
  for (const store::DomainInfo& d : *domains) out += d.name + "\n";
  return out;
}

Outcome account_add(store::Store& store, std::string_view address, std::string_view password) {
  // Check the address before spending a second on Argon2.
  if (auto normalized = store::normalize_address(address); !normalized) {
    return unexpected(failure("account", address, normalized.error()));
  }
  auto hashed = hash(password);
  if (!hashed) return unexpected(hashed.error());
  if (auto r = store.add_account(address, hashed->hash, hashed->scram); !r) {
    if (r.error() == store::StoreError::kNotFound) {
      return unexpected("account " + std::string(address) + ": its domain is not a local domain (redoubt domain add)");
    }
    return unexpected(failure("account", address, r.error()));
  }
  return "account " + std::string(address) + " added\n";
}

Outcome account_passwd(store::Store& store, std::string_view address, std::string_view password) {
  auto hashed = hash(password);
  if (!hashed) return unexpected(hashed.error());
  if (auto r = store.set_password(address, hashed->hash, hashed->scram); !r) {
    return unexpected(failure("account", address, r.error()));
  }
  return "password of " + std::string(address) + " changed\n";
}

Outcome account_remove(store::Store& store, std::string_view address) {
  if (auto r = store.remove_account(address); !r) return unexpected(failure("account", address, r.error()));
  return "account " + std::string(address) + " removed, with its mailboxes and messages\n";
}

Outcome account_list(store::Store& store, const std::optional<std::string>& domain) {
  auto accounts = domain ? store.list_accounts(std::string_view(*domain)) : store.list_accounts();
  if (!accounts) return unexpected(failure("account", "list", accounts.error()));
  std::string out;
  for (const store::AccountInfo& a : *accounts) out += a.address + "\n";
  return out;
}

Outcome account_quota(store::Store& store, std::string_view address, const std::optional<std::string>& limit) {
  std::optional<std::uint64_t> bytes;
  if (limit) {
    auto parsed = parse_limit(*limit);
    if (!parsed) return unexpected(parsed.error());
    bytes = *parsed;
  }
  auto account = store.find_account(address);
  if (!account) return unexpected(failure("account", address, account.error()));
  if (!bytes) {
    auto usage = store.quota(account->id);
    if (!usage) return unexpected(failure("account", address, usage.error()));
    return describe_usage(account->address, *usage);
  }
  if (auto r = store.set_quota(account->id, *bytes); !r) {
    if (r.error() == store::StoreError::kInvalid) return unexpected(std::string("quota: at most 2^63-1 bytes"));
    return unexpected(failure("account", address, r.error()));
  }
  if (*bytes == 0) return "quota of " + account->address + " removed\n";
  return "quota of " + account->address + " set to " + std::to_string(*bytes) + " bytes\n";
}

Outcome alias_add(store::Store& store, std::string_view address, const std::vector<std::string>& targets) {
  for (const std::string& target : targets) {
    if (auto r = store.add_alias(address, target); !r) {
      if (r.error() == store::StoreError::kInvalid) {
        return unexpected("alias " + std::string(address) + " -> " + target +
                          ": the target must be a local account or alias (forwarding to other servers needs "
                          "the outbound queue, not built yet)");
      }
      if (r.error() == store::StoreError::kNotFound) {
        return unexpected("alias " + std::string(address) + ": its domain is not a local domain");
      }
      return unexpected(failure("alias", std::string(address) + " -> " + target, r.error()));
    }
  }
  std::string out = "alias " + std::string(address) + " ->";
  for (const std::string& target : targets) out += " " + target;
  return out + "\n";
}

Outcome alias_remove(store::Store& store, std::string_view address, const std::optional<std::string>& target) {
  std::optional<std::string_view> which;
  if (target) which = *target;
  if (auto r = store.remove_alias(address, which); !r) return unexpected(failure("alias", address, r.error()));
  return "alias " + std::string(address) + (target ? " -> " + *target : "") + " removed\n";
}

Outcome alias_list(store::Store& store) {
  auto aliases = store.list_aliases();
  if (!aliases) return unexpected(failure("alias", "list", aliases.error()));
  std::string out;
  for (const auto& alias : *aliases) out += alias.address + " -> " + alias.target + "\n";
  return out;
}

Outcome mail_mailboxes(store::Store& store, std::string_view address) {
  auto account = store.find_account(address);
  if (!account) return unexpected(failure("account", address, account.error()));
  auto mailboxes = store.list_mailboxes(account->id);
  if (!mailboxes) return unexpected(failure("account", address, mailboxes.error()));
  std::string out;
  for (const store::MailboxInfo& m : *mailboxes) {
    out += m.name + " " + std::to_string(static_cast<std::uint32_t>(m.uid_validity)) + " " +
           std::to_string(static_cast<std::uint32_t>(m.uid_next)) + " " +
           std::to_string(static_cast<std::uint64_t>(m.highest_modseq)) + " " +
           (m.special_use.empty() ? "-" : m.special_use) + "\n";
  }
  return out;
}

Outcome mail_list(store::Store& store, std::string_view address) {
  auto account = store.find_account(address);
  if (!account) return unexpected(failure("account", address, account.error()));
  auto mailboxes = store.list_mailboxes(account->id);
  if (!mailboxes) return unexpected(failure("account", address, mailboxes.error()));
  std::string out;
  for (const store::MailboxInfo& m : *mailboxes) {
    auto messages = store.list_messages(m.id);
    if (!messages) return unexpected(failure("mailbox", m.name, messages.error()));
    for (const store::MessageInfo& message : *messages) {
      out += m.name + " " + std::to_string(static_cast<std::uint32_t>(message.uid)) + " " +
             std::to_string(static_cast<std::uint64_t>(message.modseq)) + " " + std::to_string(message.size) + "\n";
    }
  }
  return out;
}

Outcome mail_cat(store::Store& store, std::string_view address, std::string_view mailbox, std::uint32_t uid) {
  auto account = store.find_account(address);
  if (!account) return unexpected(failure("account", address, account.error()));
  auto mailboxes = store.list_mailboxes(account->id);
  if (!mailboxes) return unexpected(failure("account", address, mailboxes.error()));
  for (const store::MailboxInfo& m : *mailboxes) {
    if (m.name != mailbox) continue;
    auto messages = store.list_messages(m.id);
    if (!messages) return unexpected(failure("mailbox", m.name, messages.error()));
    for (const store::MessageInfo& message : *messages) {
      if (static_cast<std::uint32_t>(message.uid) != uid) continue;
      auto bytes = store.read_blob(message.blob_hash);
      if (!bytes) return unexpected(failure("message", std::to_string(uid), bytes.error()));
      return std::move(*bytes);
    }
    return unexpected(std::string(mailbox) + ": no message with UID " + std::to_string(uid));
  }
  return unexpected(std::string(address) + ": no mailbox " + std::string(mailbox));
}

Outcome store_gc(store::Store& store, const store::GarbageOptions& options) {
  if (options.blob_grace_seconds < 0 || options.expunge_retention_seconds < 0) {
    return unexpected(std::string("gc: durations must not be negative"));
  }
  auto report = store.collect_garbage(options);
  if (!report) return unexpected("gc: " + std::string(store::describe(report.error())));
  return "blobs_removed=" + std::to_string(report->blobs_removed) +
         " orphan_files_removed=" + std::to_string(report->orphan_files_removed) +
         " bytes_freed=" + std::to_string(report->bytes_freed) +
         " expunges_pruned=" + std::to_string(report->expunges_pruned) + "\n";
}

}  // namespace redoubt::admin
