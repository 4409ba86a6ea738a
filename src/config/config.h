#pragma once

// The server's configuration: one TOML file with documented defaults (docs/configuration.md).
// Without a file, the defaults give a working development server on loopback high ports.
// A Config is an immutable snapshot; nothing reads configuration from anywhere else.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"

namespace redoubt::config {

// "127.0.0.1:2525" or "[::1]:2525". Port 0 asks the kernel for a free port (tests); the bound
// ports are written to <data>/run/ports once listening.
struct Endpoint {
  std::string host;
  std::uint16_t port = 0;
  bool operator==(const Endpoint&) const = default;
};

struct ServerConfig {
  std::string hostname = "localhost";        // Greeting, Received headers, certificate name.
  std::filesystem::path data_dir = "./data";  // Everything the server writes lives here.
  std::string user = "redoubt";               // Started as root: switch to this user after binding.
  unsigned threads = 0;                       // I/O threads; 0 = one per core.
};

struct SmtpConfig {
  std::vector<Endpoint> listen = {{"127.0.0.1", 2525}};
  std::uint64_t max_message_size = 25 * 1024 * 1024;  // Advertised in EHLO SIZE (RFC 1870).
  unsigned max_recipients = 100;                      // RFC 5321 §4.5.3.1.8: at least 100.
  unsigned max_connections = 2000;
  unsigned max_connections_per_ip = 50;
  unsigned max_errors = 10;  // Protocol errors before the session is closed (421).
  std::chrono::seconds command_timeout{300};  // RFC 5321 §4.5.3.2.7: 5 minutes.
  std::chrono::seconds data_timeout{600};     // RFC 5321 §4.5.3.2.6: 10 minutes in total.
  std::chrono::seconds greeting_timeout{60};  // Before the first EHLO/HELO.
};

struct ImapConfig {
  std::vector<Endpoint> listen = {{"127.0.0.1", 2143}};      // Plain, with STARTTLS (port 143).
  std::vector<Endpoint> listen_tls = {{"127.0.0.1", 2993}};  // Implicit TLS (port 993, RFC 8314).
  unsigned max_connections = 10000;
  unsigned max_connections_per_ip = 100;
  // Before TLS, LOGIN and AUTHENTICATE are refused (LOGINDISABLED, RFC 9051 §6.2.3) except from
  // a loopback address when this is true (local tools and tests).
  bool loopback_plaintext_auth = true;
  std::chrono::seconds login_timeout{60};    // Until authenticated.
  std::chrono::seconds idle_timeout{1800};   // RFC 9051 §5.4: at least 30 minutes.
  std::uint64_t max_append = 64 * 1024 * 1024;  // Largest APPEND message (APPENDLIMIT, RFC 7889).
};

struct TlsConfig {
  // PEM files. Empty: a self-signed certificate in <data>/tls/, made on first start.
  std::filesystem::path certificate;
  std::filesystem::path private_key;
};

struct LogConfig {
  std::string level = "info";  // trace, debug, info, warn, error.
};

struct Config {
  ServerConfig server;
  SmtpConfig smtp;
  ImapConfig imap;
  TlsConfig tls;
  LogConfig log;
};

// Reads `path` (none: defaults only). Errors are one line naming the key and the problem, e.g.
// "redoubt.toml: smtp.max_recipients: expected a positive integer".
Result<Config, std::string> load(const std::optional<std::filesystem::path>& path);

// Parses TOML text; `origin` names the text in error messages.
Result<Config, std::string> parse(std::string_view toml_text, std::string_view origin);

// Parses "host:port" / "[v6]:port".
Result<Endpoint, std::string> parse_endpoint(std::string_view text);

}  // namespace redoubt::config
