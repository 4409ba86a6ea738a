#include "config/config.h"

#include <fstream>
#include <set>
#include <sstream>

#include <toml++/toml.h>

namespace redoubt::config {
namespace {

// Reads one section with a fixed set of keys. Unknown keys and wrong types are errors, so a typo
// never silently falls back to a default.
class Section {
 public:
  Section(const toml::table* table, std::string name, std::string_view origin)
      : table_(table), name_(std::move(name)), origin_(origin) {}

  template <class T>
  void integer(std::string_view key, T& out, std::int64_t min, std::int64_t max) {
    const toml::node* node = take(key);
    if (!node || failed()) return;
    auto value = node->value<std::int64_t>();
    if (!node->is_integer() || !value || *value < min || *value > max) {
      fail(key, "expected an integer from " + std::to_string(min) + " to " + std::to_string(max));
      return;
    }
    out = static_cast<T>(*value);
  }

  void seconds(std::string_view key, std::chrono::seconds& out) {
    std::int64_t value = out.count();
    integer(key, value, 1, 86400);
    out = std::chrono::seconds(value);
  }

  void boolean(std::string_view key, bool& out) {
    const toml::node* node = take(key);
    if (!node || failed()) return;
    if (!node->is_boolean()) return fail(key, "expected true or false");
    out = *node->value<bool>();
  }

  void string(std::string_view key, std::string& out) {
    const toml::node* node = take(key);
    if (!node || failed()) return;
    if (!node->is_string()) return fail(key, "expected a string");
    out = *node->value<std::string>();
  }

  void path(std::string_view key, std::filesystem::path& out) {
    std::string text = out.string();
    string(key, text);
    out = text;
  }

  void endpoints(std::string_view key, std::vector<Endpoint>& out) {
    const toml::node* node = take(key);
    if (!node || failed()) return;
    const toml::array* array = node->as_array();
    if (!array) return fail(key, "expected an array of \"host:port\" strings");
    std::vector<Endpoint> parsed;
    for (const toml::node& item : *array) {
      auto text = item.value<std::string>();
      if (!item.is_string()) return fail(key, "expected an array of \"host:port\" strings");
      auto endpoint = parse_endpoint(*text);
      if (!endpoint) return fail(key, endpoint.error());
      parsed.push_back(*endpoint);
    }
    out = std::move(parsed);
  }

  // Call after reading every known key.
  void reject_unknown_keys() {
    if (!table_ || failed()) return;
    for (const auto& [key, node] : *table_) {
      if (!seen_.contains(std::string(key.str()))) fail(key.str(), "unknown key");
    }
  }

  void fail(std::string_view key, std::string_view what) {
    if (failed()) return;
    error_ = std::string(origin_) + ": " + name_ + "." + std::string(key) + ": " + std::string(what);
  }
  bool failed() const { return !error_.empty(); }
  const std::string& error() const { return error_; }

 private:
  const toml::node* take(std::string_view key) {
    seen_.insert(std::string(key));
    return table_ ? table_->get(key) : nullptr;
  }

