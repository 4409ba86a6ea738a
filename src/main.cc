// The one `redoubt` binary: `serve` runs the server; the other subcommands administer it and work
// with the server running or stopped. See README.md and docs/configuration.md.

#include <filesystem>
#include <functional>
#include <iostream>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "admin/commands.h"
#include "admin/password_input.h"
#include "config/config.h"
#include "daemon/privileges.h"
#include "daemon/serve.h"
#include "store/store.h"

namespace {

using redoubt::Result;
namespace admin = redoubt::admin;

struct Options {
  std::string config_file;
  std::string data_dir;
};

// Every subcommand takes --config and --data, so several instances can run side by side.
CLI::App* subcommand(CLI::App& parent, const std::string& name, const std::string& help, Options& options) {
  CLI::App* app = parent.add_subcommand(name, help);
  app->add_option("-c,--config", options.config_file, "TOML configuration file (default: built-in defaults)");
  app->add_option("-d,--data", options.data_dir, "data folder (overrides server.data_dir)");
  return app;
}

Result<redoubt::config::Config, std::string> load_config(const Options& options) {
  std::optional<std::filesystem::path> file;
  if (!options.config_file.empty()) file = options.config_file;
  auto config = redoubt::config::load(file);
  if (config && !options.data_dir.empty()) config->server.data_dir = options.data_dir;
  return config;
}

// Opens the store as the server's user (so files keep one owner) and runs `operation` on it.
int administer(const Options& options, const std::function<admin::Outcome(redoubt::store::Store&)>& operation) {
  auto config = load_config(options);
  if (!config) {
    std::cerr << "redoubt: " << config.error() << "\n";
    return 1;
  }
  if (auto dropped = redoubt::daemon::become_unprivileged(config->server.user, config->server.data_dir); !dropped) {
    std::cerr << "redoubt: " << dropped.error() << "\n";
    return 1;
  }
  auto store = redoubt::store::Store::open(config->server.data_dir);
  if (!store) {
    std::cerr << "redoubt: " << store.error() << "\n";
    return 1;
  }
  admin::Outcome outcome = operation(**store);
  if (!outcome) {
    std::cerr << "redoubt: " << outcome.error() << "\n";
    return 1;
  }
  std::cout << *outcome;
  return 0;
}

admin::Outcome with_new_password(const std::function<admin::Outcome(const std::string&)>& then) {
  auto password = admin::read_new_password();
  if (!password) return redoubt::unexpected(password.error());
  return then(*password);
}

// Declares one administrative subcommand: its arguments, and the operation it runs on the store.
struct Commands {
  Options& options;
  std::function<int()>& run;

  CLI::App* add(CLI::App& parent, const std::string& name, const std::string& help,
                std::function<admin::Outcome(redoubt::store::Store&)> operation) {
    CLI::App* app = subcommand(parent, name, help, options);
    app->callback([this, operation = std::move(operation)] {
      run = [this, operation] { return administer(options, operation); };
    });
    return app;
  }
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Redoubt: mail and calendar server"};
  app.require_subcommand(1);
  app.set_version_flag("--version", REDOUBT_VERSION);
  Options options;
  std::function<int()> run;
  Commands commands{options, run};
  using Store = redoubt::store::Store;

  subcommand(app, "serve", "run the server", options)->callback([&] {
    run = [&] {
      auto config = load_config(options);
      if (!config) {
        std::cerr << "redoubt: " << config.error() << "\n";
        return 1;
      }
      return redoubt::daemon::serve(std::move(*config));
    };
  });

  std::string name, address, mailbox = "INBOX";
  std::vector<std::string> targets;
  std::optional<std::string> domain_filter, target, quota_limit;
  std::uint32_t uid = 0;

  CLI::App* domain = app.add_subcommand("domain", "local mail domains")->require_subcommand(1);
  commands.add(*domain, "add", "NAME: receive mail for a domain", [&](Store& s) { return admin::domain_add(s, name); })
      ->add_option("name", name)->required();
  commands.add(*domain, "remove", "NAME: stop receiving mail for a domain without accounts or aliases",
               [&](Store& s) { return admin::domain_remove(s, name); })
      ->add_option("name", name)->required();
  commands.add(*domain, "list", "list local domains", [&](Store& s) { return admin::domain_list(s); });

  CLI::App* account = app.add_subcommand("account", "mail accounts (the address is the login)")->require_subcommand(1);
  commands.add(*account, "add", "ADDRESS: add an account; the password comes from the terminal or stdin",
               [&](Store& s) {
                 return with_new_password([&](const std::string& p) { return admin::account_add(s, address, p); });
               })
      ->add_option("address", address)->required();
  commands.add(*account, "passwd", "ADDRESS: set the password (terminal or stdin)",
               [&](Store& s) {
                 return with_new_password([&](const std::string& p) { return admin::account_passwd(s, address, p); });
               })
      ->add_option("address", address)->required();
  commands.add(*account, "remove", "ADDRESS: remove an account with all its mail",
               [&](Store& s) { return admin::account_remove(s, address); })
      ->add_option("address", address)->required();
  commands.add(*account, "list", "[DOMAIN]: list accounts", [&](Store& s) { return admin::account_list(s, domain_filter); })
      ->add_option("domain", domain_filter);
  CLI::App* quota = commands.add(*account, "quota", "ADDRESS [BYTES|none]: show the storage use, or set the limit",
                                 [&](Store& s) { return admin::account_quota(s, address, quota_limit); });
  quota->add_option("address", address)->required();
  quota->add_option("limit", quota_limit, "bytes, or none (0 also means no limit)");

  CLI::App* alias = app.add_subcommand("alias", "addresses delivered to other accounts")->require_subcommand(1);
  CLI::App* alias_add = commands.add(*alias, "add", "ADDRESS TARGET...: deliver ADDRESS (@domain: catch-all) to the targets",
                                     [&](Store& s) { return admin::alias_add(s, address, targets); });
  alias_add->add_option("address", address)->required();
  alias_add->add_option("targets", targets)->required();
  CLI::App* alias_remove = commands.add(*alias, "remove", "ADDRESS [TARGET]: remove an alias (every target if none named)",
                                        [&](Store& s) { return admin::alias_remove(s, address, target); });
  alias_remove->add_option("address", address)->required();
  alias_remove->add_option("target", target);
  commands.add(*alias, "list", "list aliases", [&](Store& s) { return admin::alias_list(s); });

  CLI::App* mail = app.add_subcommand("mail", "what is stored in an account")->require_subcommand(1);
  commands.add(*mail, "mailboxes", "ADDRESS: mailboxes (name uidvalidity uidnext highestmodseq special-use)",
               [&](Store& s) { return admin::mail_mailboxes(s, address); })
      ->add_option("address", address)->required();
  commands.add(*mail, "list", "ADDRESS: messages (mailbox uid modseq size)",
               [&](Store& s) { return admin::mail_list(s, address); })
      ->add_option("address", address)->required();
  CLI::App* cat = commands.add(*mail, "cat", "ADDRESS UID [--mailbox NAME]: print a raw message",
                               [&](Store& s) { return admin::mail_cat(s, address, mailbox, uid); });
  cat->add_option("address", address)->required();
  cat->add_option("uid", uid)->required();
  cat->add_option("-m,--mailbox", mailbox, "mailbox (default INBOX)");

  CLI::App* store_command = app.add_subcommand("store", "maintenance of the data folder")->require_subcommand(1);
  redoubt::store::GarbageOptions gc_options;
  CLI::App* gc = commands.add(*store_command, "gc",
                              "[--grace SECONDS] [--expunge-retention SECONDS]: remove unused message bodies and "
                              "prune the expunge log (the server does both hourly)",
                              [&](Store& s) { return admin::store_gc(s, gc_options); });
  gc->add_option("--grace", gc_options.blob_grace_seconds,
                 "keep unused bodies younger than this (default 3600; less only while no mail arrives)");
  gc->add_option("--expunge-retention", gc_options.expunge_retention_seconds,
                 "keep expunge log entries younger than this (default 30 days)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version.
    std::cerr << "redoubt: " << e.what() << " (see --help)\n";
    return 1;
  }
  return run ? run() : 1;
}