  const toml::table* table_;
  std::string name_;
  std::string_view origin_;
  std::set<std::string> seen_;
  std::string error_;
};

}  // namespace

Result<Endpoint, std::string> parse_endpoint(std::string_view text) {
  std::string_view host, port;
  if (text.starts_with('[')) {
    std::size_t close = text.find(']');
    if (close == std::string_view::npos || text.substr(close + 1, 1) != ":") {
      return unexpected("\"" + std::string(text) + "\" is not [ipv6]:port");
    }
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    std::size_t colon = text.rfind(':');
    if (colon == std::string_view::npos || text.substr(0, colon).find(':') != std::string_view::npos) {
      return unexpected("\"" + std::string(text) + "\" is not host:port");
    }
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  unsigned value = 0;
  if (host.empty() || port.empty() || port.size() > 5) {
    return unexpected("\"" + std::string(text) + "\" is not host:port");
  }
  for (char c : port) {
    if (c < '0' || c > '9') return unexpected("\"" + std::string(text) + "\": bad port");
    value = value * 10 + unsigned(c - '0');
  }
  if (value > 65535) return unexpected("\"" + std::string(text) + "\": port above 65535");
  return Endpoint{std::string(host), static_cast<std::uint16_t>(value)};
}

Result<Config, std::string> parse(std::string_view toml_text, std::string_view origin) {
  toml::table root;
  try {
    root = toml::parse(toml_text, origin);
  } catch (const toml::parse_error& e) {
    return unexpected(std::string(origin) + ":" + std::to_string(e.source().begin.line) + ": " +
                      std::string(e.description()));
  }

  Config config;
  auto table = [&](std::string_view name) -> const toml::table* {
    const toml::node* node = root.get(name);
    return node ? node->as_table() : nullptr;
  };
  for (const auto& [key, node] : root) {
    static const std::set<std::string, std::less<>> kSections = {"server", "smtp", "imap", "tls", "log"};
    if (!kSections.contains(key.str())) {
      return unexpected(std::string(origin) + ": " + std::string(key.str()) + ": unknown section");
    }
    if (!node.is_table()) {
      return unexpected(std::string(origin) + ": " + std::string(key.str()) + ": expected a table");
    }
  }

  Section server(table("server"), "server", origin);
  server.string("hostname", config.server.hostname);
  server.path("data_dir", config.server.data_dir);
  server.string("user", config.server.user);
  server.integer("threads", config.server.threads, 0, 256);
  server.reject_unknown_keys();
  if (server.failed()) return unexpected(server.error());
  if (config.server.hostname.empty()) {
    return unexpected(std::string(origin) + ": server.hostname: must not be empty");
  }

  SmtpConfig& smtp = config.smtp;
  Section s(table("smtp"), "smtp", origin);
  s.endpoints("listen", smtp.listen);
  s.integer("max_message_size", smtp.max_message_size, 1024, std::int64_t{1} << 40);
  s.integer("max_recipients", smtp.max_recipients, 1, 100000);
  s.integer("max_connections", smtp.max_connections, 1, 1000000);
  s.integer("max_connections_per_ip", smtp.max_connections_per_ip, 1, 1000000);
  s.integer("max_errors", smtp.max_errors, 1, 1000);
  s.seconds("command_timeout", smtp.command_timeout);
  s.seconds("data_timeout", smtp.data_timeout);
  s.seconds("greeting_timeout", smtp.greeting_timeout);
  s.reject_unknown_keys();
  if (s.failed()) return unexpected(s.error());

  ImapConfig& imap = config.imap;
  Section i(table("imap"), "imap", origin);
  i.endpoints("listen", imap.listen);
  i.endpoints("listen_tls", imap.listen_tls);
  i.integer("max_connections", imap.max_connections, 1, 1000000);
  i.integer("max_connections_per_ip", imap.max_connections_per_ip, 1, 1000000);
  i.boolean("loopback_plaintext_auth", imap.loopback_plaintext_auth);
  i.seconds("login_timeout", imap.login_timeout);
  i.seconds("idle_timeout", imap.idle_timeout);
  i.integer("max_append", imap.max_append, 1024, std::int64_t{1} << 40);
  i.reject_unknown_keys();
  if (i.failed()) return unexpected(i.error());
  if (imap.idle_timeout < std::chrono::seconds(1800)) {
    return unexpected(std::string(origin) + ": imap.idle_timeout: RFC 9051 §5.4 requires at least 1800");
  }

  Section tls(table("tls"), "tls", origin);
  tls.path("certificate", config.tls.certificate);
  tls.path("private_key", config.tls.private_key);
  tls.reject_unknown_keys();
  if (tls.failed()) return unexpected(tls.error());
  if (config.tls.certificate.empty() != config.tls.private_key.empty()) {
    return unexpected(std::string(origin) + ": tls: set both certificate and private_key, or neither");
  }

  Section log(table("log"), "log", origin);
  log.string("level", config.log.level);
  log.reject_unknown_keys();
  if (log.failed()) return unexpected(log.error());
  static const std::set<std::string, std::less<>> kLevels = {"trace", "debug", "info", "warn", "error"};
  if (!kLevels.contains(config.log.level)) {
    return unexpected(std::string(origin) + ": log.level: expected trace, debug, info, warn or error");
  }
  return config;
}

Result<Config, std::string> load(const std::optional<std::filesystem::path>& path) {
  if (!path) return Config{};
  std::ifstream in(*path, std::ios::binary);
  if (!in) return unexpected(path->string() + ": cannot read the configuration file");
  std::stringstream text;
  text << in.rdbuf();
  return parse(text.str(), path->string());
}

}  // namespace redoubt::config
